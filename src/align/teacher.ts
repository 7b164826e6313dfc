// f's preference over the catalogue as a training target for an item-token model: for a sample
// that shows f's user vector, the softmax of f's scores of every item (Recommender.scoreVector) at
// a temperature, over the items an answer may name (the shown history excluded, as f's own top-k
// excludes it). Fitting the item-token head to it (the `distill` term of trainLm) at a task-1
// answer — and optionally right after every <user> token — passes on f's whole ranking, not only
// its top item, as the sasrec-kd baseline is distilled. With `cites`, an explanation (task 7) that
// shows f's user vector and the candidate's item vector is also fitted, at each history title it
// cites in f's order, to the softmax of f's leave-one-out effects of the shown items not yet cited.
import { recentHistory } from '../data/text_forms.js';
import { shownEffects } from '../facts/attribution.js';
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
 * Over n items, the softmax of standardised effects (effect / their standard deviation, or 0 when
 * they are all equal) at τ for the items of `effects` not in `cited`, 0 elsewhere → [n], index
 * i − 1 = item i.
 */
export function citationProbs(effects: ReadonlyMap<number, number>, cited: ReadonlySet<number>, n: number, tau: number): Float32Array {
  const all = [...effects.values()];
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const sd = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
  const open = [...effects].filter(([i]) => !cited.has(i));
  if (open.length === 0) throw new RangeError('citationProbs: every item is cited');
  const z = open.map(([, e]) => (sd > 0 ? (e - mean) / sd : 0) / tau);
  const max = Math.max(...z);
  const w = z.map((v) => Math.exp(v - max));
  const sum = w.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n);
  open.forEach(([i], k) => (out[i - 1] = w[k] / sum));
  return out;
}

/**
 * Where an explanation's history citations follow f: the trained item tokens of shown items, each
 * kept when it is the strongest of the shown items not cited before it (effects in shownEffects'
 * order), with the items cited before it. itemFirst: the id of item 1's token.
 */
function citationsInOrder(ex: LmExample, effects: ReadonlyMap<number, number>, itemFirst: number): { at: number; cited: Set<number> }[] {
  const order = [...effects.keys()];
  const cited = new Set<number>();
  const out: { at: number; cited: Set<number> }[] = [];
  ex.ids.forEach((id, t) => {
    const item = id - itemFirst + 1;
    if (id < itemFirst || !(ex.lossMask ? ex.lossMask[t] : t > 0) || !effects.has(item) || cited.has(item)) return;
    if (order.find((i) => !cited.has(i)) === item) out.push({ at: t, cited: new Set(cited) });
    cited.add(item);
  });
  return out;
}

export interface TeacherOptions {
  tau: number; // τ of f's softmax over the catalogue
  users?: boolean; // also right after every <user> token
  cites?: { tau: number; maxHistory: number }; // explanations' history citations: τ of citationProbs, the history a prompt shows
}

/**
 * The examples with their teachers: at a task-1 answer's first item token, and with `users` also
 * after every <user> token (the state that holds f's user vector then predicts f's preference, on
 * every sample that shows one); with `cites`, at an explanation's history citations in f's
 * order (citationProbs at its τ; the effects are computed here, the probabilities when a batch is
 * packed); the rest as they are. itemFirst: the id of item 1's token.
 */
export function withTeachers(
  records: readonly TaskRecord[],
  examples: readonly LmExample[],
  vectors: SoftVectors,
  itemFirst: number,
  opts: TeacherOptions,
): LmExample[] {
  const { tau, users = false, cites: citing } = opts;
  const n = vectors.rec.nItems;
  return examples.map((ex, i) => {
    const r = records[i];
    const user = r.soft.find((s) => s.kind === 'user');
    if (!user || user.kind !== 'user') return ex;
    const at = users ? (ex.soft ?? []).flatMap((s) => (s.kind === 'user' && s.pos + 1 < ex.ids.length ? [s.pos + 1] : [])) : [];
    const answer = r.task === 1 ? ex.ids.findIndex((id, t) => id >= itemFirst && (ex.lossMask ? ex.lossMask[t] : t > 0)) : -1;
    if (answer >= 1) at.push(answer);
    const candidate = r.task === 7 && citing ? r.soft.find((s) => s.kind === 'item') : undefined;
    const effects =
      candidate?.kind === 'item'
        ? shownEffects(
            vectors.rec,
            user.history,
            recentHistory(user.history, citing!.maxHistory),
            candidate.item,
            user.user === null ? undefined : user.user - 1,
          )
        : undefined;
    const cites = effects && effects.size > 1 ? citationsInOrder(ex, effects, itemFirst) : [];
    if (at.length === 0 && cites.length === 0) return ex;
    const preference = () => teacherProbs(vectors.rec.scoreVector(vectors.vector(user)), user.history, tau);
    if (cites.length === 0) return { ...ex, teacher: { at, probs: preference } };
    const probs = () => {
      const p = at.length > 0 ? preference() : undefined;
      const rows = [...at.map(() => p!), ...cites.map((c) => citationProbs(effects!, c.cited, n, citing!.tau))];
      const flat = new Float32Array(rows.length * n);
      rows.forEach((row, k) => flat.set(row, k * n));
      return flat;
    };
    return { ...ex, teacher: { at: [...at, ...cites.map((c) => c.at)], probs } };
  });
}
