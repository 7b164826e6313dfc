// Leave-one-out ranking metrics (one held-out target per user), pure functions. Item ids are
// 1-based (0 is padding, never a candidate); a score vector is indexed by id: [nItems + 1].
// Ties count against the target: a constant scorer ranks it last, never first.
import type { Rng } from '../engine/rng.js';
import { UserError } from '../engine/errors.js';

/** The cut-offs reported everywhere (DESIGN §6: "hr@5", "ndcg@5", …, "ndcg@20"). */
export const CUTOFFS = [5, 10, 20] as const;
export type Cutoff = (typeof CUTOFFS)[number];
export type MetricName = `hr@${Cutoff}` | `ndcg@${Cutoff}`;
export type RankingMetrics = Record<MetricName, number>;

/** True when a candidate scoring s ranks at or above a target scoring t. NaN on either side
 *  counts against the target, so broken scores can never look good. */
function beats(s: number, t: number): boolean {
  return !(s < t);
}

/**
 * 0-based rank of `target` among all items 1..nItems that are not excluded: the number of
 * other candidates scoring ≥ the target's score (pessimistic ties).
 * scores: [nItems + 1], scores[0] (padding) is ignored.
 * exclude: item ids (e.g. the user's history; 0s from padding are ignored) or a mask
 *   [nItems + 1] where mask[i] ≠ 0 excludes item i. The target itself always stays a
 *   candidate, even when it is in the history (users may consume an item again).
 */
export function rankOfTarget(scores: Float32Array, target: number, exclude: Iterable<number> | Uint8Array): number {
  const nItems = scores.length - 1;
  checkItem(target, nItems, 'target');
  const t = scores[target];
  let rank = 0;
  if (exclude instanceof Uint8Array) {
    if (exclude.length !== scores.length) {
      throw new RangeError(`rankOfTarget: mask has ${exclude.length} entries, scores ${scores.length}`);
    }
    for (let i = 1; i <= nItems; i++) {
      if (i !== target && exclude[i] === 0 && beats(scores[i], t)) rank++;
    }
    return rank;
  }
  for (let i = 1; i <= nItems; i++) if (i !== target && beats(scores[i], t)) rank++;
  for (const id of new Set(exclude)) {
    if (id === 0 || id === target) continue;
    checkItem(id, nItems, 'excluded item');
    if (beats(scores[id], t)) rank--;
  }
  return rank;
}

/** 1 if the target is in the top k (rank is 0-based), else 0. */
export function hitAt(rank: number, k: number): number {
  return rank < k ? 1 : 0;
}

/** NDCG@k with a single relevant item: 1/log2(rank + 2) inside the top k, else 0. */
export function ndcgAt(rank: number, k: number): number {
  return rank < k ? 1 / Math.log2(rank + 2) : 0;
}

/** Averages hr@k and ndcg@k over users, one rank per user. */
export class RankAccumulator {
  private sums = new Float64Array(2 * CUTOFFS.length); // [hr@5, ndcg@5, hr@10, …]
  private n = 0;

  add(rank: number): void {
    if (!Number.isInteger(rank) || rank < 0) throw new RangeError(`RankAccumulator: bad rank ${rank}`);
    CUTOFFS.forEach((k, j) => {
      this.sums[2 * j] += hitAt(rank, k);
      this.sums[2 * j + 1] += ndcgAt(rank, k);
    });
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  /** Means over the ranks added so far; throws when there are none (an empty test split). */
  result(): RankingMetrics {
    if (this.n === 0) throw new UserError('no users to evaluate: the ranking metrics need at least one');
    const out = {} as RankingMetrics;
    CUTOFFS.forEach((k, j) => {
      out[`hr@${k}`] = this.sums[2 * j] / this.n;
      out[`ndcg@${k}`] = this.sums[2 * j + 1] / this.n;
    });
    return out;
  }
}

/**
 * Sampled protocol (SASRec paper): 0-based rank of the target among itself and the sampled
 * negatives = number of negatives scoring ≥ the target (pessimistic ties).
 * scores: [nItems + 1] indexed by item id; negatives: [count] item ids.
 */
export function sampledRank(scores: Float32Array, target: number, negatives: Int32Array): number {
  const nItems = scores.length - 1;
  checkItem(target, nItems, 'target');
  const t = scores[target];
  let rank = 0;
  for (const id of negatives) {
    checkItem(id, nItems, 'negative');
    if (beats(scores[id], t)) rank++;
  }
  return rank;
}

/**
 * `count` distinct item ids drawn uniformly from 1..nItems minus `exclude` (the user's history
 * and target), in draw order: [count]. Throws a UserError when fewer items are left.
 */
export function sampleNegatives(rng: Rng, nItems: number, exclude: Set<number>, count = 100): Int32Array {
  let excluded = 0;
  for (const id of exclude) if (Number.isInteger(id) && id >= 1 && id <= nItems) excluded++;
  const available = nItems - excluded;
  if (count > available) {
    throw new UserError(`cannot sample ${count} negatives: only ${available} of ${nItems} items lie outside the user's history`);
  }
  const out = new Int32Array(count);
  if (available >= 2 * count) {
    // Rejection sampling: each draw succeeds with probability ≥ 1/2.
    const chosen = new Set<number>();
    let n = 0;
    while (n < count) {
      const id = 1 + rng.int(nItems);
      if (exclude.has(id) || chosen.has(id)) continue;
      chosen.add(id);
      out[n++] = id;
    }
    return out;
  }
  // Few items left: partial Fisher–Yates over the explicit candidate list.
  const pool = new Int32Array(available);
  let m = 0;
  for (let id = 1; id <= nItems; id++) if (!exclude.has(id)) pool[m++] = id;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(available - i);
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
    out[i] = pool[i];
  }
  return out;
}

function checkItem(id: number, nItems: number, what: string): void {
  if (!Number.isInteger(id) || id < 1 || id > nItems) {
    throw new RangeError(`${what} ${id} is not an item id in 1..${nItems}`);
  }
}
