// SASRec specifics: batch packing, and that padding width never changes a user's vector
// (keys at padding are masked and the last column always has position maxLen).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/rng.js';
import { Sasrec } from '../../src/rec/sasrec.js';
import { packBatch } from '../../src/rec/samples.js';

before(async () => {
  await initEngine({ backend: 'wasm' });
});

test('packBatch: left padding, most recent maxLen items, last column at position maxLen', () => {
  const b = packBatch(
    [
      [5, 6],
      [1, 2, 3, 4, 5, 6, 7],
    ],
    4,
  );
  assert.equal(b.len, 4);
  assert.deepEqual([...b.seq], [0, 0, 5, 6, 4, 5, 6, 7]);
  assert.deepEqual([...b.pos], [0, 0, 3, 4, 1, 2, 3, 4]);
  const short = packBatch([[5, 6]], 4);
  assert.deepEqual([...short.seq], [5, 6]);
  assert.deepEqual([...short.pos], [3, 4]);
});

test('a user vector does not depend on how much padding its batch carries', () => {
  const model = new Sasrec({ nItems: 20, hidden: 16, maxLen: 12, blocks: 2, heads: 2, dropout: 0.3, loss: 'bce' }, 5);
  const alone = model.userVectors([0], [[3, 4, 5]]).arraySync() as number[][];
  const padded = model
    .userVectors(
      [0, 1],
      [
        [3, 4, 5],
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      ],
    )
    .arraySync() as number[][];
  alone[0].forEach((x, j) => assert.ok(Math.abs(x - padded[0][j]) < 1e-5, `dim ${j}: ${x} vs ${padded[0][j]}`));
  // and it does depend on the history
  const other = model.userVectors([0], [[3, 4, 6]]).arraySync() as number[][];
  assert.ok(other[0].some((x, j) => Math.abs(x - alone[0][j]) > 1e-3));
});

test('dropout is seeded: the same rng gives the same training forward pass', () => {
  const model = new Sasrec({ nItems: 20, hidden: 8, maxLen: 6, blocks: 1, heads: 1, dropout: 0.5, loss: 'bce' }, 5);
  const b = packBatch([[1, 2, 3]], 6);
  const a1 = model.forward(b, true, new Rng(4)).dataSync();
  const a2 = model.forward(b, true, new Rng(4)).dataSync();
  const a3 = model.forward(b, true, new Rng(5)).dataSync();
  assert.deepEqual(a1, a2);
  assert.notDeepEqual(a1, a3);
  model.dispose();
});
