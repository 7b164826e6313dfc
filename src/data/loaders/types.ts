// The loader contract: a loader reads one published raw format into a RawLog —
// interactions first (addEvent), then titles/metadata for the items seen (setItem).
// Structural problems (missing file or column, empty file, wrong encoding) throw a DataError;
// a single malformed record is counted with log.skip(reason, where) and skipped.
import type { RawLog } from '../rawlog.js';
import type { TextEncoding } from '../lines.js';
import type { TimeFormat } from '../time_format.js';

/** Column mapping for the generic csv/jsonl loader (flags --user-col etc.). */
export interface ColumnMapping {
  user: string; // interactions: user id column
  item: string; // interactions: item id column
  time?: string; // interactions: timestamp column (unix seconds, or a date string); absent → file order
  timeFormat?: TimeFormat; // how to read it (default auto: the one format the whole column agrees on)
  skipBadTimes?: boolean; // drop events whose time does not read, however many
  itemId?: string; // items file: item id column (default: same name as `item`)
  title: string; // items file: title column
  meta: string[]; // items file: extra metadata columns to keep
  delimiter?: string; // csv: field separator (default: ',' or tab for .tsv)
}

export interface LoadOptions {
  /** --input paths; their meaning is per source (see each loader's contract comment). */
  inputs: string[];
  /** Overrides the format's usual text encoding. */
  encoding?: TextEncoding;
  columns?: ColumnMapping;
  quiet?: boolean; // no progress bars
}

export type Loader = (opts: LoadOptions, log: RawLog) => Promise<void>;
