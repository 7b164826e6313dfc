// The dslabs loader against the real r-cran-dslabs package data (skipped, visibly, when it is not
// installed): MovieLens latest-small counts, one known movie, and bad --input paths.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataError } from '../../src/engine/errors.js';
import { RawLog } from '../../src/data/rawlog.js';
import { findDslabsData, loadDslabs } from '../../src/data/loaders/dslabs.js';

const rdb = findDslabsData();
const SKIP = 'dslabs data not installed: run npm run setup';
const tmp = mkdtempSync(join(tmpdir(), 'dslabs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function oneLineDataError(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => err instanceof DataError && !err.message.includes('\n') && pattern.test(err.message);
}

test('loads MovieLens latest-small from the default location', async (t) => {
  if (!rdb) return t.skip(SKIP);
  const log = new RawLog();
  await loadDslabs({ inputs: [], quiet: true }, log);
  assert.equal(log.size, 100_004);
  assert.equal(log.userIds.length, 671);
  assert.equal(log.itemIds.length, 9_066);
  assert.deepEqual(log.skipped, {});
  const toyStory = log.item(log.itemIds.indexOf('1'));
  assert.deepEqual(toyStory, {
    title: 'Toy Story (1995)',
    meta: { year: 1995, genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'] },
  });
  const untitled = log.itemIds.filter((_, i) => log.item(i)?.title === undefined);
  assert.equal(untitled.length, 5); // 7 rows with an NA title, over 5 movies
  const { users, items, times } = log.columns();
  assert.equal(log.userIds[users[0]], '1');
  assert.equal(log.itemIds[items[0]], '31');
  assert.equal(times[0], 1260759144);
});

test('accepts the package folder as --input', async (t) => {
  if (!rdb) return t.skip(SKIP);
  const log = new RawLog();
  await loadDslabs({ inputs: [dirname(dirname(rdb))], quiet: true }, log);
  assert.equal(log.size, 100_004);
});

test('a missing --input path is a one-line DataError', async () => {
  const missing = join(tmp, 'nope', 'Rdata.rdb');
  await assert.rejects(loadDslabs({ inputs: [missing] }, new RawLog()), oneLineDataError(/nope\/Rdata\.rdb: R database not found/));
});

test('a foreign file as --input is a one-line DataError', async () => {
  const csv = join(tmp, 'ratings.csv');
  writeFileSync(csv, 'userId,movieId\n1,2\n');
  await assert.rejects(loadDslabs({ inputs: [csv] }, new RawLog()), oneLineDataError(/ratings\.csv: expected an R lazy-load database/));
});

test('a folder without Rdata.rdb as --input is a one-line DataError', async () => {
  await assert.rejects(loadDslabs({ inputs: [tmp] }, new RawLog()), oneLineDataError(/no Rdata\.rdb here or in data\//));
});
