// Registry of raw-data loaders by --source name, with a line of help for each.
import type { Loader } from './types.js';
import { loadDslabs } from './dslabs.js';
import { loadMovieLens } from './movielens.js';
import { loadAmazon } from './amazon.js';
import { loadSteam } from './steam.js';
import { loadSequences } from './sequences.js';
import { loadCsv, loadJsonl } from './table.js';

export const SOURCES = {
  dslabs: { load: loadDslabs, help: "MovieLens latest-small from Debian's r-cran-dslabs (default; no --input needed)" },
  movielens: { load: loadMovieLens, help: 'GroupLens release folder (ml-latest[-small], ml-100k, ml-1m) or its ratings + movies files' },
  amazon: { load: loadAmazon, help: 'McAuley Amazon reviews 2014/2018: a reviews file and a metadata file (plain or .gz)' },
  steam: { load: loadSteam, help: 'Kang & McAuley steam_reviews.json(.gz) and steam_games.json(.gz)' },
  csv: { load: loadCsv, help: 'generic CSV/TSV: interactions file + items file, columns mapped by --user-col etc.' },
  jsonl: { load: loadJsonl, help: 'generic JSON Lines: interactions file + items file, keys mapped by --user-col etc.' },
  sequences: {
    load: loadSequences,
    help: 'order-only sequences ("user item item …" lines, files in order) + a JSON Lines items file (DEALRec)',
  },
} satisfies Record<string, { load: Loader; help: string }>;

export type SourceName = keyof typeof SOURCES;
export const SOURCE_NAMES = Object.keys(SOURCES) as SourceName[];
