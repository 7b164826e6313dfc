// Configuration of the `data` stage: one typed object, defaults commented, CLI flags 1:1
// (--top-items ↔ topItems, …). The resolved config is written to <out>/config.json.
import type { TextEncoding } from './lines.js';
import type { SourceName } from './loaders/index.js';
import type { ColumnMapping } from './loaders/types.js';

export interface DataConfig {
  source: SourceName; // raw format; default dslabs (the embedded MovieLens)
  input: string[]; // raw files or folders, per source; default none
  out: string; // output folder
  topItems: number; // keep the N most frequent items; default 0 = all
  users: number; // sample N users, seeded; default 0 = all
  kcore: number; // k-core filter to a fixpoint; default 5 (as the paper)
  seed: number; // default 42
  encoding?: TextEncoding; // override the format's usual encoding
  columns?: ColumnMapping; // csv/jsonl only
  strict: boolean; // any malformed record is an error instead of a counted skip; default false
  quiet: boolean; // no progress bars; default false
}

export const DATA_DEFAULTS: Omit<DataConfig, 'out'> = {
  source: 'dslabs',
  input: [],
  topItems: 0,
  users: 0,
  kcore: 5,
  seed: 42,
  strict: false,
  quiet: false,
};
