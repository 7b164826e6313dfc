// Our task records → the samples the reference's TrainingDataset4Exp reads (RecAI
// RecExplainer/src/dataset/train_dataset.py): a JSON array per split whose `type` picks the reader.
// The prompt stays ours, filled into a template of "{0}" (two-part types: "{0}{1}" with an empty
// second part); "<user>" and "<item>" stay in the text as the reference's placeholder tokens. A
// sample without placeholders is a ShareGPT conversation (the reference's plain-text reader);
// otherwise the placeholders pick the type: <user> alone → uid2next / uid2hist / uid2summary (task 6),
// <user> + one <item> → uidiid2binary (`target`), <user> + several → uidiid2rank (`topk`, in the
// order of the <item> tokens), one <item> alone → iid2title / iid2sim / iid2feature (`iid`). `uid`
// is not a user id but a row of the exported user table: one per distinct history (HistoryTable),
// written to the sequential file with `iid` −1 so the reference reads that whole line as the history.
import { DataError } from '../../engine/errors.js';
import type { TaskRecord } from '../../tasks/forms.js';
import type { SplitCounts } from './manifest.js';

export const DATA_DIR = 'data';
export const TRAIN_FILE = 'train.json';
export const VALID_FILE = 'valid.json';
export const SEQUENTIAL_FILE = 'sequential_data.txt';

const USER = '<user>';
const ITEM = '<item>';
const ONE_PART = { USER: '{0}', ASSISTANT: '{0}' };
const TWO_PARTS = { USER: '{0}{1}', ASSISTANT: '{0}' };

type Template = typeof ONE_PART | typeof TWO_PARTS;
interface Common {
  id: string; // our record id (the reference ignores it)
  task: number;
}
export type ReferenceSample = Common &
  (
    | { type: 'sharegpt'; conversations: [{ from: 'human'; value: string }, { from: 'gpt'; value: string }] }
    | { type: 'iid2title' | 'iid2sim' | 'iid2feature'; iid: number; question: string; answer: string; template: Template }
    | { type: 'uid2next' | 'uid2hist' | 'uid2summary'; uid: number; iid: -1; question: string; answer: string; template: Template }
    | { type: 'uidiid2binary'; uid: number; iid: -1; target: number; question: [string, string]; answer: string; template: Template }
    | { type: 'uidiid2rank'; uid: number; iid: -1; topk: number[]; question: [string, string]; answer: string; template: Template }
  );

/** Distinct histories → rows 1..n of the exported user table (row 0 is the reference's padding). */
export class HistoryTable {
  private readonly ids = new Map<string, number>();
  readonly rows: number[][] = []; // rows[id − 1]

  id(history: readonly number[]): number {
    const key = history.join(',');
    let id = this.ids.get(key);
    if (id === undefined) {
      this.rows.push([...history]);
      this.ids.set(key, (id = this.rows.length));
    }
    return id;
  }

  /** The reference's sequential file: "uid item item …" per row. */
  sequentialFile(): string {
    return this.rows.map((h, i) => [i + 1, ...h].join(' ') + '\n').join('');
  }
}

const occurrences = (text: string, token: string): number => text.split(token).length - 1;

/** Task 4's attribute, from its record id ("t4-train-I-i12-title", an H file's other renderings ending in "-B"/"-I"). */
function itemType(r: TaskRecord): 'iid2title' | 'iid2sim' | 'iid2feature' {
  const attribute = /^t4-\w+-[BIH]-i\d+-(.+?)(?:-[BIH])?$/.exec(r.id)?.[1];
  return attribute === 'title' ? 'iid2title' : attribute === 'similar' ? 'iid2sim' : 'iid2feature';
}

/** One record as a reference sample; `source` names the task file in errors. */
export function referenceSample(r: TaskRecord, histories: HistoryTable, source: string): ReferenceSample {
  const at = (field: string) => ({ file: source, field: `${r.id}.${field}` });
  const users = r.soft.flatMap((s) => (s.kind === 'user' ? [s] : []));
  const items = r.soft.flatMap((s) => (s.kind === 'item' ? [s.item] : []));
  if (occurrences(r.prompt, USER) !== users.length || occurrences(r.prompt, ITEM) !== items.length)
    throw new DataError(
      at('prompt'),
      `holds ${occurrences(r.prompt, USER)} <user> and ${occurrences(r.prompt, ITEM)} <item>, the record lists ${users.length} and ${items.length}`,
    );
  if (occurrences(r.response, USER) + occurrences(r.response, ITEM) > 0)
    throw new DataError(at('response'), 'holds a <user> or <item> token, which the reference would fill as an input');
  const common = { id: r.id, task: r.task };
  if (r.soft.length === 0) {
    if (r.prompt === '' || r.response === '')
      throw new DataError(at(r.prompt === '' ? 'prompt' : 'response'), 'is empty (the reference refuses an empty turn)');
    return {
      ...common,
      type: 'sharegpt',
      conversations: [
        { from: 'human', value: r.prompt },
        { from: 'gpt', value: r.response },
      ],
    };
  }
  const text = { answer: r.response };
  if (users.length === 0) {
    if (items.length !== 1)
      throw new DataError(at('soft'), `${items.length} <item> tokens without a <user>: no reference sample type carries them`);
    return { ...common, type: itemType(r), iid: items[0], question: r.prompt, ...text, template: ONE_PART };
  }
  if (users.length > 1) throw new DataError(at('soft'), `${users.length} <user> tokens: the reference fills one per sample`);
  const uid = histories.id(users[0].history);
  if (items.length === 0) {
    const type = r.task !== 6 ? 'uid2next' : r.template?.startsWith('t6s') ? 'uid2summary' : 'uid2hist';
    return { ...common, type, uid, iid: -1, question: r.prompt, ...text, template: ONE_PART };
  }
  const question: [string, string] = [r.prompt, ''];
  if (items.length === 1)
    return { ...common, type: 'uidiid2binary', uid, iid: -1, target: items[0], question, ...text, template: TWO_PARTS };
  return { ...common, type: 'uidiid2rank', uid, iid: -1, topk: items, question, ...text, template: TWO_PARTS };
}

/** Samples per task and per reference type. */
export function splitCounts(samples: readonly ReferenceSample[]): SplitCounts {
  const byTask: Record<string, number> = {};
  const byType: Record<string, number> = {};
  for (const s of samples) {
    byTask[s.task] = (byTask[s.task] ?? 0) + 1;
    byType[s.type] = (byType[s.type] ?? 0) + 1;
  }
  return { entries: samples.length, by_task: byTask, by_type: byType };
}

/** A JSON array, one sample a line (what the reference's json.load reads). */
export function samplesJson(samples: readonly ReferenceSample[]): string {
  return samples.length ? `[\n${samples.map((s) => JSON.stringify(s)).join(',\n')}\n]\n` : '[]\n';
}
