// Gradient checks (finite differences, relative error < 1e-2) of the LM's custom gradients:
// RMSNorm, rotary attention (through a whole layer, also grouped-query and with Qwen2's q/k/v
// biases), SwiGLU, LoRA, the
// projector, the fused head cross-entropy and the item distillation, and a tied head (its table gets the gradients of both
// uses); plus values against plain reference formulas.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.js';
import { gradCheck } from '../../src/engine/gradcheck.js';
import { tf } from '../../src/engine/tf.js';
import type { LlamaConfig } from '../../src/lm/model/config.js';
import { Llama } from '../../src/lm/model/llama.js';
import { headCrossEntropy, itemDistillation } from '../../src/lm/train/loss.js';
import { addBias, rmsNorm, rope, swiglu } from '../../src/lm/model/ops.js';
import { Projector } from '../../src/lm/model/projector.js';

const TOL = 1e-2;
const TINY = {
  vocab_size: 11,
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 2,
  intermediate_size: 12,
  max_position_embeddings: 16,
};

before(async () => {
  await initEngine({ backend: 'wasm' });
});

const v = (shape: number[], seed: number, name: string) =>
  tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed), true, `${name}_${seed}_${Math.random()}`);
const dot = (t: Tensor, seed: number) => tf.sum(tf.mul(t, tf.randomNormal(t.shape, 0, 1, 'float32', seed))) as Scalar;

function check(f: () => Scalar, vars: Record<string, Variable>) {
  for (const [name, x] of Object.entries(vars)) {
    const r = gradCheck(f, x, { coords: 8 });
    assert.ok(r.maxRelError < TOL, `${name}: max rel error ${r.maxRelError}`);
  }
}

test('RMSNorm: value and gradients of x and g', () => {
  const x = v([3, 5, 6], 1, 'x');
  const g = v([6], 2, 'g');
  const y = rmsNorm(x, g, 1e-5).arraySync() as number[][][];
  const xs = x.arraySync() as number[][][];
  const gs = g.arraySync() as number[];
  const row = xs[1][2];
  const r = 1 / Math.sqrt(row.reduce((s, a) => s + a * a, 0) / 6 + 1e-5);
  row.forEach((a, j) => assert.ok(Math.abs(y[1][2][j] - a * r * gs[j]) < 1e-5));
  const w = tf.randomNormal([3, 5, 6], 0, 1, 'float32', 9);
  check(() => tf.sum(tf.mul(rmsNorm(x, g, 1e-5), w)) as Scalar, { x, g });
});

test('RoPE: matches rotate_half on a plain array, and its gradient', () => {
  const [B, n, dh, T] = [2, 3, 4, 5];
  const x = v([B, n, dh, T], 3, 'x');
  const cos = tf.randomNormal([1, 1, dh, T], 0, 1, 'float32', 4);
  const sin = tf.randomNormal([1, 1, dh, T], 0, 1, 'float32', 5);
  const y = rope(x, cos, sin).arraySync() as number[][][][];
  const xs = x.arraySync() as number[][][][];
  const c = (cos.arraySync() as number[][][][])[0][0];
  const s = (sin.arraySync() as number[][][][])[0][0];
  for (let d = 0; d < dh; d++) {
    for (let t = 0; t < T; t++) {
      const half = d < dh / 2 ? -xs[1][2][d + dh / 2][t] : xs[1][2][d - dh / 2][t];
      assert.ok(Math.abs(y[1][2][d][t] - (xs[1][2][d][t] * c[d][t] + half * s[d][t])) < 1e-5);
    }
  }
  check(() => dot(rope(x, cos, sin), 6), { x });
});

test('SwiGLU: silu(a)·b and its gradients', () => {
  const a = v([4, 7], 7, 'a');
  const b = v([4, 7], 8, 'b');
  const y = swiglu(a, b).dataSync();
  const av = a.dataSync();
  const bv = b.dataSync();
  av.forEach((z, i) => assert.ok(Math.abs(y[i] - (z / (1 + Math.exp(-z))) * bv[i]) < 1e-5));
  check(() => dot(swiglu(a, b), 10), { a, b });
});

test("addBias: value and gradients equal tfjs' broadcasting add; a frozen bias gets zeros", () => {
  const y = v([2, 3, 4], 24, 'y');
  const b = v([3], 25, 'b');
  const w = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 26);
  const ours = tf.variableGrads(() => tf.sum(tf.mul(addBias(y, b), w)) as Scalar, [y, b]);
  const plain = tf.variableGrads(() => tf.sum(tf.mul(tf.add(y, tf.reshape(b, [3, 1])), w)) as Scalar, [y, b]);
  assert.ok(Math.abs(ours.value.dataSync()[0] - plain.value.dataSync()[0]) < 1e-4);
  for (const x of [y, b]) {
    const d = tf.max(tf.abs(tf.sub(ours.grads[x.name], plain.grads[x.name]))).dataSync()[0];
    assert.ok(d < 1e-5, `${x.name}: ${d}`);
  }
  b.trainable = false;
  const g = tf.grads((t: Tensor, bb: Tensor) => tf.sum(tf.mul(addBias(t, bb), w)))([y, b]);
  assert.deepEqual([...g[1].dataSync()], [0, 0, 0]);
});

function layerCheck(cfg: Partial<LlamaConfig>) {
  const model = new Llama({ ...TINY, ...cfg }, 5, 0.3);
  const L = model.layers[0];
  const biases: Record<string, Variable> = {};
  for (const s of [L.q, L.k, L.v]) s.b?.assign(tf.randomNormal(s.b.shape, 0, 0.5, 'float32', 23));
  // the key bias is left out: softmax ignores a shift shared by all of a query's scores, so its gradient
  // (RoPE's position dependence only) is too small for float32 finite differences; addBias is checked below
  if (L.q.b && L.v.b) Object.assign(biases, { bq: L.q.b, bv: L.v.b });
  const ids = Int32Array.from([1, 4, 2, 9, 3, 3, 7, 0, 5, 10]);
  const keyValid = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]); // second row right-padded
  const f = () => dot(model.forward(model.embed(ids, 2, 5), { keyValid }), 12);
  check(f, {
    ...biases,
    q: L.q.w,
    k: L.k.w,
    v: L.v.w,
    o: L.o.w,
    gate: L.gate.w,
    down: L.down.w,
    inputNorm: L.inputNorm,
    norm: model.norm,
    embed: model.embedTokens,
  });
  model.dispose();
}

test('rotary causal attention layer: every weight passes the check', () => layerCheck({}));

test('grouped-query attention (4 heads, 2 key/value heads): gradients', () =>
  layerCheck({ num_attention_heads: 4, num_key_value_heads: 2, hidden_size: 16 }));

test('q/k/v biases (Qwen2) with llama3 rope scaling: gradients of the biases and every weight', () => {
  layerCheck({
    qkv_bias: true,
    rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8 },
  });
});

test('LoRA adapters on q, k, v, o and up: gradients of A and B', () => {
  const model = new Llama(TINY, 6, 0.3);
  model.enableLora({ r: 2, alpha: 4, dropout: 0, targets: ['q', 'k', 'v', 'o', 'up'] }, 1);
  for (const a of model.adapters()) a.B.assign(tf.randomNormal(a.B.shape, 0, 0.5, 'float32', 13)); // B = 0 would zero A's gradient
  const ids = Int32Array.from([1, 4, 2, 9, 3, 3]);
  const f = () => dot(model.forward(model.embed(ids, 2, 3)), 14);
  const vars: Record<string, Variable> = {};
  for (const a of model.adapters()) ((vars[a.A.name] = a.A), (vars[a.B.name] = a.B));
  check(f, vars);
  assert.equal(model.trainableVariables().length, 10);
  model.dispose();
});

test('projector: value (exact GELU) and gradients of every parameter', () => {
  const p = new Projector(5, 8, 3, 'user_proj');
  const x = tf.randomNormal([3, 5], 0, 1, 'float32', 15);
  const out = p.forward(x);
  assert.deepEqual(out.shape, [3, 8]);
  assert.deepEqual(
    [...p.namedVariables().keys()],
    ['user_proj.fc1.weight', 'user_proj.fc1.bias', 'user_proj.fc2.weight', 'user_proj.fc2.bias'],
  );
  // GELU(0) = 0, GELU(z) ≈ z for large z
  const a = tf.add(tf.matMul(x, p.w1, false, true), p.b1).arraySync() as number[][];
  const gelu = (z: number) => 0.5 * z * (1 + erf(z / Math.SQRT2));
  const w2 = p.w2.arraySync() as number[][];
  const b2 = p.b2.arraySync() as number[];
  const want = w2[1].reduce((s, w, j) => s + w * gelu(a[0][j]), b2[1]);
  assert.ok(Math.abs((out.arraySync() as number[][])[0][1] - want) < 1e-4);
  check(() => dot(p.forward(x), 16), { w1: p.w1, b1: p.b1, w2: p.w2, b2: p.b2 });
});

test('fused head cross-entropy: value against log-softmax, gradients of hidden and head', () => {
  const h = v([4, 6], 17, 'h');
  const w = v([9, 6], 18, 'w');
  const targets = Int32Array.from([3, 0, 8, 3]);
  const loss = headCrossEntropy(h, w, targets, 3).dataSync()[0];
  const ls = tf.logSoftmax(tf.matMul(h, w, false, true)).arraySync() as number[][];
  const want = -[...targets].reduce((s, t, i) => s + ls[i][t], 0) / 3;
  assert.ok(Math.abs(loss - want) < 1e-4, `${loss} vs ${want}`);
  check(() => headCrossEntropy(h, w, targets, 3), { h, w });
});

test("item distillation: value is the cross-entropy to each row's teacher, gradients of hidden and items", () => {
  const h = v([3, 6], 41, 'h');
  const items = v([5, 6], 42, 'items');
  const teacher = Float32Array.from([0.5, 0.5, 0, 0, 0, 0.1, 0.2, 0.3, 0.2, 0.2, 0, 0, 0, 0, 1]);
  const loss = itemDistillation(h, items, teacher, 4).dataSync()[0];
  const ls = tf.logSoftmax(tf.matMul(h, items, false, true)).arraySync() as number[][];
  const want = -ls.reduce((s, row, i) => s + row.reduce((t, l, j) => t + teacher[i * 5 + j] * l, 0), 0) / 4;
  assert.ok(Math.abs(loss - want) < 1e-4, `${loss} vs ${want}`);
  check(() => itemDistillation(h, items, teacher, 4), { h, items });
  assert.throws(() => itemDistillation(h, items, teacher.subarray(1), 4), /14 teacher values for 3 rows × 5 items/);
});

test("fused head cross-entropy with allowed tokens: the softmax runs over each restricted row's tokens only", () => {
  const h = v([4, 6], 19, 'h');
  const w = v([9, 6], 20, 'w');
  const targets = Int32Array.from([3, 0, 8, 3]);
  const allowed = [[3, 5, 7], undefined, [8, 1], undefined];
  const loss = headCrossEntropy(h, w, targets, 2, allowed).dataSync()[0];
  const z = tf.matMul(h, w, false, true).arraySync() as number[][];
  const logp = (row: number[], t: number, among: number[]) => row[t] - Math.log(among.reduce((s, j) => s + Math.exp(row[j]), 0));
  const all = [...Array(9).keys()];
  const want = -[...targets].reduce((s, t, i) => s + logp(z[i], t, allowed[i] ?? all), 0) / 2;
  assert.ok(Math.abs(loss - want) < 1e-4, `${loss} vs ${want}`);
  assert.ok(loss < headCrossEntropy(h, w, targets, 2).dataSync()[0], 'restricting rows to fewer tokens lowers their loss');
  check(() => headCrossEntropy(h, w, targets, 2, allowed), { h, w });
  assert.throws(() => headCrossEntropy(h, w, targets, 2, [[4], undefined, undefined, undefined]), /not among its allowed/);
});

test('tied head: the one table gets the sum of the embedding and head gradients of an untied copy', () => {
  const untied = new Llama(TINY, 21, 0.3);
  untied.lmHead!.assign(untied.embedTokens);
  const tied = new Llama({ ...TINY, tie_word_embeddings: true }, 22, 0.3);
  assert.equal(tied.lmHead, undefined);
  assert.equal(tied.headWeight, tied.embedTokens);
  const src = untied.namedVariables();
  for (const [name, x] of tied.namedVariables()) x.assign(src.get(name)!);
  const ids = Int32Array.from([1, 4, 2, 9, 3, 3, 7, 0, 5, 10]);
  const targets = Int32Array.from([4, 2, 9, 3, 3, 7, 0, 5, 10, 1]);
  const loss = (m: Llama) => () => headCrossEntropy(tf.reshape(m.forward(m.embed(ids, 2, 5)), [10, -1]), m.headWeight, targets, 10);
  const g = tf.variableGrads(loss(untied), [untied.embedTokens, untied.lmHead!]).grads;
  const want = tf.add(g[untied.embedTokens.name], g[untied.lmHead!.name]).dataSync();
  const got = tf.variableGrads(loss(tied), [tied.embedTokens]).grads[tied.embedTokens.name].dataSync();
  const headOnly = g[untied.lmHead!.name].dataSync();
  assert.ok(Math.max(...got.map((x, i) => Math.abs(x - want[i]))) < 1e-5, 'tied gradient ≠ embedding + head gradients');
  assert.ok(Math.max(...got.map((x, i) => Math.abs(x - headOnly[i]))) > 1e-3, 'the embedding use adds nothing?');
  check(loss(tied), { table: tied.embedTokens });
  untied.dispose();
  tied.dispose();
});

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}
