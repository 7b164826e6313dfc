// User-chosen (user, item) pairs to explain, from a file: JSON lines {"user": U, "item": I} or CSV
// lines "U,I" (an optional header), ids as in the data set folder (1-based). Each becomes a task-7
// test record in every form (the user's test history: training sequence + validation item; the
// first explanation template), keyed "u<U>-i<I>". f's decision for a pair: yes when the item is in
// f's top posTop share of the items outside the history (the pool task 3's positives come from);
// an item already in the history is a no.
import { readFileSync } from 'node:fs';
import type { Dataset } from '../data/dataset.js';
import { leaveOneOut } from '../data/process.js';
import { DataError, UserError } from '../engine/errors.js';
import type { Recommender } from '../rec/recommender.js';
import { FORMS, recordsFor, type Form, type TaskRecord } from '../tasks/forms.js';
import { rankUnseen, type Source } from '../tasks/generate.js';
import type { Templates } from '../tasks/templates.js';
import { recentHistory } from '../data/text_forms.js';
import type { Decision } from '../facts/decision.js';

export interface Pair {
  user: number;
  item: number;
}

const unknown = (what: 'user' | 'item', v: unknown, n: number) =>
  `unknown ${what} ${JSON.stringify(v ?? null)} (pairs use the data set's ${what} numbers 1..${n}; ${what}_map.tsv maps raw ids to them)`;

export function readPairs(file: string, ds: Dataset): Pair[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: cannot read the pairs file`);
  }
  const out: Pair[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || (i === 0 && /^[a-z_]+\s*,/i.test(line))) return;
    const at = { file, line: i + 1 };
    let user: unknown;
    let item: unknown;
    if (line.startsWith('{')) {
      try {
        ({ user, item } = JSON.parse(line) as { user?: unknown; item?: unknown });
      } catch {
        throw new DataError(at, 'is not valid JSON');
      }
    } else [user, item] = line.split(',').map((s) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : s.trim()));
    if (!Number.isInteger(user) || (user as number) < 1 || (user as number) > ds.sequences.length)
      throw new DataError({ ...at, field: 'user' }, unknown('user', user, ds.sequences.length));
    if (!Number.isInteger(item) || (item as number) < 1 || (item as number) > ds.items.length)
      throw new DataError({ ...at, field: 'item' }, unknown('item', item, ds.items.length));
    out.push({ user: user as number, item: item as number });
  });
  if (out.length === 0) throw new UserError(`${file}: no pairs`);
  return out;
}

/** Task-7 records of the pairs in every form, and f's decision per pair key. */
export function pairRecords(
  pairs: readonly Pair[],
  ds: Dataset,
  rec: Recommender,
  titles: readonly string[],
  templates: Templates,
  maxHistory: number,
  posTop: number,
): { records: Record<Form, TaskRecord[]>; decisions: Map<string, Decision> } {
  const records = { B: [], I: [], H: [] } as Record<Form, TaskRecord[]>;
  const decisions = new Map<string, Decision>();
  const template = { id: 't7.1', text: templates.prompts.t7[0] };
  for (const { user, item } of pairs) {
    const sp = leaveOneOut(ds.sequences[user - 1].items);
    const history = [...sp.train, sp.valid];
    const key = `u${user}-i${item}`;
    const ranked = rankUnseen(rec.scoreAll(history, user - 1), history);
    decisions.set(key, ranked.indexOf(item) >= 0 && ranked.indexOf(item) < Math.max(1, Math.floor(posTop * ranked.length)) ? 'yes' : 'no');
    const src: Source = {
      task: 7,
      split: 'test',
      key,
      user,
      history,
      shown: recentHistory(history, maxHistory),
      candidates: [],
      item,
      attribute: null,
      text: null,
      template,
      response: '',
      answer: [],
    };
    for (const form of FORMS) records[form].push(...recordsFor(src, form, titles));
  }
  return { records, decisions };
}
