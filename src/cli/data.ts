// `recexplainer data`: raw interaction logs → canonical data set folder (see src/data/dataset.ts).
import { Command } from 'commander';
import { DATA_DEFAULTS, type DataConfig } from '../data/config.js';
import { buildDataset } from '../data/build.js';
import { SOURCE_NAMES, SOURCES, type SourceName } from '../data/loaders/index.js';
import type { TextEncoding } from '../data/lines.js';
import { UserError } from '../engine/errors.js';
import { choiceArg, collect, intArg, listArg } from './options.js';

interface DataFlags {
  source: SourceName;
  input: string[];
  out: string;
  topItems: number;
  users: number;
  kcore: number;
  seed: number;
  encoding?: TextEncoding;
  userCol?: string;
  itemCol?: string;
  timeCol?: string;
  titleCol?: string;
  itemIdCol?: string;
  metaCols: string[];
  delimiter?: string;
  strict: boolean;
  quiet: boolean;
}

export function toDataConfig(f: DataFlags): DataConfig {
  const cfg: DataConfig = {
    source: f.source,
    input: f.input,
    out: f.out,
    topItems: f.topItems,
    users: f.users,
    kcore: f.kcore,
    seed: f.seed,
    encoding: f.encoding,
    strict: f.strict,
    quiet: f.quiet,
  };
  const tabular = f.source === 'csv' || f.source === 'jsonl';
  const mapped = [f.userCol, f.itemCol, f.timeCol, f.titleCol, f.itemIdCol, f.delimiter].some((x) => x !== undefined) || f.metaCols.length > 0;
  if (mapped && !tabular) throw new UserError(`column flags (--user-col …) apply to --source csv or jsonl, not ${f.source}`);
  if (tabular) {
    if (!f.userCol || !f.itemCol || !f.titleCol) throw new UserError(`--source ${f.source} needs --user-col, --item-col and --title-col`);
    cfg.columns = { user: f.userCol, item: f.itemCol, time: f.timeCol, itemId: f.itemIdCol, title: f.titleCol, meta: f.metaCols, delimiter: f.delimiter };
  }
  return cfg;
}

export function dataCommand(): Command {
  const d = DATA_DEFAULTS;
  return new Command('data')
    .description('Read a raw interaction log and write the canonical data set folder (items, sequences, id maps, stats)')
    .option('--source <name>', `raw format: ${SOURCE_NAMES.join(', ')}`, choiceArg(SOURCE_NAMES), d.source)
    .option('--input <path>', 'raw file or folder (repeatable; see the source list below)', collect, [])
    .requiredOption('--out <dir>', 'output folder')
    .option('--top-items <n>', 'keep the N most frequent items (0 = all)', intArg(0), d.topItems)
    .option('--users <n>', 'sample N users, seeded (0 = all)', intArg(0), d.users)
    .option('--kcore <k>', 'drop users and items with fewer than k events, to a fixpoint', intArg(0), d.kcore)
    .option('--seed <n>', 'random seed', intArg(0), d.seed)
    .option('--encoding <enc>', "text encoding of the raw files (default: the format's own)", choiceArg(['utf8', 'latin1'] as const))
    .option('--user-col <name>', 'csv/jsonl: user id column')
    .option('--item-col <name>', 'csv/jsonl: item id column in the interactions file')
    .option('--time-col <name>', 'csv/jsonl: timestamp column (unix seconds or a date); absent = file order')
    .option('--title-col <name>', 'csv/jsonl: title column in the items file')
    .option('--item-id-col <name>', 'csv/jsonl: item id column in the items file (default: --item-col)')
    .option('--meta-cols <a,b,...>', 'csv/jsonl: item metadata columns to keep', listArg, [])
    .option('--delimiter <c>', 'csv: field separator (default , or tab for .tsv)')
    .option('--strict', 'treat any malformed record as an error instead of skipping it', d.strict)
    .option('--quiet', 'no progress bars', d.quiet)
    .addHelpText('after', '\nSources:\n' + SOURCE_NAMES.map((s) => `  ${s.padEnd(10)} ${SOURCES[s].help}`).join('\n'))
    .action(async (flags: DataFlags) => {
      const cfg = toDataConfig(flags);
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
