// The canonical folder: round trip, stats, and one-line errors for foreign or damaged folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawLog } from '../../src/data/rawlog.js';
import { processLog } from '../../src/data/process.js';
import { readDataset, writeDataset } from '../../src/data/dataset.js';
import { computeStats, lengthHistogram, median, sharedTitles, sparsity, statsMarkdown } from '../../src/data/stats.js';
import { DataError, UserError } from '../../src/engine/errors.js';

function sample(): ReturnType<typeof processLog> {
  const log = new RawLog();
  for (const [u, n] of [
    ['alice', 4],
    ['bob', 3],
  ] as const)
    for (let i = 0; i < n; i++) log.addEvent(u, `m${i}`, 1000 + i);
  for (let i = 0; i < 4; i++) log.setItem(`m${i}`, `Movie ${i}`, { genres: ['Drama'], year: 1990 + i });
  return processLog(log, { topItems: 0, users: 0, kcore: 0, seed: 1 });
}

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'ds-'));
}

test('write → read round trip keeps items, sequences and id maps', () => {
  const dir = freshDir();
  const p = sample();
  writeDataset(dir, p, 'fixture');
  const ds = readDataset(dir);
  assert.equal(ds.manifest.users, 2);
  assert.equal(ds.manifest.items, 4);
  assert.equal(ds.manifest.interactions, 7);
  assert.deepEqual(ds.items[2], { id: 3, title: 'Movie 2', meta: { genres: ['Drama'], year: 1992 } });
  assert.deepEqual(ds.sequences[1], { user: 2, items: [1, 2, 3], times: [1000, 1001, 1002] });
  assert.equal(readFileSync(join(dir, 'user_map.tsv'), 'utf8'), 'id\traw_id\n1\talice\n2\tbob\n');
});

test('a folder that is not a data set, or from another version, gives a one-line error', () => {
  const dir = freshDir();
  assert.throws(
    () => readDataset(dir),
    (e: Error) => e instanceof UserError && /no manifest\.json/.test(e.message),
  );
  writeDataset(dir, sample(), 'fixture');
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, version: 99 }));
  assert.throws(
    () => readDataset(dir),
    (e: Error) => e instanceof DataError && /version 99/.test(e.message) && !e.message.includes('\n'),
  );
});

test('a damaged sequences file names the file, line and field', () => {
  const dir = freshDir();
  writeDataset(dir, sample(), 'fixture');
  const f = join(dir, 'sequences.jsonl');
  const lines = readFileSync(f, 'utf8').split('\n');
  lines[1] = JSON.stringify({ user: 2, items: [1, 2, 99], times: [1, 2, 3] });
  writeFileSync(f, lines.join('\n'));
  assert.throws(
    () => readDataset(dir),
    (e: Error) => e instanceof DataError && e.message.includes('sequences.jsonl:2') && /unknown item id 99/.test(e.message),
  );
  lines[1] = '{"user": 2, "items": [1,';
  writeFileSync(f, lines.join('\n'));
  assert.throws(
    () => readDataset(dir),
    (e: Error) => e instanceof DataError && e.message.includes('sequences.jsonl:2') && /invalid JSON/.test(e.message),
  );
});

test('stats: hand-computed sparsity, median, split sizes and the Table B1 row', () => {
  assert.equal(sparsity(10, 20, 50), 0.75);
  assert.equal(median([1, 2, 3, 10]), 2.5);
  assert.equal(median([1, 5, 9]), 5);
  assert.equal(sharedTitles(['Heat', 'heat', 'Up', 'Heat (1995)']), 2);
  const s = computeStats(sample(), 'fixture', {});
  assert.equal(s.interactions, 7);
  assert.equal(s.sparsity, 1 - 7 / 8);
  assert.deepEqual(s.split, { train: 3, valid: 2, test: 2 });
  assert.deepEqual(s.sequence_length, { min: 3, median: 3.5, mean: 3.5, max: 4 });
  assert.match(statsMarkdown(s), /\| fixture \| 2 \| 4 \| 7 \| 12\.500% \|/);
  assert.deepEqual(lengthHistogram(sample().sequences, [3, 4, 10]).values, [1, 1, 0]);
});
