// The distilled "SASRec" baseline of the paper (EMKD-style knowledge distillation): a second
// SASRec, the student, is trained to imitate the target recommender f (a trained SASRec from a
// train-rec folder) instead of the data's next items.
//
// Contract:
// - Inputs are the training sequences of train-rec, unchanged: for every user with at least two
//   training items, the window train[:-1] (its most recent maxLen items), batched with
//   epochBatches() and left-padded like trainBatch(). The held-out valid/test items are never
//   seen; f's soft labels are the only supervision.
// - Positions: by default EVERY non-padding position of a window (f's next-item distribution
//   after each prefix, as f itself was trained); `positions: 'last'` keeps only the last position
//   of each window (the user's state). f's hidden states at those positions are computed once,
//   before training (eval mode). Measured on the default data (671 users, 3,496 items, hidden
//   256, maxLen 9, 2 CPU cores, wasm + native matmul; 20 epochs, lr 3e-3, τ = 1): all positions
//   (6,039 per epoch) 1.3 s/epoch, top-1 agreement 0.39, top-5 overlap 0.52, KL 0.37; last
//   only (671) 0.8 s/epoch, 0.21 / 0.37 / 0.53, and still 0.29 top-1 after 40 epochs — all
//   positions win per second too. (τ = 2 gave 0.45 / 0.60 / KL 0.24 there, τ = 4 was worse.)
// - Loss: τ² · mean over positions of KL(p_f ‖ p_s), p_f = softmax(z_f/τ), p_s = softmax(z_s/τ),
//   where z = h·Eᵀ over the FULL catalogue, items 1..nItems (the padding row 0 is left out),
//   h = the model's hidden state at that position (f: eval mode; student: with dropout, as in
//   training). τ defaults to 1; the τ² factor (Hinton et al.) keeps gradients comparable across τ.
// - Output: <out>/model.json + model.safetensors (the train-rec layout, so Recommender.load(out)
//   works; model.json also names `distilled_from`), embeddings.safetensors (as train-rec),
//   config.json, train_log.jsonl, and metrics.json measured on the test histories (train +
//   valid, as evaluate() ranks the test item): kl_final = mean KL(p_f ‖ p_s) at τ = 1 over
//   items 1..nItems; top1_agreement = share of users whose student top-1 equals f's top-1 and
//   top5_overlap = mean |top5_s ∩ top5_f| / 5, both with Recommender.topK (history excluded);
//   `untrained` holds the same figures for the student before training; `full` / `sampled100`
//   are the student's own test accuracy as train-rec reports it (same negatives as f's run);
//   seconds = wall time of the whole call (default data: ~40 s, ~10 s of it the three
//   Recommender.topK passes over 671 users). Same seed → same weights.
import { readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import type { GradSaveFunc, Scalar, Tensor } from '@tensorflow/tfjs-core';
import { writeJsonAtomic, writeJsonlAtomic } from '../engine/atomic.js';
import { initEngine, type BackendChoice } from '../engine/backend.js';
import { DataError, UserError } from '../engine/errors.js';
import { Progress } from '../engine/progress.js';
import { Rng } from '../engine/rng.js';
import { writeSafetensors } from '../engine/safetensors.js';
import { tf } from '../engine/tf.js';
import { readDataset } from '../data/dataset.js';
import { buildModel } from './build.js';
import { exportWeights } from '../engine/params.js';
import type { TrainRecConfig } from './config.js';
import { evaluate, fixedNegatives, historyFor, type EvalResult } from './evaluate.js';
import { exportEmbeddings } from './export.js';
import { Recommender } from './recommender.js';
import { epochBatches, splitUsers, type SplitUsers } from './samples.js';
import { Sasrec, packBatch, type SeqBatch } from './sasrec.js';

export interface DistillConfig {
  teacher: string; // train-rec output folder of the target f (a SASRec)
  data: string; // data set folder f was trained on (from `recexplainer data`)
  out: string; // output folder for the student
  epochs?: number; // default 20 (0: write and measure the untrained student)
  lr?: number; // Adam, betas (0.9, 0.98); default 3e-3
  batchSize?: number; // sequences per batch; default 128
  temperature?: number; // τ of both softmaxes; default 1
  positions?: 'all' | 'last'; // which window positions are distilled; default all
  seed?: number; // student initialisation, batch order and dropout; default 1
  hidden?: number; // default: the teacher's
  maxLen?: number; // default: the teacher's
  blocks?: number; // default: the teacher's
  heads?: number; // default: the teacher's
  dropout?: number; // default: the teacher's
  backend?: BackendChoice; // default auto
  quiet?: boolean; // no progress bars; default false
}

export const DISTILL_DEFAULTS = {
  epochs: 20,
  lr: 3e-3,
  batchSize: 128,
  temperature: 1,
  positions: 'all' as 'all' | 'last',
  seed: 1,
  backend: 'auto' as BackendChoice,
  quiet: false,
};

export interface Agreement {
  kl: number; // mean KL(p_f ‖ p_s) at τ = 1 on the test histories, nats
  top1_agreement: number;
  top5_overlap: number;
}

export interface DistillResult extends Agreement {
  untrained: Agreement; // the student before training
  test: EvalResult; // the student's own leave-one-out accuracy on the test items (train-rec's protocol and negatives)
  lossFinal: number; // mean distillation loss of the last epoch (NaN when epochs = 0)
  epochs: number;
  seconds: number;
  secPerEpoch: number;
  positionsPerEpoch: number;
}

export interface DistillEpochLog {
  epoch: number;
  loss: number;
  seconds: number;
}

/**
 * τ² · mean over rows of KL(softmax(teacher/τ) ‖ softmax(student/τ)) for logits [N, V], with the
 * fused gradient τ·(softmax(student/τ) − softmax(teacher/τ))/N on the student (none on f).
 * Computed without a full-matrix exp or log (wasm's fused softmax is several times faster):
 * KL = Σ p·a − lse(a) − Σ p·b + lse(b) for a = teacher/τ, b = student/τ, p = softmax(a), and
 * lse(x) = max(x) − log(max(softmax(x))).
 */
export function distillKl(teacher: Tensor, student: Tensor, temperature = 1): Tensor {
  const tau = temperature;
  const f = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [t, s, save] = args as [Tensor, Tensor, GradSaveFunc];
    const a = tau === 1 ? t : tf.div(t, tau);
    const b = tau === 1 ? s : tf.div(s, tau);
    const p = tf.softmax(a);
    const q = tf.softmax(b);
    const lse = (x: Tensor, sx: Tensor) => tf.sub(tf.max(x, -1), tf.log(tf.max(sx, -1)));
    const rows = tf.add(tf.sub(tf.sum(tf.mul(p, tf.sub(a, b)), -1), lse(a, p)), lse(b, q)); // [N]
    save([p, q]);
    return {
      value: tf.mul(tf.mean(rows), tau * tau),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [p0, q0] = saved;
        const n = p0.shape[0] as number;
        return [tf.zerosLike(p0), tf.mul(tf.sub(q0, p0), tf.mul(dy, tau / n))];
      },
    };
  });
  return f(teacher, student);
}

function check(ok: boolean, msg: string): void {
  if (!ok) throw new UserError(`distill: ${msg}`);
}

/** The distilled rows of a left-padded batch: every non-padding cell, or the last column. */
function distilledRows(b: SeqBatch, positions: 'all' | 'last'): Int32Array {
  const rows: number[] = [];
  for (let r = 0; r < b.batch; r++) {
    if (positions === 'last') rows.push(r * b.len + b.len - 1);
    else for (let c = 0; c < b.len; c++) if (b.seq[r * b.len + c] !== 0) rows.push(r * b.len + c);
  }
  return Int32Array.from(rows);
}

/**
 * f's hidden states at the distilled positions of every user's window, computed once (eval
 * mode: no dropout); a user's states do not depend on the batch it is packed in (left padding
 * is masked and the last column always has position maxLen). Users with < 2 training items
 * (never in a batch) get an empty array.
 */
function teacherStates(tm: Sasrec, data: SplitUsers, window: (u: number) => number[], positions: 'all' | 'last', batchSize = 256): Float32Array[] {
  const d = tm.cfg.hidden;
  const out: Float32Array[] = data.train.map(() => new Float32Array(0));
  const users = data.train.map((_, u) => u).filter((u) => data.train[u].length > 1);
  for (let i = 0; i < users.length; i += batchSize) {
    const batch = users.slice(i, i + batchSize);
    const b = packBatch(batch.map(window), tm.cfg.maxLen);
    const h = tf.tidy(() => tm.forward(b, false, new Rng(0)));
    const flat = h.dataSync() as Float32Array;
    h.dispose();
    batch.forEach((u, r) => {
      const n = positions === 'last' ? 1 : window(u).length;
      out[u] = flat.slice((r * b.len + b.len - n) * d, (r + 1) * b.len * d);
    });
  }
  return out;
}

/** Logits h·E[1:]ᵀ at the given rows of the hidden states [B,T,d] → [N, nItems]. */
function rowLogits(h: Tensor, rows: Tensor, items: Tensor): Tensor {
  const d = h.shape[2] as number;
  return tf.matMul(tf.gather(tf.reshape(h, [-1, d]), rows), items, false, true);
}

/** The teacher's top-k for every user's test history (Recommender.topK, history excluded). */
export function testTopK(rec: Recommender, data: SplitUsers, k: number): number[][] {
  return data.train.map((_, u) => {
    const h = historyFor(data, u, 'test');
    return rec.topK(h, k, h, u);
  });
}

/**
 * KL at τ = 1 and top-1 / top-5 agreement of `student` with `teacher` on the test histories;
 * teacherTop5 (from testTopK) can be passed to avoid ranking with the teacher again.
 */
export function agreement(teacher: Recommender, student: Recommender, data: SplitUsers, teacherTop5 = testTopK(teacher, data, 5), batchSize = 256): Agreement {
  const nUsers = data.train.length;
  const n = teacher.nItems;
  let kl = 0;
  let top1 = 0;
  let top5 = 0;
  const tItems = tf.tidy(() => tf.slice(teacher.model.itemTable(), [1, 0], [n, teacher.hidden]));
  const sItems = tf.tidy(() => tf.slice(student.model.itemTable(), [1, 0], [n, student.hidden]));
  for (let start = 0; start < nUsers; start += batchSize) {
    const users = Array.from({ length: Math.min(batchSize, nUsers - start) }, (_, i) => start + i);
    const histories = users.map((u) => historyFor(data, u, 'test'));
    const tu = teacher.userVectors(histories, users);
    const su = student.userVectors(histories, users);
    const v = tf.tidy(() => {
      const zt = tf.matMul(tf.tensor2d(tu, [users.length, teacher.hidden]), tItems, false, true);
      const zs = tf.matMul(tf.tensor2d(su, [users.length, student.hidden]), sItems, false, true);
      return distillKl(zt, zs, 1);
    });
    kl += v.dataSync()[0] * users.length;
    v.dispose();
    histories.forEach((h, i) => {
      const a = teacherTop5[users[i]];
      const b = student.topK(h, 5, h, users[i]);
      if (a[0] === b[0]) top1++;
      const sa = new Set(a);
      top5 += b.filter((x) => sa.has(x)).length / 5;
    });
  }
  tf.dispose([tItems, sItems]);
  return { kl: kl / nUsers, top1_agreement: top1 / nUsers, top5_overlap: top5 / nUsers };
}

/** Trains a SASRec student to imitate the teacher's full-catalogue softmax; writes `out`. */
export async function distillRec(config: DistillConfig): Promise<DistillResult> {
  const t0 = performance.now();
  const cfg = { ...DISTILL_DEFAULTS, ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) } as DistillConfig & typeof DISTILL_DEFAULTS;
  check(Number.isInteger(cfg.epochs) && cfg.epochs >= 0, `epochs must be a non-negative integer, got ${cfg.epochs}`);
  check(Number.isInteger(cfg.batchSize) && cfg.batchSize >= 1, `batchSize must be a positive integer, got ${cfg.batchSize}`);
  check(cfg.lr > 0 && Number.isFinite(cfg.lr), `lr must be positive, got ${cfg.lr}`);
  check(cfg.temperature > 0 && Number.isFinite(cfg.temperature), `temperature must be positive, got ${cfg.temperature}`);
  check(cfg.positions === 'all' || cfg.positions === 'last', `positions must be all or last, got ${JSON.stringify(cfg.positions)}`);
  check(Number.isInteger(cfg.seed) && cfg.seed >= 0, `seed must be a non-negative integer, got ${cfg.seed}`);
  if (resolve(cfg.out) === resolve(cfg.teacher)) throw new UserError(`distill: --out ${cfg.out} is the teacher's folder; choose another`);

  await initEngine({ backend: cfg.backend });
  const teacher = await Recommender.load(cfg.teacher, cfg.backend);
  const modelJson = join(cfg.teacher, 'model.json');
  if (!(teacher.model instanceof Sasrec)) throw new DataError({ file: modelJson, field: 'kind' }, `the teacher is a ${teacher.model.kind} model; distillation needs a SASRec teacher`);
  const tm = teacher.model;
  const data = splitUsers(readDataset(cfg.data));
  if (data.nItems !== teacher.nItems) {
    throw new DataError({ file: modelJson, field: 'n_items' }, `the teacher knows ${teacher.nItems} items but ${cfg.data} has ${data.nItems}; pass the data set it was trained on`);
  }
  const tc = tm.cfg;
  const scfg: TrainRecConfig = {
    data: cfg.data,
    out: cfg.out,
    model: 'sasrec',
    loss: tc.loss,
    hidden: cfg.hidden ?? tc.hidden,
    maxLen: cfg.maxLen ?? tc.maxLen,
    blocks: cfg.blocks ?? tc.blocks,
    heads: cfg.heads ?? tc.heads,
    dropout: cfg.dropout ?? tc.dropout,
    l2: 0,
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    lr: cfg.lr,
    evalEvery: Math.max(1, cfg.epochs),
    patience: 1,
    selectOn: 'sampled100',
    seed: cfg.seed,
    backend: cfg.backend,
    resume: false,
    quiet: cfg.quiet,
  };
  check(Number.isInteger(scfg.hidden) && scfg.hidden >= 1 && Number.isInteger(scfg.heads) && scfg.heads >= 1 && scfg.hidden % scfg.heads === 0, `hidden ${scfg.hidden} must be a positive multiple of heads ${scfg.heads}`);
  check(Number.isInteger(scfg.maxLen) && scfg.maxLen >= 1 && Number.isInteger(scfg.blocks) && scfg.blocks >= 1, 'maxLen and blocks must be positive integers');
  check(scfg.dropout >= 0 && scfg.dropout < 1, `dropout must be in [0, 1), got ${scfg.dropout}`);

  const nUsers = data.train.length;
  const student = buildModel(scfg, data.nItems, nUsers) as Sasrec;
  const writeStudent = (epoch: number): void => {
    const meta = { kind: 'sasrec', config: JSON.stringify(scfg), epoch: String(epoch), distilled_from: cfg.teacher };
    writeSafetensors(join(cfg.out, 'model.safetensors'), exportWeights(student.variables()), meta);
    exportEmbeddings(cfg.out, student, data, scfg); // also writes model.json (train-rec layout)
    writeJsonAtomic(join(cfg.out, 'model.json'), { kind: 'sasrec', config: scfg, n_items: data.nItems, n_users: nUsers, weights: 'model.safetensors', distilled_from: cfg.teacher, temperature: cfg.temperature, positions: cfg.positions });
  };
  writeJsonAtomic(join(cfg.out, 'config.json'), cfg);

  // the window both models read: train[:-1], its most recent W items (W fits both position tables)
  const W = Math.min(scfg.maxLen, tc.maxLen);
  const window = (u: number) => data.train[u].slice(0, -1).slice(-W);
  const nI = data.nItems;
  const tItems = tf.tidy(() => tf.slice(tm.itemTable(), [1, 0], [nI, tc.hidden]));
  const opt = tf.train.adam(cfg.lr, 0.9, 0.98, 1e-8);
  const rng = new Rng(cfg.seed);
  const units = student.epochUnits(data);
  const log: DistillEpochLog[] = [];
  let positionsPerEpoch = 0;

  // the untrained student, measured through the saved folder like the trained one
  writeStudent(0);
  const initial = await Recommender.load(cfg.out, cfg.backend);
  const cached = teacherStates(tm, data, window, cfg.positions);
  const teacherTop5 = testTopK(teacher, data, 5);
  const untrained = agreement(teacher, initial, data, teacherTop5);
  initial.model.dispose();

  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    const bar = new Progress({ label: `distill ${epoch}/${cfg.epochs}`, total: units, unit: 'seq/s', quiet: cfg.quiet });
    const e0 = performance.now();
    let lossSum = 0;
    let count = 0;
    positionsPerEpoch = 0;
    for (const users of epochBatches(data, cfg.batchSize, scfg.maxLen, rng)) {
      const sb = packBatch(users.map(window), scfg.maxLen);
      const rowIds = distilledRows(sb, cfg.positions);
      positionsPerEpoch += rowIds.length;
      const rows = tf.tensor1d(rowIds, 'int32');
      // f's states at the same cells, in the same order (user by user, oldest position first)
      const states = new Float32Array(rowIds.length * tc.hidden);
      let at = 0;
      for (const u of users) (states.set(cached[u], at), (at += cached[u].length));
      const target = tf.tidy(() => tf.matMul(tf.tensor2d(states, [rowIds.length, tc.hidden]), tItems, false, true));
      const loss = opt.minimize(() => {
        const sItems = tf.slice(student.itemEmb, [1, 0], [nI, scfg.hidden]);
        return distillKl(target, rowLogits(student.forward(sb, true, rng), rows, sItems), cfg.temperature) as Scalar;
      }, true, student.variables())!;
      const value = (await loss.data())[0];
      tf.dispose([loss, target, rows]);
      if (!Number.isFinite(value)) throw new UserError(`distill: loss is ${value} at epoch ${epoch}; stopped (try a lower --lr)`);
      lossSum += value * users.length;
      count += users.length;
      bar.tick(users.length, `loss ${value.toFixed(4)}`);
    }
    const entry = { epoch, loss: lossSum / count, seconds: (performance.now() - e0) / 1000 };
    bar.finish(`loss ${entry.loss.toFixed(4)}`);
    log.push(entry);
  }
  tf.dispose(tItems);
  opt.dispose();
  const bad = Object.entries(exportWeights(student.variables())).find(([, t]) => !t.data.every(Number.isFinite));
  if (bad) throw new UserError(`distill: weights of ${bad[0]} are not finite after training (try a lower --lr)`);

  writeStudent(cfg.epochs);
  writeJsonlAtomic(join(cfg.out, 'train_log.jsonl'), log);
  student.dispose();
  const studentRec = await Recommender.load(cfg.out, cfg.backend);
  const final = cfg.epochs === 0 ? untrained : agreement(teacher, studentRec, data, teacherTop5);
  // the teacher's test negatives (train-rec draws them from its seed + 2), so the figures compare
  const teacherSeed = (JSON.parse(readFileSync(modelJson, 'utf8')) as { config: { seed?: number } }).config.seed ?? 42;
  const test = evaluate(studentRec.model, data, 'test', fixedNegatives(data, teacherSeed + 2));
  teacher.model.dispose();
  studentRec.model.dispose();
  const trainSeconds = log.reduce((s, e) => s + e.seconds, 0);
  const result: DistillResult = {
    ...final,
    untrained,
    test,
    lossFinal: log.length ? log[log.length - 1].loss : NaN,
    epochs: cfg.epochs,
    seconds: (performance.now() - t0) / 1000,
    secPerEpoch: log.length ? trainSeconds / log.length : 0,
    positionsPerEpoch,
  };
  writeJsonAtomic(join(cfg.out, 'metrics.json'), {
    kl_final: final.kl,
    top1_agreement: final.top1_agreement,
    top5_overlap: final.top5_overlap,
    untrained: { kl: untrained.kl, top1_agreement: untrained.top1_agreement, top5_overlap: untrained.top5_overlap },
    full: test.full,
    sampled100: test.sampled100,
    loss_final: log.length ? result.lossFinal : null,
    temperature: cfg.temperature,
    positions: cfg.positions,
    positions_per_epoch: positionsPerEpoch,
    epochs: cfg.epochs,
    sec_per_epoch: result.secPerEpoch,
    seconds: result.seconds,
    teacher: cfg.teacher,
  });
  return result;
}
