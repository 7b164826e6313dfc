// f's preference over the catalogue as a training target for an item-token model: for a sample
// that shows f's user vector, the softmax of f's scores of every item (Recommender.scoreVector) at
// a temperature, over the items an answer may name (the shown history excluded, as f's own top-k
// excludes it). Fitting the item-token head to it (the `distill` term of trainLm) at a task-1
// answer — and optionally right after every <user> token — passes on f's whole ranking, not only
// its top item, as the sasrec-kd baseline is distilled.
import type { LmExample } from '../lm/train/train.js';
import type { TaskRecord } from '../tasks/forms.js';
import type { SoftVectors } from './soft.js';

/** softmax over items 1..n of scores[i] / τ, excluded items 0; scores [n + 1] (index = item id, 0 unused) → [n], index i − 1 = item i. */
export function teacherProbs(scores: Float32Array, exclude: Iterable<number>, tau: number): Float32Array {
  const n = scores.length - 1;
  const skip = new Set(exclude);
  const z = new Float64Array(n).fill(-Infinity);
  let max = -Infinity;
  for (let i = 1; i <= n; i++) {
    if (skip.has(i)) continue;
    z[i - 1] = scores[i] / tau;
    if (z[i - 1] > max) max = z[i - 1];
  }
  if (max === -Infinity) throw new RangeError('teacherProbs: every item is excluded');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += z[i] = Math.exp(z[i] - max);
  return Float32Array.from(z, (v) => v / sum);
}

/**
 * The examples with their teacher: at a task-1 answer's first item token, and with `users` also
 * after every <user> token (the state that holds f's user vector then predicts f's preference, on
 * every sample that shows one); the rest as they are. The probabilities are computed when a batch
 * is packed. itemFirst: the id of item 1's token.
 */
export function withTeachers(
  records: readonly TaskRecord[],
  examples: readonly LmExample[],
  vectors: SoftVectors,
  itemFirst: number,
  tau: number,
  users = false,
): LmExample[] {
  return examples.map((ex, i) => {
    const r = records[i];
    const user = r.soft.find((s) => s.kind === 'user');
    if (!user || user.kind !== 'user') return ex;
    const at = users ? (ex.soft ?? []).flatMap((s) => (s.kind === 'user' && s.pos + 1 < ex.ids.length ? [s.pos + 1] : [])) : [];
    const answer = r.task === 1 ? ex.ids.findIndex((id, t) => id >= itemFirst && (ex.lossMask ? ex.lossMask[t] : t > 0)) : -1;
    if (answer >= 1) at.push(answer);
    if (at.length === 0) return ex;
    return { ...ex, teacher: { at, probs: () => teacherProbs(vectors.rec.scoreVector(vectors.vector(user)), user.history, tau) } };
  });
}
