// The explanation test cases and their ground truth from f: for every task-7 test pair, the user's
// history, the candidate, f's decision (the pair came from f's top or bottom pool), f's top-3
// leave-one-out contributors among the shown items, the candidate's nearest catalogue item under f,
// and the themes the rule judge looks for.
import type { Item } from '../data/process.js';
import { DataError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';
import type { Recommender } from '../rec/recommender.js';
import type { Soft, TaskRecord } from '../tasks/forms.js';
import { shownContributors } from '../facts/attribution.js';
import { itemNorms, mostSimilar } from '../tasks/generate.js';
import type { Decision } from '../facts/decision.js';
import type { TitleRole } from '../facts/known_words.js';
import { themes } from '../facts/targets.js';

export interface ExplainCase {
  key: string; // "u12-pos": the same pair in every form's file
  user: number;
  history: number[];
  shown: number[]; // the part of the history a B prompt shows
  item: number;
  decision: Decision; // f's
  contributors: number[]; // f's top-3 leave-one-out contributors among the shown items, strongest first
  similar: number[]; // the candidate's nearest catalogue item under f (explanations may cite it)
  itemAttributes: string[];
  historyAttributes: string[];
}

/** What each item a case's texts may cite is to it: f's nearest item, a shown history item, or the candidate (the latter winning). */
export function caseRoles(c: ExplainCase): Map<number, TitleRole> {
  return new Map<number, TitleRole>([
    ...c.similar.map((i): [number, TitleRole] => [i, 'other']),
    ...c.shown.map((i): [number, TitleRole] => [i, 'history']),
    [c.item, 'candidate'],
  ]);
}

/** "t7-test-I-u12-pos" (or "-B-", "-H-", with a variant suffix) → "u12-pos". */
export function pairKey(id: string): string {
  return id.replace(/^t7-(?:train|test)-[BIH]-/, '').replace(/-[BIH]$/, '');
}

/**
 * Cases for the task-7 records of an I-form test file `source` (they carry the full history and the
 * item as soft tokens), at most `limit` (a seeded subset; 0 = all), in file order. f's decision by
 * pair key: by default from the pool the pair was drawn from ("-pos" → yes).
 */
export function explainCases(
  records: readonly TaskRecord[],
  source: string,
  rec: Recommender,
  items: readonly Item[],
  maxShown: number,
  limit: number,
  seed: number,
  decide: (key: string) => Decision = (k) => (k.endsWith('-pos') ? 'yes' : 'no'),
): ExplainCase[] {
  let pairs = records.filter((r) => r.task === 7);
  if (limit > 0 && limit < pairs.length) {
    const keep = new Set(new Rng(seed).shuffle(pairs.map((_, i) => i)).slice(0, limit));
    pairs = pairs.filter((_, i) => keep.has(i));
  }
  const table = rec.itemTable();
  const norms = itemNorms(table, rec.hidden);
  return pairs.map((r) => {
    const user = r.soft.find((s): s is Extract<Soft, { kind: 'user' }> => s.kind === 'user');
    const cand = r.soft.find((s): s is Extract<Soft, { kind: 'item' }> => s.kind === 'item');
    if (!user || !cand)
      throw new DataError(
        { file: source },
        `record ${r.id} is a task-7 record without <user> and <item> soft tokens (not an I-form file?)`,
      );
    const history = user.history;
    const shown = history.slice(-maxShown);
    const contributors = shownContributors(rec, history, shown, cand.item, 3, r.user === null ? undefined : r.user - 1);
    return {
      key: pairKey(r.id),
      user: r.user!,
      history,
      shown,
      item: cand.item,
      decision: decide(pairKey(r.id)),
      contributors,
      similar: mostSimilar(table, rec.hidden, norms, cand.item, 1),
      itemAttributes: themes(items[cand.item - 1]),
      historyAttributes: shown.flatMap((i) => themes(items[i - 1])),
    };
  });
}
