// Leave-one-out (counterfactual) attribution of f's score for (history, item): the effect of
// history position j is f(history, item) − f(history without position j, item), all histories
// embedded in one batch. A history item with a large positive effect is one f relied on. It needs
// f on edited histories: an f that is a fixed user table (readsHistory false) has none, and asking
// is a one-line UserError (NO_ATTRIBUTION) that callers check first and report as skipped.
import { UserError } from '../engine/errors.js';
import type { Recommender } from '../rec/recommender.js';
import { NO_HISTORY_MODEL } from '../rec/table_tower.js';

/** What attribution needs of f (a Recommender has it). */
export type Scorer = Pick<Recommender, 'userVectors' | 'itemVector' | 'readsHistory'>;

/** Why attribution is skipped for an f that does not read histories. */
export const NO_ATTRIBUTION = `leave-one-out attribution skipped: ${NO_HISTORY_MODEL}`;

export interface Contribution {
  item: number; // the history item's id
  position: number; // its 0-based position in the history (oldest first)
  effect: number; // f(history, item) − f(history without this position, item)
}

/**
 * The leave-one-out effect of every history position on f's score of `item`, largest effect
 * first (ties: the more recent position first). One entry per position: an item id that occurs
 * twice gets two entries, each removing only the occurrence at its own position. f sees the
 * same history window as when it scores: SASRec keeps the last maxLen items, so items older
 * than that have effect 0, and removing one inside it brings the next older item in. For MF,
 * whose user vector ignores the history, every effect is 0. `user` (0-based) goes with every row
 * (MF and an ONNX tower with a user input read it). Throws a UserError for an empty history, an
 * unknown id, or an f that does not read histories (NO_ATTRIBUTION).
 */
export function leaveOneOut(rec: Scorer, history: readonly number[], item: number, user?: number): Contribution[] {
  if (!rec.readsHistory) throw new UserError(NO_ATTRIBUTION);
  if (history.length === 0) throw new UserError('leave-one-out attribution needs a non-empty history');
  const v = rec.itemVector(item);
  const d = v.length;
  const rows = [history, ...history.map((_, j) => [...history.slice(0, j), ...history.slice(j + 1)])];
  const u = rec.userVectors(rows, user === undefined ? undefined : rows.map(() => user));
  const score = (row: number): number => {
    let s = 0;
    for (let c = 0; c < d; c++) s += u[row * d + c] * v[c];
    return s;
  };
  const full = score(0);
  const out = history.map((h, j) => ({ item: h, position: j, effect: full - score(j + 1) }));
  return out.sort((a, b) => b.effect - a.effect || b.position - a.position);
}

/**
 * f's k strongest contributors to its score of `item`: distinct item ids in leaveOneOut order
 * (an id that occurs twice ranks by its larger effect). Fewer than k when the history has fewer
 * distinct items. k must be a non-negative integer.
 */
export function topContributors(rec: Scorer, history: readonly number[], item: number, k: number, user?: number): number[] {
  if (!Number.isInteger(k) || k < 0) throw new UserError(`k must be a non-negative integer, got ${k}`);
  const ids = new Set<number>();
  for (const c of leaveOneOut(rec, history, item, user)) {
    if (ids.size === k) break;
    ids.add(c.item);
  }
  return [...ids];
}

/** Attribution is searched among the last LOO_WINDOW history items (SASRec reads only its last maxLen). */
const LOO_WINDOW = 50;

/**
 * The leave-one-out effect of each distinct `shown` item (the part of the history a prompt names)
 * on f's score of `item`, strongest first (an id that occurs twice: its larger effect); `user` is
 * 0-based. Shown items older than the search window are absent.
 */
export function shownEffects(
  rec: Scorer,
  history: readonly number[],
  shown: readonly number[],
  item: number,
  user?: number,
): Map<number, number> {
  const inShown = new Set(shown);
  const out = new Map<number, number>();
  for (const c of leaveOneOut(rec, history.slice(-LOO_WINDOW), item, user))
    if (inShown.has(c.item) && !out.has(c.item)) out.set(c.item, c.effect);
  return out;
}

/**
 * f's k strongest contributors to its score of `item` among the `shown` items, strongest first
 * (shownEffects' order); with `titles` (by item id), one item per title, the strongest bearing it (a
 * text that cites two items of one title names them the same way).
 */
export function shownContributors(
  rec: Scorer,
  history: readonly number[],
  shown: readonly number[],
  item: number,
  k: number,
  user?: number,
  titles?: readonly string[],
): number[] {
  const ids = [...shownEffects(rec, history, shown, item, user).keys()];
  const seen = new Set<string>();
  return (titles ? ids.filter((i) => !seen.has(titles[i]) && seen.add(titles[i])) : ids).slice(0, k);
}
