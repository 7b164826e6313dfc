// align --projector-draw linear: principalDirections gives orthonormal rows (scaled so the items'
// coordinates along them have unit RMS; zero rows beyond d), and two projectors restarted nearly
// linear on them from one seed score P_user(u)·P_item(e) in step with u·e (correlation > 0.99 on a
// table the directions span), where PyTorch's draw does not; P(0) = 0.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '@tensorflow/tfjs-core';
import { principalDirections } from '../../src/align/directions.js';
import { initEngine } from '../../src/engine/backend.js';
import { tf } from '../../src/engine/tf.js';
import { Projector } from '../../src/lm/model/projector.js';

before(async () => {
  await initEngine({ backend: 'wasm' });
});

/** n random rows of rank r in d dimensions (a product of two seeded normal matrices), × norm. */
function lowRank(n: number, r: number, d: number, seed: number, norm: number): Tensor {
  return tf.tidy(() =>
    tf.mul(tf.matMul(tf.randomNormal([n, r], 0, 1, 'float32', seed), tf.randomNormal([r, d], 0, 1, 'float32', seed + 1)), norm),
  );
}

/** Pearson correlation of two flat arrays. */
function corr(a: Float32Array | number[], b: Float32Array | number[]): number {
  const m = (x: ArrayLike<number>) => Array.from(x).reduce((s, v) => s + v, 0) / x.length;
  const [ma, mb] = [m(a), m(b)];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) ((ab += (a[i] - ma) * (b[i] - mb)), (aa += (a[i] - ma) ** 2), (bb += (b[i] - mb) ** 2));
  return ab / Math.sqrt(aa * bb);
}

test('principalDirections: orthogonal rows, unit-RMS coordinates, zero rows beyond d', () => {
  const items = lowRank(60, 6, 10, 3, 0.05);
  const dirs = principalDirections(items, 20, 16, 1); // k 16 > d 10
  assert.deepEqual(dirs.shape, [16, 10]);
  const gram = tf.matMul(dirs, dirs, false, true).arraySync() as number[][];
  const s = gram[0][0];
  for (let i = 0; i < 16; i++)
    for (let j = 0; j < 16; j++) assert.ok(Math.abs(gram[i][j] - (i === j && i < 10 ? s : 0)) < 1e-3 * s, `gram[${i}][${j}]`);
  const coords = tf.matMul(tf.mul(items, 20), dirs, false, true);
  assert.ok(Math.abs(Math.sqrt(tf.mean(tf.square(coords)).dataSync()[0]) * Math.sqrt(16 / 10) - 1) < 1e-3);
  // the first 6 rows span the table: nothing of it is left outside them
  const top = tf.slice(dirs, [0, 0], [6, 10]);
  const back = tf.div(tf.matMul(tf.matMul(items, top, false, true), top), s);
  assert.ok(tf.max(tf.abs(tf.sub(back, items))).dataSync()[0] < 1e-3 * tf.max(tf.abs(items)).dataSync()[0]);
});

test('Projector.startLinear: two projectors on the same directions and seed score u·e, random ones do not; P(0) = 0', () => {
  const items = lowRank(80, 5, 12, 7, 0.03); // f's items: small vectors …
  const users = lowRank(30, 5, 12, 9, 2); // … and users of another norm (the input scales even them out)
  const scale = { user: 0.25, item: 15 };
  const score = (u: Projector, i: Projector) => tf.matMul(u.forward(users), i.forward(items), false, true).dataSync() as Float32Array;
  const f = tf.matMul(users, items, false, true).dataSync() as Float32Array;
  const dirs = principalDirections(items, scale.item, 8, 1);
  const lin = [
    new Projector(12, 16, 1, 'user_proj', scale.user).startLinear(dirs, 4),
    new Projector(12, 16, 2, 'item_proj', scale.item).startLinear(dirs, 4),
  ];
  const random = [new Projector(12, 16, 1, 'user_proj', scale.user), new Projector(12, 16, 2, 'item_proj', scale.item)];
  assert.ok(corr(score(lin[0], lin[1]), f) > 0.99, `linear: ${corr(score(lin[0], lin[1]), f)}`);
  assert.ok(Math.abs(corr(score(random[0], random[1]), f)) < 0.9, `random: ${corr(score(random[0], random[1]), f)}`);
  assert.ok(tf.max(tf.abs(lin[0].forward(tf.zeros([1, 12])))).dataSync()[0] < 1e-5);
  const other = new Projector(12, 16, 3, 'item_proj', scale.item).startLinear(dirs, 5); // another second layer: out of step
  assert.ok(corr(score(lin[0], other), f) < 0.9);
});
