// trainLm: the loss counts masked (response) tokens only, gradient accumulation equals one big
// batch, the warm-up/decay schedule, JSONL logging, length-sorted batches, no leaked tensors.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/rng.js';
import { tf } from '../../src/engine/tf.js';
import { AdamW, globalNorm, linearSchedule } from '../../src/lm/train/adamw.js';
import { Llama } from '../../src/lm/model/llama.js';
import { TrainLog } from '../../src/engine/train_log.js';
import { lengthBatches, pack, trainLm, type LmExample, type LmLogEntry } from '../../src/lm/train/train.js';

const CFG = {
  vocab_size: 20,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  intermediate_size: 24,
  max_position_embeddings: 16,
};
const EXAMPLES: LmExample[] = [
  { ids: [1, 5, 6, 7, 2], lossMask: [0, 0, 1, 1, 1] },
  { ids: [1, 8, 9, 2], lossMask: [0, 0, 1, 1] },
  { ids: [1, 3, 4, 10, 11, 12, 2], lossMask: [0, 0, 0, 1, 1, 1, 1] },
  { ids: [1, 13, 2] },
];

before(async () => {
  await initEngine({ backend: 'wasm' });
});

test('the first logged loss is the mean NLL over the masked tokens of the untrained model', () => {
  const m = new Llama(CFG, 1, 0.3);
  let nll = 0;
  let n = 0;
  for (const ex of EXAMPLES) {
    const lp = tf.tidy(
      () => tf.logSoftmax(m.logits(m.forward(m.embed(Int32Array.from(ex.ids), 1, ex.ids.length)))).arraySync() as number[][][],
    )[0];
    for (let t = 1; t < ex.ids.length; t++) if (ex.lossMask ? ex.lossMask[t] : 1) ((nll -= lp[t - 1][ex.ids[t]]), n++);
  }
  const r = trainLm(m, EXAMPLES, { batchSize: 4, quiet: true });
  assert.ok(Math.abs(r.losses[0] - nll / n) < 1e-4, `${r.losses[0]} vs ${nll / n}`);
  m.dispose();
});

test('gradient accumulation over 2 micro-batches of 2 equals one batch of 4', () => {
  const run = (batchSize: number, gradAccum: number) => {
    const m = new Llama(CFG, 2, 0.3);
    const r = trainLm(m, EXAMPLES, { batchSize, gradAccum, lr: 1e-2, quiet: true });
    const w = m.variables().map((v) => v.dataSync().slice());
    m.dispose();
    return { loss: r.losses, w };
  };
  const a = run(4, 1);
  const b = run(2, 2);
  assert.equal(a.loss.length, 1);
  assert.equal(b.loss.length, 1);
  assert.ok(Math.abs(a.loss[0] - b.loss[0]) < 1e-5);
  a.w.forEach((w, i) => w.forEach((x, j) => assert.ok(Math.abs(x - b.w[i][j]) < 1e-5, `variable ${i}[${j}]: ${x} vs ${b.w[i][j]}`)));
});

test('schedule, JSONL log, no leaked tensors', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((s) => linearSchedule(s, 6, 2, 1)),
    [0.5, 1, 1, 0.75, 0.5, 0.25],
  );
  const m = new Llama(CFG, 3, 0.3);
  const path = join(mkdtempSync(join(tmpdir(), 'lm-train-')), 'log.jsonl');
  const log = new TrainLog<LmLogEntry>(path, false, (e) => e.step);
  const seen: LmLogEntry[] = [];
  trainLm(m, EXAMPLES, { batchSize: 2, epochs: 2, warmupSteps: 1, lr: 1e-3, quiet: true }, { onLog: (e) => (seen.push(e), log.push(e)) }); // warm-up of kernels and caches
  const before = tf.memory().numTensors;
  const r = trainLm(m, EXAMPLES, { batchSize: 1, epochs: 1, warmupSteps: 2, lr: 1e-3, quiet: true });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.steps, 4);
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LmLogEntry);
  assert.deepEqual(lines, seen);
  assert.deepEqual(
    lines.map((e) => e.step),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    lines.map((e) => e.lr),
    [1e-3, 1e-3 * (3 / 3), 1e-3 * (2 / 3), 1e-3 * (1 / 3)],
  );
  assert.ok(lines.every((e) => e.grad_norm > 0 && e.tokens > 0 && e.tok_s > 0 && Number.isFinite(e.loss)));
  // resumed: the entries past the first new step (a killed run's tail) are dropped
  const resumed = new TrainLog<LmLogEntry>(path, true, (e) => e.step);
  resumed.push({ ...lines[2], loss: 7 });
  assert.deepEqual(
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).loss),
    [lines[0].loss, lines[1].loss, 7],
  );
  m.dispose();
});

test("AdamW follows PyTorch's update; gradScale scales the gradient; decay on matrices only", () => {
  const w = tf.variable(
    tf.tensor2d([
      [0.5, -1],
      [2, 0],
    ]),
    true,
    'adamw_w',
  );
  const g0 = tf.variable(tf.tensor1d([1, -2]), true, 'adamw_g');
  const opt = new AdamW([w, g0], { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
  const grads = [
    [
      [0.3, -0.1],
      [0.0, 2.0],
    ],
    [
      [-1.0, 0.5],
      [0.25, -0.5],
    ],
  ];
  const gv = [
    [0.2, 0.4],
    [-0.6, 0.1],
  ];
  const scales = [0.5, 2];
  const lrs = [0.1, 0.05];
  // the plain formula, in double precision
  const ref = (p0: number[], gs: number[][], decay: boolean) => {
    const p = [...p0];
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    gs.forEach((g, t) => {
      p.forEach((_, i) => {
        const gi = g[i] * scales[t];
        m[i] = 0.9 * m[i] + 0.1 * gi;
        v[i] = 0.99 * v[i] + 0.01 * gi * gi;
        if (decay) p[i] *= 1 - lrs[t] * 0.1;
        p[i] -= (lrs[t] / (1 - 0.9 ** (t + 1))) * (m[i] / (Math.sqrt(v[i] / (1 - 0.99 ** (t + 1))) + 1e-8));
      });
    });
    return p;
  };
  [0, 1].forEach((t) => opt.step([tf.tensor2d(grads[t]), tf.tensor1d(gv[t])], lrs[t], scales[t]));
  const wantW = ref(
    [0.5, -1, 2, 0],
    grads.map((g) => g.flat()),
    true,
  );
  const wantG = ref([1, -2], gv, false);
  [...w.dataSync()].forEach((x, i) => assert.ok(Math.abs(x - wantW[i]) < 1e-6, `w[${i}] ${x} vs ${wantW[i]}`));
  [...g0.dataSync()].forEach((x, i) => assert.ok(Math.abs(x - wantG[i]) < 1e-6, `g[${i}] ${x} vs ${wantG[i]}`));
  assert.ok(Math.abs(globalNorm([tf.tensor1d([3, 0]), undefined, tf.tensor2d([[4]])]) - 5) < 1e-6);
  opt.dispose();
});

test('lengthBatches: every index once, lengths sorted within each batch window', () => {
  const lengths = Array.from({ length: 230 }, (_, i) => (i * 37) % 50);
  const batches = lengthBatches(lengths, 4, new Rng(5));
  assert.deepEqual(
    batches.flat().sort((a, b) => a - b),
    lengths.map((_, i) => i),
  );
  for (const b of batches) for (let i = 1; i < b.length; i++) assert.ok(lengths[b[i - 1]] <= lengths[b[i]]);
  assert.equal(batches.filter((b) => b.length < 4).length, 1); // windows of 200 and 30: only the last one ends short
});

test('shuffle false: batches of consecutive examples, in the given order', () => {
  const m = new Llama(CFG, 4, 0.3);
  const examples = [2, 3, 4, 5, 6, 7].map((n) => ({ ids: Array.from({ length: n }, (_, i) => 1 + i) }));
  const tokens: number[] = [];
  trainLm(m, examples, { batchSize: 2, quiet: true, shuffle: false }, { onLog: (e) => tokens.push(e.tokens) });
  assert.deepEqual(tokens, [5, 9, 13]);
  m.dispose();
});

test('a run killed after a checkpoint resumes to the same weights and losses (LoRA + dropout, 2 epochs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lm-resume-'));
  const train = (path: string, resume: boolean, killAt = 0) => {
    const m = new Llama(CFG, 4, 0.3);
    m.enableLora({ r: 2, dropout: 0.2 }, 5);
    const cfg = { batchSize: 1, epochs: 2, lr: 1e-2, quiet: true, seed: 9 };
    const onLog = (e: LmLogEntry) => {
      if (e.step === killAt) throw new Error('killed');
    };
    let losses: number[] = [];
    try {
      losses = trainLm(m, EXAMPLES, cfg, { onLog, checkpoint: { path, every: 3, kind: 'test-lora', config: { cfg }, resume } }).losses;
    } catch (e) {
      assert.equal((e as Error).message, 'killed');
    }
    const w = m.trainableVariables().map((v) => Array.from(v.dataSync()));
    m.dispose();
    return { losses, w };
  };
  const whole = train(join(dir, 'a.safetensors'), false);
  assert.equal(whole.losses.length, 8);
  train(join(dir, 'b.safetensors'), false, 5); // checkpoint at step 3, killed during step 5
  const resumed = train(join(dir, 'b.safetensors'), true);
  assert.deepEqual(resumed.losses, whole.losses.slice(3));
  assert.deepEqual(resumed.w, whole.w);
  assert.throws(() => train(join(dir, 'a.safetensors'), false), /already exists/);
});

test("pack: a teacher's [N] row goes to each of its positions, an [at · N] one a row each; any other length is an error", () => {
  const V = 10; // items 1..3 are tokens 10..12
  const shared: LmExample = { ids: [1, 10, 3, 11], teacher: { at: [1, 3], probs: Float32Array.from([0.5, 0.5, 0]) } };
  const apart: LmExample = { ids: [1, 12, 11], teacher: { at: [1, 2], probs: () => Float32Array.from([1, 0, 0, 0, 0, 1]) } };
  const p = pack([shared, apart], [0, 1], V, 3);
  assert.deepEqual([...p.teacherRows], [0, 2, 4, 5], 'b · T + at − 1, T = 4');
  assert.deepEqual([...p.teacher], [0.5, 0.5, 0, 0.5, 0.5, 0, 1, 0, 0, 0, 0, 1]);
  const bad: LmExample = { ...apart, teacher: { at: [1, 2], probs: Float32Array.from([1, 0]) } };
  assert.throws(() => pack([bad], [0], V, 3), /2 item probabilities, the model 3 items \(× 2 positions\)/);
});
