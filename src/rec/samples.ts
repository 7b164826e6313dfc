// Training and evaluation inputs for the target models, from the canonical data set under the
// leave-one-out split: training sequences (input = train[:-1], targets = train[1:]), sampled
// negatives, the histories that predict the validation and test items, and their left-padded batches.
import type { Dataset } from '../data/dataset.js';
import { leaveOneOut } from '../data/process.js';
import type { Rng } from '../engine/rng.js';

/** A left-padded batch: ids and positions, both [B, T] row-major. */
export interface SeqBatch {
  seq: Int32Array; // item ids, 0 = padding
  pos: Int32Array; // position ids, 0 at padding
  batch: number;
  len: number;
}

/**
 * Left-pads histories into a batch of width min(maxLen, longest history); the last column gets
 * position maxLen. Histories longer than maxLen keep their most recent maxLen items.
 */
export function packBatch(histories: readonly (readonly number[])[], maxLen: number): SeqBatch {
  const B = histories.length;
  const T = Math.max(1, Math.min(maxLen, Math.max(0, ...histories.map((h) => h.length))));
  const seq = new Int32Array(B * T);
  const pos = new Int32Array(B * T);
  histories.forEach((h, b) => {
    const n = Math.min(h.length, T);
    for (let j = 0; j < n; j++) {
      const col = T - n + j;
      seq[b * T + col] = h[h.length - n + j];
      pos[b * T + col] = maxLen - T + 1 + col;
    }
  });
  return { seq, pos, batch: B, len: T };
}

export interface SplitUsers {
  train: number[][]; // per user (index u = user id − 1): training items, chronological
  valid: number[]; // held-out validation item per user
  test: number[]; // held-out test item per user
  seen: Set<number>[]; // every item the user interacted with (for negatives)
  nItems: number;
}

export function splitUsers(ds: Dataset): SplitUsers {
  const train: number[][] = [];
  const valid: number[] = [];
  const test: number[] = [];
  const seen: Set<number>[] = [];
  for (const s of ds.sequences) {
    const sp = leaveOneOut(s.items);
    train.push(sp.train);
    valid.push(sp.valid);
    test.push(sp.test);
    seen.push(new Set(s.items));
  }
  return { train, valid, test, seen, nItems: ds.items.length };
}

/** A uniformly random item in 1..nItems that the user never interacted with. */
export function negativeItem(rng: Rng, nItems: number, seen: Set<number>): number {
  if (seen.size >= nItems) throw new RangeError('user has interacted with every item: no negative exists');
  for (;;) {
    const n = 1 + rng.int(nItems);
    if (!seen.has(n)) return n;
  }
}

export interface TrainBatch {
  input: SeqBatch; // train[:-1], left-padded
  pos: Int32Array; // [B,T] next items, 0 at padding
  neg: Int32Array; // [B,T] one sampled negative per position, 0 at padding
}

export function trainBatch(users: readonly number[], data: SplitUsers, maxLen: number, rng: Rng): TrainBatch {
  const input = packBatch(
    users.map((u) => data.train[u].slice(0, -1)),
    maxLen,
  );
  const pos = packBatch(
    users.map((u) => data.train[u].slice(1)),
    maxLen,
  ).seq;
  const neg = new Int32Array(pos.length);
  for (let k = 0; k < pos.length; k++) {
    if (pos[k] !== 0) neg[k] = negativeItem(rng, data.nItems, data.seen[users[Math.floor(k / input.len)]]);
  }
  return { input, pos, neg };
}

/**
 * One epoch's batches: users shuffled, then grouped by similar length so that batches carry
 * little padding (the batch order is shuffled again). Users with a single training item
 * have nothing to learn from and are left out.
 */
export function epochBatches(data: SplitUsers, batchSize: number, maxLen: number, rng: Rng): number[][] {
  const users = rng.shuffle(data.train.map((_, u) => u).filter((u) => data.train[u].length > 1));
  const cap = (u: number) => Math.min(data.train[u].length, maxLen + 1);
  const sorted = [...users].sort((a, b) => cap(a) - cap(b));
  const batches: number[][] = [];
  for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
  return rng.shuffle(batches);
}
