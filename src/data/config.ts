// Configuration of the `data` stage, one spec (src/engine/options.ts) for the config, its defaults
// and its flags (--top-items ↔ topItems, …); the csv/jsonl column flags map to `columns`, checked
// here. The resolved config is written to <out>/config.json.
import { UserError } from '../engine/errors.js';
import { choice, defaultsOf, flag, int, list, maybe, opt, repeat, req, text, type ConfigOf, type Spec } from '../engine/options.js';
import type { TextEncoding } from './lines.js';
import { SOURCE_NAMES } from './loaders/index.js';
import { TIME_FORMATS } from './time_format.js';
import type { ColumnMapping } from './loaders/types.js';

export const DATA_SPEC = {
  source: opt('dslabs', choice(SOURCE_NAMES), `raw format: ${SOURCE_NAMES.join(', ')}`),
  input: opt([], repeat(), 'raw file or folder (repeatable; see the source list below)'),
  out: req(text('<dir>'), 'output folder'),
  topItems: opt(0, int(0), 'keep the N most frequent items (0 = all)'),
  users: opt(0, int(0), 'sample N users, seeded (0 = all)'),
  kcore: opt(5, int(0, '<k>'), 'drop users and items with fewer than k events, to a fixpoint'),
  sampleAfterKcore: flag('draw the --users sample from the k-core instead of before it (items may then have fewer than k events)'),
  seed: opt(42, int(0), 'random seed'),
  encoding: maybe(choice<TextEncoding>(['utf8', 'latin1'], '<enc>'), "text encoding of the raw files (default: the format's own)"),
  strict: flag('treat any malformed record as an error instead of skipping it'),
  quiet: flag('no progress bars'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export interface DataConfig extends ConfigOf<typeof DATA_SPEC> {
  columns?: ColumnMapping; // csv/jsonl only (withColumns)
}

export const DATA_DEFAULTS = defaultsOf(DATA_SPEC);

/** The csv/jsonl column mapping as flat settings (one flag each). */
export const COLUMN_SPEC = {
  userCol: maybe(text('<name>'), 'csv/jsonl: user id column'),
  itemCol: maybe(text('<name>'), 'csv/jsonl: item id column in the interactions file'),
  timeCol: maybe(text('<name>'), 'csv/jsonl: timestamp column (unix seconds or a date); absent = file order'),
  timeFormat: maybe(
    choice(TIME_FORMATS, '<f>'),
    `csv/jsonl: how to read --time-col: ${TIME_FORMATS.join(', ')} (iso/ymd, mdy, dmy may carry a time; UTC unless the value has a zone; default auto: only when the column is unambiguous)`,
  ),
  skipBadTimes: flag('csv/jsonl: drop events whose time does not read even when they are more than 1 %'),
  titleCol: maybe(text('<name>'), 'csv/jsonl: title column in the items file'),
  itemIdCol: maybe(text('<name>'), 'csv/jsonl: item id column in the items file (default: --item-col)'),
  metaCols: opt([], list(undefined, '<a,b,...>'), 'csv/jsonl: item metadata columns to keep'),
  delimiter: maybe(text('<c>'), 'csv: field separator, \\t for a tab (default , or tab for .tsv)'),
} satisfies Spec;

export type ColumnSettings = ConfigOf<typeof COLUMN_SPEC>;

/** The config with its column mapping instead of the flat settings; column settings for a source that reads none, or a csv/jsonl source without user, item and title columns, are UserErrors. */
export function withColumns(c: DataConfig & ColumnSettings): DataConfig {
  const cfg = Object.fromEntries(Object.entries(c).filter(([k]) => !(k in COLUMN_SPEC))) as DataConfig;
  const tabular = cfg.source === 'csv' || cfg.source === 'jsonl';
  const mapped =
    [c.userCol, c.itemCol, c.timeCol, c.timeFormat, c.titleCol, c.itemIdCol, c.delimiter].some((x) => x !== undefined) ||
    c.metaCols.length > 0 ||
    c.skipBadTimes;
  if (mapped && !tabular) throw new UserError(`column flags (--user-col …) apply to --source csv or jsonl, not ${cfg.source}`);
  if (!tabular) return cfg;
  if (!c.userCol || !c.itemCol || !c.titleCol) throw new UserError(`--source ${cfg.source} needs --user-col, --item-col and --title-col`);
  if ((c.timeFormat !== undefined || c.skipBadTimes) && c.timeCol === undefined)
    throw new UserError('--time-format and --skip-bad-times read the --time-col column; name it');
  return {
    ...cfg,
    columns: {
      user: c.userCol,
      item: c.itemCol,
      time: c.timeCol,
      timeFormat: c.timeFormat,
      skipBadTimes: c.skipBadTimes,
      itemId: c.itemIdCol,
      title: c.titleCol,
      meta: c.metaCols,
      delimiter: c.delimiter === '\\t' ? '\t' : c.delimiter, // \t as typed in a shell
    },
  };
}
