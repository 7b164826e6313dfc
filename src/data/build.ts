// The `data` stage: load a raw source → process → write the canonical folder with
// config.json, stats.json, stats.md and a sequence-length chart. Returns the stats.
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { UserError } from '../engine/errors.js';
import { claimOutFolder, finishOutFolder } from '../engine/out_folder.js';
import { writeDataset } from './dataset.js';
import type { DataConfig } from './config.js';
import { SOURCES } from './loaders/index.js';
import { processLog } from './process.js';
import { RawLog } from './rawlog.js';
import { computeStats, lengthHistogram, statsMarkdown, type Stats } from './stats.js';
import { barChart } from '../report/svg.js';

export async function buildDataset(cfg: DataConfig): Promise<Stats> {
  const log = new RawLog(cfg.strict);
  claimOutFolder(cfg.out, 'data', cfg, { force: cfg.force });
  if ((cfg.source === 'csv' || cfg.source === 'jsonl') && !cfg.columns) {
    throw new UserError(`--source ${cfg.source} needs a column mapping: --user-col, --item-col and --title-col at least`);
  }
  await SOURCES[cfg.source].load({ inputs: cfg.input, encoding: cfg.encoding, columns: cfg.columns, quiet: cfg.quiet }, log);
  if (log.size === 0) throw new UserError(`source ${cfg.source}: no interactions were read${skipNote(log.skipped)}`);
  const p = processLog(log, cfg);
  if (p.sequences.length === 0) {
    throw new UserError(
      `no user is left after filtering (k-core ${cfg.kcore}, top items ${cfg.topItems || 'all'}, users ${cfg.users || 'all'}) of ${log.size} events read${skipNote(log.skipped)}; loosen the filters`,
    );
  }
  writeDataset(cfg.out, p, cfg.source);
  const stats = computeStats(p, cfg.source, log.skipExamples, log.titleConflicts);
  const hist = lengthHistogram(p.sequences);
  writeFileAtomic(
    join(cfg.out, 'sequence_lengths.svg'),
    barChart({ title: 'Users by sequence length', ...hist, xLabel: 'events per user', yLabel: 'users' }),
  );
  writeJsonAtomic(join(cfg.out, 'config.json'), cfg);
  writeJsonAtomic(join(cfg.out, 'stats.json'), stats);
  writeFileAtomic(join(cfg.out, 'stats.md'), statsMarkdown(stats, 'sequence_lengths.svg'));
  finishOutFolder(cfg.out);
  return stats;
}

function skipNote(skipped: Record<string, number>): string {
  const parts = Object.entries(skipped).map(([k, v]) => `${k}: ${v}`);
  return parts.length ? ` (skipped ${parts.join(', ')})` : '';
}
