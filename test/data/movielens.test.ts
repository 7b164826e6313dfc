// The MovieLens loader on small fixtures of each release layout (latest-small CSV, ml-100k, ml-1m with a
// gzipped ratings file), folder detection and errors, and the real 100k / partial 1m files when present.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { DataError } from '../../src/engine/errors.js';
import { RawLog } from '../../src/data/rawlog.js';
import { logEvents, logItems } from './helpers.js';
import { loadMovieLens } from '../../src/data/loaders/movielens.js';

const tmp = mkdtempSync(join(tmpdir(), 'movielens-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const SHARED = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

function folder(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, f), content);
  return dir;
}

async function load(inputs: string[]): Promise<RawLog> {
  const log = new RawLog();
  await loadMovieLens({ inputs, quiet: true }, log);
  return log;
}

const flags = (on: number[], n = 19) => Array.from({ length: n }, (_, g) => (on.includes(g) ? '1' : '0')).join('|');

test('ml-latest-small folder: CSV with quoted titles, genres, years, a malformed timestamp', async () => {
  const dir = folder('ml-latest-small', {
    'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,4.0,964981247\n2,1,5.0,abc\n2,3,3.5,964982224\n',
    'movies.csv':
      'movieId,title,genres\n' +
      '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n' +
      '2,"American President, The (1995)",Comedy|Drama|Romance\n' +
      "3,Amélie (Fabuleux destin d'Amélie Poulain  ) ,(no genres listed)\n" +
      '4,Never Rated (2000),Drama\n',
    'links.csv': 'movieId,imdbId,tmdbId\n1,0114709,862\n',
  });
  const log = await load([dir]);
  assert.deepEqual(logEvents(log), [
    ['1', '1', 964982703],
    ['1', '2', 964981247],
    ['2', '3', 964982224],
  ]);
  assert.deepEqual(logItems(log), {
    '1': { title: 'Toy Story (1995)', meta: { genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'], year: 1995 } },
    '2': { title: 'American President, The (1995)', meta: { genres: ['Comedy', 'Drama', 'Romance'], year: 1995 } },
    '3': { title: "Amélie (Fabuleux destin d'Amélie Poulain )", meta: {} },
  });
  assert.deepEqual(log.skipped, { malformed_line: 1 });
  assert.equal(log.skipExamples.malformed_line, `${join(dir, 'ratings.csv')}:4 (field "timestamp"): not a number: "abc"`);
});

test('ml-100k folder: tab ratings, Latin-1 u.item with genre flags, a short line counted', async () => {
  const dir = folder('ml-100k', {
    'u.data': '196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\n196\t302\t4\t881250950\n',
    'u.item': Buffer.from(
      `242|Kolya (1996)|24-Jan-1997||http://us.imdb.com/M/title-exact?Kolya%20(1996)|${flags([5])}\n` +
        `302|L.A. Confidential (1997)|01-Jan-1997||http://x|${flags([6, 10, 13, 16])}\n` +
        `377|Never Rated (1994)|01-Jan-1994||http://x|${flags([1])}\n` +
        `1|Café au lait (1993)|01-Jan-1993||http://x|${flags([0])}\n`,
      'latin1',
    ),
  });
  const log = await load([dir]);
  assert.deepEqual(logEvents(log), [
    ['196', '242', 881250949],
    ['186', '302', 891717742],
    ['196', '302', 881250950],
  ]);
  assert.deepEqual(logItems(log), {
    '242': { title: 'Kolya (1996)', meta: { genres: ['Comedy'], year: 1996 } },
    '302': { title: 'L.A. Confidential (1997)', meta: { genres: ['Crime', 'Film-Noir', 'Mystery', 'Thriller'], year: 1997 } },
  });
  assert.deepEqual(log.skipped, { malformed_line: 1 });
  assert.equal(log.skipExamples.malformed_line, `${join(dir, 'u.data')}:3: expected 4 fields (user, movie, rating, timestamp), got 2`);
});

test('ml-100k: Latin-1 title decodes to é; genre names come from u.genre when present', async () => {
  const dir = folder('ml-100k-genre', {
    'u.data': '1\t7\t5\t874965758\n',
    'u.item': Buffer.from('7|Café au lait (1993)|01-Jan-1993||http://x|0|1|1\n', 'latin1'),
    'u.genre': Buffer.from('none|0\nDrôle|1\nSad|2\n\n', 'latin1'),
  });
  const log = await load([join(dir, 'u.item'), join(dir, 'u.data')]);
  assert.deepEqual(logItems(log), { '7': { title: 'Café au lait (1993)', meta: { genres: ['Drôle', 'Sad'], year: 1993 } } });
});

test('ml-1m: gzipped ratings*.dat.gz and Latin-1 movies.dat, given as files in either order or as a folder', async () => {
  const dir = folder('ml-1m', {
    'ratings_part.dat.gz': gzipSync('1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n2::x::4\n'),
    'movies.dat': Buffer.from(
      "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n" +
        "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n" +
        '2::Misérables, Les (1995)::Drama\n',
      'latin1',
    ),
    'users.dat': '1::F::1::10::48067\n',
  });
  const expectEvents = [
    ['1', '1193', 978300760],
    ['1', '661', 978302109],
    ['2', '1193', 978298413],
  ];
  const expectItems = {
    '1193': { title: "One Flew Over the Cuckoo's Nest (1975)", meta: { genres: ['Drama'], year: 1975 } },
    '661': { title: 'James and the Giant Peach (1996)', meta: { genres: ['Animation', "Children's", 'Musical'], year: 1996 } },
  };
  for (const inputs of [[dir], [join(dir, 'movies.dat'), join(dir, 'ratings_part.dat.gz')]]) {
    const log = await load(inputs);
    assert.deepEqual(logEvents(log), expectEvents);
    assert.deepEqual(logItems(log), expectItems);
    assert.deepEqual(log.skipped, { malformed_line: 1 });
    assert.equal(
      log.skipExamples.malformed_line,
      `${join(dir, 'ratings_part.dat.gz')}:4: expected 4 fields (user, movie, rating, timestamp), got 3`,
    );
  }
});

test('ml-1m: é in movies.dat decodes from Latin-1; renamed files are told apart by content', async () => {
  const dir = folder('renamed', {
    'a.txt': Buffer.from('2::Misérables, Les (1995)::Drama\n', 'latin1'),
    'b.txt': gzipSync('9::2::5::978300760\n'),
  });
  const log = await load([join(dir, 'a.txt'), join(dir, 'b.txt')]);
  assert.deepEqual(logEvents(log), [['9', '2', 978300760]]);
  assert.deepEqual(logItems(log), { '2': { title: 'Misérables, Les (1995)', meta: { genres: ['Drama'], year: 1995 } } });
});

test('strict mode: a malformed rating line throws with its file and line', async () => {
  const dir = folder('strict', { 'u.data': '1\t2\t3\t4\n1\t2\t3\tlater\n', 'u.item': `2|X (1990)|||u|${flags([])}\n` });
  await assert.rejects(loadMovieLens({ inputs: [dir], quiet: true }, new RawLog(true)), {
    name: 'DataError',
    message: `${join(dir, 'u.data')}:2 (field "timestamp"): malformed line: not a number: "later"`,
  });
});

test('structural problems are DataErrors naming the folder or file', async () => {
  const noItem = folder('no-item', { 'u.data': '1\t2\t3\t4\n', 'u.genre': 'unknown|0\n' });
  await assert.rejects(load([noItem]), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.where.file, noItem);
    assert.match(err.message, /ml-100k folder without its movies file; expected u\.data and u\.item/);
    return true;
  });
  const nothing = folder('nothing', { 'README.txt': 'hi\n' });
  await assert.rejects(load([nothing]), {
    name: 'DataError',
    message: /no MovieLens files in this folder; expected ratings\.csv \+ movies\.csv/,
  });
  const headerOnly = folder('header-only', {
    'ratings.csv': 'userId,movieId,rating,timestamp\n',
    'movies.csv': 'movieId,title,genres\n1,A,B\n',
  });
  await assert.rejects(load([headerOnly]), { name: 'DataError', message: `${join(headerOnly, 'ratings.csv')}: no rows after the header` });
  const empty = folder('empty', { 'u.data': '', 'u.item': '' });
  await assert.rejects(load([empty]), { name: 'DataError', message: `${join(empty, 'u.data')}: empty file` });
  await assert.rejects(load([join(noItem, 'u.data'), join(noItem, 'u.data')]), { name: 'DataError', message: /two ratings files given/ });
  await assert.rejects(load([join(tmp, 'missing')]), { name: 'DataError', message: /MovieLens folder not found/ });
});

test('real ml-100k release folder: 943 users, 1,682 items, 100,000 events', async (t) => {
  const dir = join(SHARED, 'movielens-100k');
  if (!existsSync(dir)) return t.skip(`${dir} not present`);
  const log = await load([dir]);
  assert.equal(log.size, 100_000);
  assert.equal(log.userIds.length, 943);
  assert.equal(log.itemIds.length, 1_682);
  assert.deepEqual(log.skipped, {});
  assert.deepEqual(log.item(log.itemIds.indexOf('1')), {
    title: 'Toy Story (1995)',
    meta: { genres: ['Animation', "Children's", 'Comedy'], year: 1995 },
  });
});

test('real ml-1m movies.dat + partial ratings file: 487,650 events, 2,999 users', async (t) => {
  const dir = join(SHARED, 'movielens-1m');
  if (!existsSync(dir)) return t.skip(`${dir} not present`);
  const log = await load([join(dir, 'movies.dat'), join(dir, 'ratings_users1-2999.dat.gz')]);
  assert.equal(log.size, 487_650);
  assert.equal(log.userIds.length, 2_999);
  assert.deepEqual(log.skipped, {});
  assert.equal(log.item(log.itemIds.indexOf('1193'))?.title, "One Flew Over the Cuckoo's Nest (1975)");
});
