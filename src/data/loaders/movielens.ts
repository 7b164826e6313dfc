// MovieLens as GroupLens ships it; --input is a release folder or its ratings + movies files, any order.
// UTF-8 ml-latest*/25m/20m: ratings.csv + movies.csv; Latin-1 ml-100k: u.data + u.item (+ u.genre), ml-1m: ratings*.dat[.gz]
// + movies.dat. Every rating is an event; items get {genres (no placeholder genre), year from a trailing "(YYYY)"}.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError, UserError, type Where } from '../../engine/errors.js';
import { eachCsvRow } from '../csv.js';
import { readLines, requireFile, type Line, type TextEncoding } from '../lines.js';
import type { ItemMeta, RawLog } from '../rawlog.js';
import { cleanTitle } from '../text.js';
import { eachLine, type EachLineOptions } from './common.js';
import type { Loader } from './types.js';

type Variant = 'latest' | '100k' | '1m';
type Role = 'ratings' | 'movies';
interface Kind {
  variant: Variant;
  role: Role;
}
interface Files {
  variant: Variant;
  ratings: string;
  movies: string;
}
type Reader = (path: string, read: EachLineOptions, log: RawLog) => Promise<void>;

const VARIANTS: Variant[] = ['latest', '100k', '1m'];
const LABEL: Record<Variant, string> = { latest: 'ml-latest/ml-25m/ml-20m', '100k': 'ml-100k', '1m': 'ml-1m' };
const EXPECTED: Record<Variant, Record<Role, string>> = {
  latest: { ratings: 'ratings.csv', movies: 'movies.csv' },
  '100k': { ratings: 'u.data', movies: 'u.item' },
  '1m': { ratings: 'ratings.dat', movies: 'movies.dat' },
};
const ENCODING: Record<Variant, TextEncoding> = { latest: 'utf8', '100k': 'latin1', '1m': 'latin1' };
const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];
const NO_GENRE = new Set(['(no genres listed)', 'unknown']);

export const loadMovieLens: Loader = async (opts, log) => {
  const files = await resolveInputs(opts.inputs);
  const read: EachLineOptions = { encoding: opts.encoding ?? ENCODING[files.variant], quiet: opts.quiet };
  await RATINGS[files.variant](files.ratings, read, log);
  await MOVIES[files.variant](files.movies, read, log);
};

// ---- finding the files ----

async function resolveInputs(inputs: string[]): Promise<Files> {
  if (inputs.length === 1) return fromFolder(inputs[0]);
  if (inputs.length === 2) return fromFiles(inputs[0], inputs[1]);
  throw new UserError(`movielens: --input takes one release folder, or its ratings and movies files (got ${inputs.length} paths)`);
}

function fromFolder(dir: string): Files {
  if (!existsSync(dir)) throw new DataError({ file: dir }, 'MovieLens folder not found');
  if (!statSync(dir).isDirectory())
    throw new DataError({ file: dir }, 'expected a MovieLens folder, or two --input files (ratings and movies)');
  const found = readdirSync(dir)
    .sort()
    .map((name) => ({ name, kind: kindFromName(name) }));
  const variant = VARIANTS.find((v) => found.some((f) => f.kind?.variant === v));
  if (!variant) {
    const expected = VARIANTS.map((v) => `${EXPECTED[v].ratings} + ${EXPECTED[v].movies} (${LABEL[v]})`).join(', ');
    throw new DataError({ file: dir }, `no MovieLens files in this folder; expected ${expected}`);
  }
  const pick = (role: Role): string => {
    const names = found.filter((f) => f.kind?.variant === variant && f.kind.role === role).map((f) => f.name);
    const want = EXPECTED[variant][role];
    if (names.length === 0)
      throw new DataError(
        { file: dir },
        `${LABEL[variant]} folder without its ${role} file; expected ${EXPECTED[variant].ratings} and ${EXPECTED[variant].movies}`,
      );
    if (names.length > 1 && !names.includes(want))
      throw new DataError({ file: dir }, `several ${role} files (${names.join(', ')}); pass the two files explicitly`);
    return join(dir, names.length > 1 ? want : names[0]);
  };
  return { variant, ratings: pick('ratings'), movies: pick('movies') };
}

async function fromFiles(a: string, b: string): Promise<Files> {
  const ka = await kindOf(a);
  const kb = await kindOf(b);
  if (ka.variant !== kb.variant)
    throw new DataError({ file: b }, `a ${LABEL[kb.variant]} ${kb.role} file, but ${a} is a ${LABEL[ka.variant]} ${ka.role} file`);
  if (ka.role === kb.role) throw new DataError({ file: b }, `two ${ka.role} files given; expected one ratings and one movies file`);
  return ka.role === 'ratings' ? { variant: ka.variant, ratings: a, movies: b } : { variant: ka.variant, ratings: b, movies: a };
}

async function kindOf(path: string): Promise<Kind> {
  requireFile(path);
  const kind = kindFromName(basename(path)) ?? kindFromLine(await firstLine(path));
  if (!kind) throw new DataError({ file: path }, 'not recognised as a MovieLens ratings or movies file');
  return kind;
}

function kindFromName(name: string): Kind | undefined {
  const n = name.toLowerCase();
  if (n === 'u.data') return { variant: '100k', role: 'ratings' };
  if (n === 'u.item') return { variant: '100k', role: 'movies' };
  const m = /^(ratings|movies).*\.(csv|dat)(\.gz)?$/.exec(n);
  if (!m) return undefined;
  return { variant: m[2] === 'csv' ? 'latest' : '1m', role: m[1] as Role };
}

function kindFromLine(text: string | undefined): Kind | undefined {
  if (text === undefined) return undefined;
  if (/^userId,movieId,/i.test(text)) return { variant: 'latest', role: 'ratings' };
  if (/^movieId,title/i.test(text)) return { variant: 'latest', role: 'movies' };
  const colons = text.split('::').length;
  if (colons === 4) return { variant: '1m', role: 'ratings' };
  if (colons === 3) return { variant: '1m', role: 'movies' };
  if (text.split('\t').length === 4) return { variant: '100k', role: 'ratings' };
  if (text.split('|').length >= 6) return { variant: '100k', role: 'movies' };
  return undefined;
}

async function firstLine(path: string): Promise<string | undefined> {
  for await (const l of readLines(path, { encoding: 'latin1' })) return l.text;
  return undefined;
}

// ---- ratings ----

const RATINGS: Record<Variant, Reader> = {
  latest: (path, read, log) =>
    eachCsvRow(path, read, ['userId', 'movieId', 'rating', 'timestamp'], log, (values, line) =>
      addRating(values, { file: path, line }, log),
    ),
  '100k': (path, read, log) => eachRecord(path, read, (l, where) => addRating(l.text.split('\t'), where, log)),
  '1m': (path, read, log) => eachRecord(path, read, (l, where) => addRating(l.text.split('::'), where, log)),
};

/** fields: user, movie, rating, unix timestamp. */
function addRating(f: string[], where: Where, log: RawLog): void {
  if (f.length !== 4) return log.skip('malformed_line', where, `expected 4 fields (user, movie, rating, timestamp), got ${f.length}`);
  const ts = f[3].trim();
  const time = ts === '' ? NaN : Number(ts);
  if (!Number.isFinite(time)) return log.skip('malformed_line', { ...where, field: 'timestamp' }, `not a number: "${ts}"`);
  log.addEvent(f[0].trim(), f[1].trim(), time, where);
}

/** eachLine over the non-blank lines; an all-blank file is a DataError. */
async function eachRecord(path: string, read: EachLineOptions, fn: (l: Line, where: Where) => void): Promise<void> {
  let records = 0;
  await eachLine(path, read, (l) => {
    if (l.text.trim() === '') return;
    records++;
    fn(l, { file: path, line: l.line });
  });
  if (records === 0) throw new DataError({ file: path }, 'empty file');
}

// ---- movies ----

const MOVIES: Record<Variant, Reader> = {
  latest: (path, read, log) =>
    eachCsvRow(path, read, ['movieId', 'title', 'genres'], log, ([id, title, genres], line) =>
      setMovie(log, id, title, genres.split('|'), { file: path, line }),
    ),
  '100k': async (path, read, log) => {
    const names = await genreNames(join(dirname(path), 'u.genre'), read);
    await eachRecord(path, read, (l, where) => {
      const f = l.text.split('|');
      if (f.length !== 5 + names.length) {
        return log.skip(
          'malformed_line',
          where,
          `expected ${5 + names.length} |-separated fields (id, title, dates, url, ${names.length} genre flags), got ${f.length}`,
        );
      }
      setMovie(
        log,
        f[0],
        f[1],
        names.filter((_, g) => f[5 + g].trim() === '1'),
        where,
      );
    });
  },
  '1m': (path, read, log) =>
    eachRecord(path, read, (l, where) => {
      const first = l.text.indexOf('::');
      const last = l.text.lastIndexOf('::');
      if (first < 0 || last === first) return log.skip('malformed_line', where, 'expected MovieID::Title::Genres');
      setMovie(log, l.text.slice(0, first), l.text.slice(first + 2, last), l.text.slice(last + 2).split('|'), where);
    }),
};

function setMovie(log: RawLog, rawId: string, rawTitle: string, rawGenres: string[], where: Where): void {
  const id = rawId.trim();
  if (!log.hasItem(id)) return;
  const title = cleanTitle(rawTitle);
  const meta: ItemMeta = {};
  const genres = rawGenres.map((g) => g.trim()).filter((g) => g && !NO_GENRE.has(g));
  if (genres.length) meta.genres = genres;
  const year = title && /\((\d{4})\)$/.exec(title);
  if (year) meta.year = Number(year[1]);
  log.setItem(id, title, meta, where);
}

/** ml-100k genre names from u.genre ("name|index" lines) when present, else the published list. */
async function genreNames(path: string, read: EachLineOptions): Promise<string[]> {
  if (!existsSync(path)) return ML100K_GENRES;
  const names: string[] = [];
  await eachLine(path, { ...read, quiet: true }, (l) => {
    if (l.text.trim() === '') return;
    const sep = l.text.lastIndexOf('|');
    const index = Number(l.text.slice(sep + 1));
    if (sep <= 0 || index !== names.length) throw new DataError({ file: path, line: l.line }, `expected "name|${names.length}"`);
    names.push(l.text.slice(0, sep).trim());
  });
  if (names.length === 0) throw new DataError({ file: path }, 'empty file');
  return names;
}
