// The exported recommender: loads a train-rec folder, agrees with the exported embeddings,
// ranks by its own scores with the history excluded, and rejects unknown ids and folders.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { trainedRing } from './fixture.js';
import { Recommender } from '../../src/rec/recommender.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { readDataset } from '../../src/data/dataset.js';
import { leaveOneOut } from '../../src/data/process.js';
import { UserError } from '../../src/engine/errors.js';

let data: string;
let out: string;
let rec: Recommender;

before(async () => {
  ({ data, rec: out } = await trainedRing());
  rec = await Recommender.load(out, 'wasm');
});

test('user vectors for the test-time history equal the exported user_emb rows', () => {
  const ds = readDataset(data);
  const emb = readSafetensors(join(out, 'embeddings.safetensors')).tensors.user_emb.data;
  for (const u of [0, 7, 199]) {
    const s = leaveOneOut(ds.sequences[u].items);
    const v = rec.userVectors([[...s.train, s.valid]]);
    v.forEach((x, j) => assert.ok(Math.abs(x - emb[u * 16 + j]) < 1e-5, `user ${u} dim ${j}`));
  }
});

test('score is the dot product; topK is sorted by it and skips the history', () => {
  const history = [5, 6, 8, 9];
  const all = rec.scoreAll(history);
  assert.equal(all.length, 121);
  assert.deepEqual(Array.from(rec.score(history, [3, 10])), [all[3], all[10]]);
  const top = rec.topK(history, 10);
  assert.equal(top.length, 10);
  assert.ok(top.every((i) => !history.includes(i)));
  for (let i = 1; i < top.length; i++) assert.ok(all[top[i - 1]] >= all[top[i]]);
  const best = Array.from({ length: 120 }, (_, i) => i + 1)
    .filter((i) => !history.includes(i))
    .reduce((a, b) => (all[b] > all[a] ? b : a));
  assert.equal(top[0], best);
});

test('unknown item ids and non-model folders are one-line user errors', async () => {
  assert.throws(
    () => rec.score([1, 2], [0]),
    (e: Error) => e instanceof UserError && /unknown item id 0/.test(e.message),
  );
  assert.throws(
    () => rec.topK([999], 3),
    (e: Error) => e instanceof UserError && /999/.test(e.message),
  );
  await assert.rejects(Recommender.load(data), (e: Error) => e instanceof UserError && /no model\.json/.test(e.message));
});
