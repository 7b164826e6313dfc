// The distilled SASRec baseline: the KL loss against a brute-force computation (value and
// gradient), a student distilled from a teacher trained on the ring fixture agrees with it far
// more often than an untrained student does, the same seed gives the same weights and metrics,
// both position choices distil the cells they claim, a killed `distill` resumes to the weights of
// an uninterrupted one, and bad inputs are one-line user errors naming the file.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.js';
import { DataError, UserError } from '../../src/engine/errors.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { tf } from '../../src/engine/tf.js';
import { readDataset } from '../../src/data/dataset.js';
import { TRAIN_REC_DEFAULTS } from '../../src/rec/config.js';
import { distillKl } from '../../src/rec/distill.js';
import { DISTILL_DEFAULTS, type DistillConfig } from '../../src/rec/distill_config.js';
import { distillRec } from '../../src/rec/distill_train.js';
import { Recommender } from '../../src/rec/recommender.js';
import { splitUsers } from '../../src/rec/samples.js';
import { trainRec } from '../../src/rec/train.js';
import { cli, cliKilledAt } from '../cli/helpers.js';
import { ringDataset } from './fixture.js';

const data = ringDataset();
const tmp = () => mkdtempSync(join(tmpdir(), 'kd-'));
const teacher = join(tmp(), 'teacher');

before(async () => {
  await initEngine({ backend: 'wasm' });
  await trainRec({
    ...TRAIN_REC_DEFAULTS,
    data,
    out: teacher,
    epochs: 8,
    hidden: 16,
    maxLen: 10,
    batchSize: 32,
    lr: 0.01,
    evalEvery: 4,
    backend: 'wasm',
    quiet: true,
  });
});

const distill = (out: string, extra: Partial<DistillConfig> = {}) =>
  distillRec({
    ...DISTILL_DEFAULTS,
    rec: teacher,
    data,
    out,
    epochs: 30,
    lr: 0.01,
    batchSize: 32,
    temperature: 1,
    seed: 5,
    backend: 'wasm',
    quiet: true,
    ...extra,
  });

/** The student's tensors (the files differ in their metadata: the out path). */
const weights = (dir: string) =>
  Object.entries(readSafetensors(join(dir, 'model.safetensors')).tensors).map(([k, t]) => [k, t.shape, Array.from(t.data)]);

/** metrics.json without its timings. */
function metrics(out: string): Record<string, unknown> {
  const { seconds: _s, sec_per_epoch: _e, ...m } = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  return m;
}

/** τ²·mean_rows Σ p (log p − log q), p = softmax(t/τ), q = softmax(s/τ), in float64. */
function bruteKl(t: number[][], s: number[][], tau: number): { value: number; grad: number[][] } {
  const softmax = (z: number[]) => {
    const e = z.map((x) => Math.exp(x / tau));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
  };
  let value = 0;
  const grad = t.map((row, i) => {
    const p = softmax(row);
    const q = softmax(s[i]);
    value += p.reduce((acc, pj, j) => acc + pj * Math.log(pj / q[j]), 0);
    return q.map((qj, j) => (tau * (qj - p[j])) / t.length);
  });
  return { value: (tau * tau * value) / t.length, grad };
}

test('distillKl equals a brute-force KL(p_f ‖ p_s) with its gradient, for τ = 1 and τ = 2', () => {
  // hand check: p = (1/2, 1/4, 1/4), q uniform → KL = Σ p log(3p) = log 3 − 1.5·log 2
  const hand = distillKl(tf.tensor2d([[Math.log(2), 0, 0]]), tf.tensor2d([[0.7, 0.7, 0.7]]));
  assert.ok(Math.abs(hand.dataSync()[0] - (Math.log(3) - 1.5 * Math.log(2))) < 1e-6);
  const t = [
    [2.0, -1.0, 0.5, 3.0],
    [0.0, 0.0, 4.0, -2.0],
    [1.0, 1.0, 1.0, 1.0],
  ];
  const s = [
    [0.5, 0.5, -1.0, 2.0],
    [3.0, -1.0, 1.0, 0.0],
    [-2.0, 0.0, 2.0, 0.1],
  ];
  for (const tau of [1, 2]) {
    const want = bruteKl(t, s, tau);
    const tt = tf.tensor2d(t);
    const ss = tf.tensor2d(s);
    const got = distillKl(tt, ss, tau).dataSync()[0];
    assert.ok(Math.abs(got - want.value) < 1e-5, `τ=${tau}: ${got} vs ${want.value}`);
    const g = tf
      .grad((x: Tensor) => distillKl(tt, x, tau))(ss)
      .arraySync() as number[][];
    g.flat().forEach((x, k) => assert.ok(Math.abs(x - want.grad.flat()[k]) < 1e-6, `τ=${tau} grad ${k}: ${x} vs ${want.grad.flat()[k]}`));
    tf.dispose([tt, ss]);
  }
  // KL(p ‖ p) = 0, also for logits that differ by a per-row constant
  const same = distillKl(tf.tensor2d(t), tf.add(tf.tensor2d(t), tf.tensor2d([[3], [-5], [0]])) as Tensor).dataSync()[0];
  assert.ok(Math.abs(same) < 1e-5, `${same}`);
});

test('the distilled student agrees with the teacher far more than an untrained one, and loads', async () => {
  const untrainedDir = join(tmp(), 'u');
  const u = await distill(untrainedDir, { epochs: 0 });
  const out = join(tmp(), 's');
  const r = await distill(out);
  // ~110 candidates per user: chance top-1 agreement is about 0.01
  assert.ok(u.top1_agreement < 0.2, `untrained top-1 agreement ${u.top1_agreement}`);
  assert.ok(r.top1_agreement > u.top1_agreement + 0.4, `distilled ${r.top1_agreement} vs untrained ${u.top1_agreement}`);
  assert.ok(r.top5_overlap > u.top5_overlap + 0.3, `top-5 overlap ${r.top5_overlap} vs ${u.top5_overlap}`);
  assert.ok(r.kl < u.kl / 3, `kl ${r.kl} vs ${u.kl}`);
  // the untrained figures inside a training run are those of the epochs = 0 run
  assert.deepEqual(r.untrained, { kl: u.kl, top1_agreement: u.top1_agreement, top5_overlap: u.top5_overlap });
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  for (const k of ['kl_final', 'top1_agreement', 'top5_overlap', 'seconds']) assert.equal(typeof m[k], 'number', k);
  assert.equal(m.top1_agreement, r.top1_agreement);
  const student = await Recommender.load(out, 'wasm');
  assert.equal(student.nItems, 120);
  assert.equal(student.hidden, 16);
  assert.equal(student.topK([5, 6, 8], 5).length, 5);
  student.dispose();
});

test('the same seed gives identical weights and metrics; another seed does not', async () => {
  const [a, b, c] = [join(tmp(), 'a'), join(tmp(), 'b'), join(tmp(), 'c')];
  await distill(a, { epochs: 4 });
  await distill(b, { epochs: 4 });
  await distill(c, { epochs: 4, seed: 6 });
  assert.deepEqual(metrics(b), metrics(a));
  // the files differ in their metadata (the out path); the tensors must not
  assert.deepEqual(weights(b), weights(a));
  assert.notDeepEqual(weights(c), weights(a));
});

test('positions: every window cell, or only the last one per user', async () => {
  const ds = splitUsers(readDataset(data));
  const cells = ds.train.filter((t) => t.length > 1).reduce((n, t) => n + Math.min(t.length - 1, 10), 0);
  const all = await distill(join(tmp(), 'all'), { epochs: 1 });
  const last = await distill(join(tmp(), 'last'), { epochs: 1, positions: 'last' });
  assert.equal(all.positionsPerEpoch, cells);
  assert.equal(last.positionsPerEpoch, 200);
  assert.ok(Number.isFinite(last.lossFinal) && last.lossFinal > 0);
  // the student's own accuracy is reported as train-rec reports it
  assert.equal(typeof all.test.full['ndcg@10'], 'number');
});

test('a killed distill resumes to the weights and metrics of an uninterrupted one', async () => {
  const args = (out: string) => [
    'distill',
    '--rec',
    teacher,
    '--data',
    data,
    '--out',
    out,
    '--epochs',
    '30',
    '--lr',
    '0.01',
    '--batch-size',
    '32',
    '--temperature',
    '1',
    '--seed',
    '5',
    '--backend',
    'wasm',
    '--quiet',
  ];
  const straight = join(tmp(), 's');
  const r = cli(args(straight));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /top-1 0\.\d+/);
  const out = join(tmp(), 'k');
  await cliKilledAt(args(out), join(out, 'train_log.jsonl'), 2, join(out, 'metrics.json'));
  assert.ok(!existsSync(join(out, 'metrics.json')));
  const again = cli(args(out));
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds a distillation run \(checkpoint\.safetensors\); pass --resume/);
  const resumed = cli([...args(out), '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(weights(out), weights(straight));
  assert.deepEqual(metrics(out), metrics(straight));
});

test('bad inputs are one-line user errors naming the file', async () => {
  const cfg = { ...DISTILL_DEFAULTS, data, quiet: true, backend: 'wasm' as const };
  await assert.rejects(
    distillRec({ ...cfg, rec: data, out: join(tmp(), 'x') }),
    (e: Error) => e instanceof UserError && /no model\.json/.test(e.message),
  );
  await assert.rejects(
    distillRec({ ...cfg, rec: teacher, out: teacher }),
    (e: Error) => e instanceof UserError && /f's folder/.test(e.message),
  );
  await assert.rejects(
    distill(join(tmp(), 'x'), { temperature: 0 }),
    (e: Error) => e instanceof UserError && /temperature/.test(e.message),
  );
  const other = ringDataset(30, 50, 4);
  await assert.rejects(
    distillRec({ ...cfg, rec: teacher, data: other, out: join(tmp(), 'x') }),
    (e: Error) =>
      e instanceof DataError && e.message.includes(join(teacher, 'model.json')) && /120 items/.test(e.message) && !e.message.includes('\n'),
  );
});
