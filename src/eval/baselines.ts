// The non-LM baselines, answering from the records' inputs only (the <user> history and the
// <item> candidates of the I-form samples, never the labels):
//   random      uniform titles / orders / coin flips (seeded);
//   popularity  item interaction counts in the training sequences (each user's last item left out);
//   sasrec-kd   a SASRec distilled from f (src/rec/distill.ts), ranking like a recommender.
// Task 3 for the rankers: "yes" when the item is in the ranker's top `posTop` share of the unseen
// items, the share f's positives were drawn from (scores: [1, 0] or [0, 1]).
import type { Dataset } from '../data/dataset.js';
import { Rng } from '../engine/rng.js';
import type { Recommender } from '../rec/recommender.js';
import type { Soft, TaskRecord } from '../tasks/forms.js';
import { renderList } from '../data/text_forms.js';
import type { Method } from './method.js';

type UserSoft = Extract<Soft, { kind: 'user' }>;

function history(r: TaskRecord): number[] {
  const u = r.soft.find((s): s is UserSoft => s.kind === 'user');
  return u ? u.history : [];
}

function candidates(r: TaskRecord): number[] {
  return r.soft.flatMap((s) => (s.kind === 'item' ? [s.item] : []));
}

/** A ranker's answers: best-first catalogue order (history excluded), candidate order, top-share test. */
function rankerMethod(
  name: 'popularity' | 'sasrec-kd',
  titles: readonly string[],
  posTop: number,
  scoreAll: (h: number[]) => ArrayLike<number>,
  recallK?: number,
): Method {
  const nItems = titles.length - 1;
  const ranked = (h: number[]) => {
    const s = scoreAll(h);
    const seen = new Set(h);
    const ids: number[] = [];
    for (let i = 1; i <= nItems; i++) if (!seen.has(i)) ids.push(i);
    return ids.sort((a, b) => s[b] - s[a] || a - b);
  };
  const m: Method = {
    name,
    top5: (rs) =>
      rs.map((r) =>
        ranked(history(r))
          .slice(0, 5)
          .map((i) => titles[i]),
      ),
    rank: (rs) =>
      rs.map((r) => {
        const s = scoreAll(history(r));
        return renderList(
          candidates(r)
            .sort((a, b) => s[b] - s[a] || a - b)
            .map((i) => titles[i]),
        );
      }),
    yesNo: (rs) =>
      rs.map((r) => {
        const order = ranked(history(r));
        const item = candidates(r)[0];
        const yes = order.indexOf(item) < Math.max(1, Math.floor(posTop * order.length));
        return yes ? [1, 0] : [0, 1];
      }),
  };
  if (recallK !== undefined)
    m.recall = (rs) =>
      rs.map(() =>
        renderList(
          ranked([])
            .slice(0, recallK)
            .map((i) => titles[i]),
        ),
      );
  return m;
}

/** Interactions per item id over the sequences without their last (test) item. */
export function popularityCounts(ds: Dataset): Float64Array {
  const counts = new Float64Array(ds.items.length + 1);
  for (const s of ds.sequences) for (const i of s.items.slice(0, -1)) counts[i]++;
  return counts;
}

/** Popularity: the most interacted items (task 6: the K most popular titles as the "history"). */
export function popularityMethod(ds: Dataset, titles: readonly string[], posTop: number, recallK: number): Method {
  const counts = popularityCounts(ds);
  return rankerMethod('popularity', titles, posTop, () => counts, recallK);
}

export function distilledMethod(student: Recommender, titles: readonly string[], posTop: number): Method {
  return rankerMethod('sasrec-kd', titles, posTop, (h) => student.scoreAll(h));
}

/** Random: uniform distinct titles, uniform orders, fair coin flips; task 6 lists recallK random titles. */
export function randomMethod(titles: readonly string[], seed: number, recallK: number): Method {
  const rng = new Rng(seed);
  const nItems = titles.length - 1;
  const distinct = (k: number) => {
    const picked = new Set<number>();
    while (picked.size < Math.min(k, nItems)) picked.add(1 + rng.int(nItems));
    return [...picked].map((i) => titles[i]);
  };
  return {
    name: 'random',
    top5: (rs) => rs.map(() => distinct(5)),
    rank: (rs) => rs.map((r) => renderList(rng.shuffle(candidates(r)).map((i) => titles[i]))),
    yesNo: (rs) => rs.map(() => (rng.int(2) === 0 ? [1, 0] : [0, 1])),
    recall: (rs) => rs.map(() => renderList(distinct(recallK))),
    title: (rs) => rs.map(() => distinct(1)[0]),
  };
}
