// Source `dslabs`: MovieLens latest-small (100,004 ratings) as shipped in Debian's r-cran-dslabs, read
// from the package's lazy-load database without R. --input: Rdata.rdb, its folder, or the package folder;
// default: the system R library, then <repo>/.cache/dslabs (filled by `npm run setup`).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UserError, type Where } from '../../engine/errors.js';
import { repoRoot } from '../../engine/paths.js';
import { dataFrameColumns, readLazyLoadDb, type RColumn, type RDataFrame } from '../rdata.js';
import type { ItemMeta, RawLog } from '../rawlog.js';
import { cleanTitle } from '../text.js';
import type { Loader } from './types.js';

const PACKAGE_DATA = 'usr/lib/R/site-library/dslabs/data/Rdata.rdb';
const NO_GENRES = '(no genres listed)';

/** Where the data is looked for when no --input is given, in order. */
export function dslabsCandidates(): string[] {
  const paths = ['/' + PACKAGE_DATA, '/usr/local/lib/R/site-library/dslabs/data/Rdata.rdb'];
  paths.push(join(repoRoot(), '.cache', 'dslabs', PACKAGE_DATA));
  return paths;
}

/** The first candidate that exists, if any. */
export function findDslabsData(): string | undefined {
  return dslabsCandidates().find((p) => existsSync(p));
}

export const loadDslabs: Loader = async (opts, log) => {
  const rdb = opts.inputs[0] !== undefined ? resolveInput(opts.inputs[0]) : defaultData();
  const frame = dataFrameColumns(readLazyLoadDb(rdb).get('movielens'), { file: rdb, field: 'movielens' });
  const users = ids(frame, 'userId', rdb);
  const movies = ids(frame, 'movieId', rdb);
  const times = numbers(frame, 'timestamp', rdb);
  for (let i = 0; i < frame.rows; i++) {
    const at = (field: string): Where => ({ file: rdb, line: i + 1, field });
    const [user, movie, time] = [users[i], movies[i], times[i]];
    if (user === null) log.skip('missing_user', at('userId'), 'NA');
    else if (movie === null) log.skip('missing_item', at('movieId'), 'NA');
    else if (time === null) log.skip('bad_timestamp', at('timestamp'), 'NA');
    else log.addEvent(user, movie, time, at('userId'));
  }
  addItems(frame, movies, rdb, log);
};

/**
 * Title and { year, genres } for each distinct movie, from its first row. The title gets its
 * year appended, "Dumbo (1941)", as in GroupLens' own files: it tells remakes apart.
 */
function addItems(frame: RDataFrame, movies: (string | null)[], rdb: string, log: RawLog): void {
  const titles = strings(frame, 'title', rdb);
  const years = numbers(frame, 'year', rdb);
  const genres = strings(frame, 'genres', rdb);
  const seen = new Set<string>();
  movies.forEach((movie, i) => {
    if (movie === null || seen.has(movie)) return;
    seen.add(movie);
    const meta: ItemMeta = {};
    const year = years[i];
    if (year !== null) meta.year = year;
    const g = (genres[i] ?? '').split('|').filter((s) => s && s !== NO_GENRES);
    if (g.length) meta.genres = g;
    const title = cleanTitle(titles[i]);
    const titled = title && year !== null && !/\(\d{4}\)$/.test(title) ? `${title} (${year})` : title;
    log.setItem(movie, titled, meta, { file: rdb, line: i + 1, field: 'movieId' });
  });
}

function column(frame: RDataFrame, name: string, rdb: string): RColumn {
  const c = frame.columns.get(name);
  if (!c)
    throw new DataError({ file: rdb, field: name }, `movielens has no "${name}" column (has: ${[...frame.columns.keys()].join(', ')})`);
  return c;
}

/** An id column (numbers or strings) as strings; NA → null. */
function ids(frame: RDataFrame, name: string, rdb: string): (string | null)[] {
  const c = column(frame, name, rdb);
  if (c.kind === 'logical') throw new DataError({ file: rdb, field: name }, 'expected ids, found a logical column');
  return c.values.map((v) => (v === null ? null : String(v)));
}

function numbers(frame: RDataFrame, name: string, rdb: string): (number | null)[] {
  const c = column(frame, name, rdb);
  if (c.kind !== 'number') throw new DataError({ file: rdb, field: name }, `expected numbers, found a ${c.kind} column`);
  return c.values;
}

function strings(frame: RDataFrame, name: string, rdb: string): (string | null)[] {
  const c = column(frame, name, rdb);
  if (c.kind !== 'string') throw new DataError({ file: rdb, field: name }, `expected text, found a ${c.kind} column`);
  return c.values;
}

/** --input: the .rdb itself, a folder holding Rdata.rdb, or the dslabs package folder (data/Rdata.rdb). */
function resolveInput(input: string): string {
  if (!existsSync(input) || !statSync(input).isDirectory()) return input; // readLazyLoadDb reports what is wrong
  const found = [join(input, 'Rdata.rdb'), join(input, 'data', 'Rdata.rdb')].find((p) => existsSync(p));
  if (!found) throw new DataError({ file: input }, 'no Rdata.rdb here or in data/ (expected the dslabs R package or its data folder)');
  return found;
}

function defaultData(): string {
  const found = findDslabsData();
  if (!found) {
    throw new UserError(
      `dslabs data not found (looked in ${dslabsCandidates().join(', ')}): run \`npm run setup\` to fetch it, or pass --input PATH/Rdata.rdb`,
    );
  }
  return found;
}
