// `recexplainer data`: raw interaction logs → canonical data set folder (see src/data/dataset.ts).
import { Command } from 'commander';
import { COLUMN_SPEC, DATA_SPEC, withColumns, type ColumnSettings, type DataConfig } from '../data/config.js';
import { buildDataset } from '../data/build.js';
import { SOURCE_NAMES, SOURCES } from '../data/loaders/index.js';
import { addOptions } from './options.js';

export function dataCommand(): Command {
  const cmd = new Command('data').description(
    'Read a raw interaction log and write the canonical data set folder (items, sequences, id maps, stats)',
  );
  return addOptions(addOptions(cmd, DATA_SPEC), COLUMN_SPEC)
    .addHelpText('after', '\nSources:\n' + SOURCE_NAMES.map((s) => `  ${s.padEnd(10)} ${SOURCES[s].help}`).join('\n'))
    .action(async (flags: DataConfig & ColumnSettings) => {
      const cfg = withColumns(flags);
      const t0 = Date.now();
      const s = await buildDataset(cfg);
      console.log(
        `${s.users} users, ${s.items} items, ${s.interactions} interactions (sparsity ${(100 * s.sparsity).toFixed(3)}%) in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
      );
      const skips = Object.entries(s.skipped);
      if (skips.length) console.log(`skipped: ${skips.map(([k, v]) => `${k} ${v}`).join(', ')}`);
      console.log(`data set written to ${cfg.out} (report: ${cfg.out}/stats.md)`);
    });
}
