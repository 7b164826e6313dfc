// Gradient checks against finite differences on the wasm backend: embedding lookup (whose
// gradient needs our UnsortedSegmentSum kernel), a SASRec attention block, and both losses.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scalar } from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.js';
import { gradCheck } from '../../src/engine/gradcheck.js';
import { tf } from '../../src/engine/tf.js';
import { Rng } from '../../src/engine/rng.js';
import { Sasrec } from '../../src/rec/sasrec.js';
import { packBatch } from '../../src/rec/samples.js';
import { bceLoss, crossEntropy, softmaxCeLoss } from '../../src/rec/loss.js';

const TOL = 1e-2;

before(async () => {
  await initEngine({ backend: 'wasm' });
});

test('embedding lookup: gather gradient with repeated ids (UnsortedSegmentSum on wasm)', () => {
  const table = tf.variable(tf.randomNormal([7, 4], 0, 1, 'float32', 3), true, 'table');
  const ids = tf.tensor1d([1, 3, 3, 6, 1, 1], 'int32');
  const w = tf.randomNormal([6, 4], 0, 1, 'float32', 4);
  const r = gradCheck(() => tf.sum(tf.mul(tf.gather(table, ids), w)) as Scalar, table, { coords: 10 });
  assert.ok(r.maxRelError < TOL, `max rel error ${r.maxRelError}`);
  // the exact gradient of row 1 is the sum of the three w rows that looked it up
  const g = tf
    .grad((t) => tf.sum(tf.mul(tf.gather(t, ids), w)))(table)
    .arraySync() as number[][];
  const wv = w.arraySync() as number[][];
  g[1].forEach((x, j) => assert.ok(Math.abs(x - (wv[0][j] + wv[4][j] + wv[5][j])) < 1e-5));
  assert.deepEqual(g[0], [0, 0, 0, 0]);
});

test('SASRec attention block: every parameter kind passes the check', () => {
  const model = new Sasrec({ nItems: 9, hidden: 8, maxLen: 5, blocks: 1, heads: 2, dropout: 0, loss: 'bce' }, 7);
  const batch = packBatch([[1, 2, 3], [4, 5, 6, 7, 8], [9]], 5);
  const r = tf.randomNormal([3, batch.len, 8], 0, 1, 'float32', 11);
  const f = () => tf.sum(tf.mul(model.forward(batch, false, new Rng(0)), r)) as Scalar;
  const b = model.blocks[0];
  for (const v of [b.wq, b.wk, b.wv, b.wo, b.bq, b.ln1g, b.ln2b, b.w1, b.w2, model.posEmb, model.itemEmb, model.lnfg]) {
    const res = gradCheck(f, v, { coords: 6 });
    assert.ok(res.maxRelError < TOL, `${v.name}: max rel error ${res.maxRelError}`);
  }
});

test('losses: BCE with sampled negatives, full-softmax CE (fused gradient)', () => {
  const emb = tf.variable(tf.randomNormal([6, 4], 0, 0.5, 'float32', 5), true, 'emb');
  const h = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 6);
  const pos = Int32Array.from([0, 2, 3, 1, 4, 5]);
  const neg = Int32Array.from([0, 5, 1, 2, 3, 2]);
  const bce = gradCheck(() => bceLoss(h, emb, pos, neg, [2, 3]) as Scalar, emb);
  assert.ok(bce.maxRelError < TOL, `bce ${bce.maxRelError}`);
  const ce = gradCheck(() => softmaxCeLoss(h, emb, pos) as Scalar, emb);
  assert.ok(ce.maxRelError < TOL, `ce ${ce.maxRelError}`);
  // value: CE of uniform logits over 4 classes is ln 4
  assert.ok(Math.abs(crossEntropy(tf.zeros([3, 4]), tf.tensor1d([0, 1, 3], 'int32')).dataSync()[0] - Math.log(4)) < 1e-6);
});
