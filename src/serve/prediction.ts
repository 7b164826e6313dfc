// f's side of an instance: its score of the item, the item's rank among the items outside the
// history, its decision (yes when the item is in f's top posTop share of them, as task 3 and
// `explain --pairs` decide; an item of the history is a no), and its strongest leave-one-out
// contributors (none, and `skipped` says why, for an f with no history model); and f's top-k and
// its order of a few candidates.
import { leaveOneOut, NO_ATTRIBUTION } from '../facts/attribution.js';
import type { Decision } from '../facts/decision.js';
import { rankUnseen } from '../tasks/generate.js';
import type { Subject } from './instance.js';
import type { Service } from './service.js';

export interface Scored {
  item: number;
  title: string;
  score: number;
}

export interface Contributor {
  item: number;
  title: string;
  effect: number; // f(history, item) − f(history without it, item)
  shown: boolean; // among the last maxHistory items, the ones a prompt names
}

export interface Prediction {
  user: number | null;
  history: number[];
  item: number;
  title: string;
  score: number;
  rank: number | null; // 1 = f's best item outside the history; null for an item of the history
  of: number; // items outside the history
  decision: Decision;
  contributors: Contributor[]; // strongest first, distinct items
  skipped?: string; // why there are no contributors (f is a fixed user table)
}

const CONTRIBUTORS = 5;

function scores(svc: Service, s: Subject): Float32Array {
  return svc.rec.scoreAll(s.history, s.user === null ? undefined : s.user - 1);
}

export function predict(svc: Service, s: Subject, item: number): Prediction {
  const all = scores(svc, s);
  const ranked = rankUnseen(all, s.history);
  const at = ranked.indexOf(item);
  const pool = Math.max(1, Math.floor(svc.posTop * ranked.length));
  const shown = new Set(s.history.slice(-svc.maxHistory));
  const contributors: Contributor[] = [];
  const user = s.user === null ? undefined : s.user - 1;
  for (const c of svc.rec.readsHistory ? leaveOneOut(svc.rec, s.history, item, user) : []) {
    if (contributors.length === CONTRIBUTORS) break;
    if (contributors.some((x) => x.item === c.item)) continue;
    contributors.push({ item: c.item, title: svc.titles[c.item], effect: c.effect, shown: shown.has(c.item) });
  }
  return {
    user: s.user,
    history: s.history,
    item,
    title: svc.titles[item],
    score: all[item],
    rank: at >= 0 ? at + 1 : null,
    of: ranked.length,
    decision: at >= 0 && at < pool ? 'yes' : 'no',
    contributors,
    ...(svc.rec.readsHistory ? {} : { skipped: NO_ATTRIBUTION }),
  };
}

/** f's k best items outside the history. */
export function topK(svc: Service, s: Subject, k: number): Scored[] {
  const all = scores(svc, s);
  return rankUnseen(all, s.history)
    .slice(0, k)
    .map((item) => ({ item, title: svc.titles[item], score: all[item] }));
}

/** The candidates in f's order, best first (ties: lower id first). */
export function order(svc: Service, s: Subject, items: readonly number[]): Scored[] {
  const all = scores(svc, s);
  return [...items].sort((a, b) => all[b] - all[a] || a - b).map((item) => ({ item, title: svc.titles[item], score: all[item] }));
}
