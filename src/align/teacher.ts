// f's preference over the catalogue as a training target for an item-token model: for a task-1
// sample, the softmax of f's scores (user vector · item vectors) at a temperature, over the items
// the answer may name (the shown history excluded, as f's own top-k excludes it). Fitting the
// item-token head to it (the `distill` term of trainLm) passes on f's whole ranking, not only its
// top item, as the sasrec-kd baseline is distilled; optionally also right after every <user> token.
import type { LmExample, Teacher } from '../lm/train/train.js';
import type { TaskRecord } from '../tasks/forms.js';
import type { SoftVectors } from './soft.js';

/** softmax over items 1..n of (user · table[i]) / τ, excluded items 0; table [n + 1, d] (row 0: padding) → [n], index i − 1 = item i. */
export function teacherProbs(user: Float32Array, table: Float32Array, exclude: Iterable<number>, tau: number): Float32Array {
  const d = user.length;
  const n = table.length / d - 1;
  const skip = new Set(exclude);
  const z = new Float64Array(n).fill(-Infinity);
  let max = -Infinity;
  for (let i = 1; i <= n; i++) {
    if (skip.has(i)) continue;
    let s = 0;
    for (let k = 0; k < d; k++) s += user[k] * table[i * d + k];
    z[i - 1] = s / tau;
    if (z[i - 1] > max) max = z[i - 1];
  }
  if (max === -Infinity) throw new RangeError('teacherProbs: every item is excluded');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += z[i] = Math.exp(z[i] - max);
  return Float32Array.from(z, (v) => v / sum);
}

/**
 * The examples with their teachers: at a task-1 answer's first item token, and with `users` also
 * after every <user> token (the state that holds f's user vector then predicts f's preference, on
 * every sample that shows one); the rest as they are. Probabilities are computed when a batch is
 * packed. itemFirst: the id of item 1's token.
 */
export function withTeachers(
  records: readonly TaskRecord[],
  examples: readonly LmExample[],
  vectors: SoftVectors,
  itemFirst: number,
  tau: number,
  users = false,
): LmExample[] {
  const table = vectors.rec.itemTable();
  return examples.map((ex, i) => {
    const r = records[i];
    const user = r.soft.find((s) => s.kind === 'user');
    if (!user || user.kind !== 'user') return ex;
    const probs = () => teacherProbs(vectors.vector(user), table, user.history, tau);
    const teachers: Teacher[] = [];
    if (users) for (const s of ex.soft ?? []) if (s.kind === 'user' && s.pos + 1 < ex.ids.length) teachers.push({ at: s.pos + 1, probs });
    const answer = r.task === 1 ? ex.ids.findIndex((id, t) => id >= itemFirst && (ex.lossMask ? ex.lossMask[t] : t > 0)) : -1;
    if (answer >= 1) teachers.push({ at: answer, probs });
    return teachers.length ? { ...ex, teachers } : ex;
  });
}
