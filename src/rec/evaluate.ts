// Leave-one-out evaluation of a target model: the full-catalogue ranking (history items
// excluded; HR/NDCG@5,10,20) and the sampled protocol of the SASRec paper (the target among
// 100 random items the user never interacted with; HR/NDCG@10). Negatives are drawn once per
// split from a fixed seed, so successive evaluations are comparable.
import { tf } from '../engine/tf.js';
import { Rng } from '../engine/rng.js';
import { RankAccumulator, rankOfTarget, sampledRank, sampleNegatives, type RankingMetrics } from './metrics.js';
import type { TargetModel } from './model.js';
import type { SplitUsers } from './samples.js';

export type EvalSplit = 'valid' | 'test';

export interface EvalResult {
  full: RankingMetrics;
  sampled100: { 'hr@10': number; 'ndcg@10': number };
}

/** The history that predicts the split's target: train for valid, train + valid for test. */
export function historyFor(data: SplitUsers, u: number, split: EvalSplit): number[] {
  return split === 'valid' ? data.train[u] : [...data.train[u], data.valid[u]];
}

export function fixedNegatives(data: SplitUsers, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  return data.seen.map((s) => sampleNegatives(rng, data.nItems, s, 100));
}

export function evaluate(model: TargetModel, data: SplitUsers, split: EvalSplit, negatives: Int32Array[], batchSize = 256): EvalResult {
  const full = new RankAccumulator();
  const sampled = new RankAccumulator();
  const nUsers = data.train.length;
  const width = data.nItems + 1;
  for (let start = 0; start < nUsers; start += batchSize) {
    const users = Array.from({ length: Math.min(batchSize, nUsers - start) }, (_, i) => start + i);
    const histories = users.map((u) => historyFor(data, u, split));
    const t = tf.tidy(() => tf.matMul(model.userVectors(users, histories), model.itemTable(), false, true)); // [B, V+1]
    const scores = t.dataSync() as Float32Array;
    t.dispose();
    users.forEach((u, i) => {
      const row = scores.subarray(i * width, (i + 1) * width);
      const target = split === 'valid' ? data.valid[u] : data.test[u];
      full.add(rankOfTarget(row, target, histories[i]));
      sampled.add(sampledRank(row, target, negatives[u]));
    });
  }
  const s = sampled.result();
  return { full: full.result(), sampled100: { 'hr@10': s['hr@10'], 'ndcg@10': s['ndcg@10'] } };
}
