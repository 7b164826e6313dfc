// The distillation loss and the agreement measures of the sasrec-kd baseline (EMKD-style
// knowledge distillation: a SASRec student imitates the target recommender f, a trained SASRec).
//
// Contract:
// - Inputs are the training sequences of train-rec, unchanged: for every user with at least two
//   training items, the window train[:-1] (its most recent W items, W = the smaller maxLen of the
//   two models), left-padded like trainBatch(). The held-out valid/test items are never seen; f's
//   soft labels are the only supervision.
// - Positions: 'all' distils EVERY non-padding position of a window (f's next-item distribution
//   after each prefix, as f itself was trained); 'last' only the last position of each window
//   (the user's state). f's hidden states at those positions are computed once (eval mode).
// - Loss: τ² · mean over positions of KL(p_f ‖ p_s), p_f = softmax(z_f/τ), p_s = softmax(z_s/τ),
//   where z = h·Eᵀ over the FULL catalogue, items 1..nItems (the padding row 0 is left out),
//   h = the model's hidden state at that position (f: eval mode; student: with dropout, as in
//   training). The τ² factor (Hinton et al.) keeps gradients comparable across τ.
// - Agreement on the test histories (train + valid, as evaluate() ranks the test item): kl = mean
//   KL(p_f ‖ p_s) at τ = 1 over items 1..nItems; top1_agreement = share of users whose student
//   top-1 equals f's top-1; top5_overlap = mean |top5_s ∩ top5_f| / 5, both with
//   Recommender.topK (history excluded).
import type { GradSaveFunc, Scalar, Tensor } from '@tensorflow/tfjs-core';
import { Rng } from '../engine/rng.js';
import { tf } from '../engine/tf.js';
import { historyFor } from './evaluate.js';
import type { BatchLoss } from './loop.js';
import type { Recommender } from './recommender.js';
import type { SplitUsers } from './samples.js';
import { type Sasrec } from './sasrec.js';
import { packBatch, type SeqBatch } from './samples.js';

export type Positions = 'all' | 'last';

export interface Agreement {
  kl: number; // mean KL(p_f ‖ p_s) at τ = 1 on the test histories, nats
  top1_agreement: number;
  top5_overlap: number;
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

/** The distilled rows of a left-padded batch: every non-padding cell, or the last column. */
function distilledRows(b: SeqBatch, positions: Positions): Int32Array {
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
function teacherStates(
  tm: Sasrec,
  data: SplitUsers,
  window: (u: number) => number[],
  positions: Positions,
  batchSize = 256,
): Float32Array[] {
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
export function agreement(
  teacher: Recommender,
  student: Recommender,
  data: SplitUsers,
  teacherTop5 = testTopK(teacher, data, 5),
  batchSize = 256,
): Agreement {
  const nUsers = data.train.length;
  const n = teacher.nItems;
  let kl = 0;
  let top1 = 0;
  let top5 = 0;
  const tItems = tf.tensor2d(teacher.itemTable().subarray(teacher.hidden), [n, teacher.hidden]);
  const sItems = tf.tensor2d(student.itemTable().subarray(student.hidden), [n, student.hidden]);
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

export interface KlToTeacher {
  loss: BatchLoss; // the distillation loss of a batch of users (the student with dropout)
  positionsPerEpoch: number; // distilled positions in one pass over the users
  dispose(): void; // frees f's item table slice
}

/**
 * The distillation loss of `student` against `teacher` on the data's training windows, for the
 * recommender loop; f's states at the distilled positions are computed here, once.
 */
export function klToTeacher(teacher: Sasrec, student: Sasrec, data: SplitUsers, temperature: number, positions: Positions): KlToTeacher {
  const tc = teacher.cfg;
  const sc = student.cfg;
  const W = Math.min(sc.maxLen, tc.maxLen);
  const window = (u: number) => data.train[u].slice(0, -1).slice(-W);
  const nI = data.nItems;
  const tItems = tf.tidy(() => tf.slice(teacher.itemTable(), [1, 0], [nI, tc.hidden]));
  const cached = teacherStates(teacher, data, window, positions);
  const positionsPerEpoch = data.train.reduce((n, t, u) => n + (t.length > 1 ? (positions === 'last' ? 1 : window(u).length) : 0), 0);
  const loss: BatchLoss = (users, rng) => {
    const sb = packBatch(users.map(window), sc.maxLen);
    const rowIds = distilledRows(sb, positions);
    // f's states at the same cells, in the same order (user by user, oldest position first)
    const states = new Float32Array(rowIds.length * tc.hidden);
    let at = 0;
    for (const u of users) (states.set(cached[u], at), (at += cached[u].length));
    const target = tf.matMul(tf.tensor2d(states, [rowIds.length, tc.hidden]), tItems, false, true); // [N, nItems]
    const sItems = tf.slice(student.itemEmb, [1, 0], [nI, sc.hidden]);
    return distillKl(target, rowLogits(student.forward(sb, true, rng), tf.tensor1d(rowIds, 'int32'), sItems), temperature) as Scalar;
  };
  return { loss, positionsPerEpoch, dispose: () => tItems.dispose() };
}
