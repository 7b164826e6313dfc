// B / I / H renderings of one Source (paper §2.2–2.4): B names everything by title; I puts
// the user behind one <user> soft token and candidate/subject items behind <item> tokens;
// H does both at once. A record's `soft` lists, in order of appearance, what fills each token.
import type { Source, Split, TaskId, Titles } from './generate.js';
import { fillTemplate, SLOT, type Piece, type Slot } from './templates.js';
import { ITEM_TOKEN, LIST_SEP, renderList, USER_TOKEN } from '../data/text_forms.js';

export type Form = 'B' | 'I' | 'H';
export const FORMS: readonly Form[] = ['B', 'I', 'H'];

export type Soft =
  | { token: typeof USER_TOKEN; kind: 'user'; user: number | null; history: number[] } // f's user vector for exactly this history
  | { token: typeof ITEM_TOKEN; kind: 'item'; item: number }; // f's item vector

/** One line of <out>/<split>.<form>.jsonl. */
export interface TaskRecord {
  id: string;
  task: TaskId;
  split: Split;
  form: Form;
  variant?: Form; // H files only: the rendering this sample uses (H training data holds B, I and H)
  user: number | null;
  items: number[]; // ids the sample mentions (by title or by token), prompt first, then response
  template: string | null; // "t1.3"; null for ShareGPT pairs
  prompt: string; // the USER turn
  response: string; // the ASSISTANT turn
  soft: Soft[];
}

/** Whether a record is task 4's title question (ids "…-title", in H files "…-title-<variant>"). */
export function isTitleRecord(r: TaskRecord): boolean {
  return r.task === 4 && /-title(-[BIH])?$/.test(r.id);
}

/**
 * Whether a source has a rendering in a variant. Task 6 (history from the embedding) and
 * task 4's "title" attribute would copy their answer from a prompt that shows titles: I only.
 */
function hasVariant(src: Source, v: Form): boolean {
  if (src.task === 6 || src.attribute?.key === 'title') return v === 'I';
  return true;
}

/**
 * The records a source contributes to the file of one form: B and I files hold their own
 * rendering; an H training file holds the B, I and H renderings, an H test file the H one
 * (the I one where no H exists). Task 5 has no soft tokens and appears once in every file.
 */
export function recordsFor(src: Source, form: Form, titles: Titles): TaskRecord[] {
  if (src.task === 5) return [render(src, form, form, titles)];
  if (form !== 'H') return hasVariant(src, form) ? [render(src, form, form, titles)] : [];
  if (src.split === 'train') return FORMS.filter((v) => hasVariant(src, v)).map((v) => render(src, v, form, titles));
  return [render(src, hasVariant(src, 'H') ? 'H' : 'I', form, titles)];
}

function render(src: Source, variant: Form, form: Form, titles: Titles): TaskRecord {
  const userSoft: Soft = { token: USER_TOKEN, kind: 'user', user: src.user, history: src.history };
  const item = (id: number): Piece<Soft> => {
    const soft: Soft[] = variant === 'B' ? [] : [{ token: ITEM_TOKEN, kind: 'item', item: id }];
    const text = variant === 'B' ? titles[id] : variant === 'I' ? ITEM_TOKEN : `${ITEM_TOKEN} ${titles[id]}`;
    return { text, soft };
  };
  const history = renderList(src.shown.map((i) => titles[i]));
  const values: Partial<Record<Slot, Piece<Soft>>> = {
    [SLOT.user]:
      variant === 'B' ? { text: history, soft: [] } : { text: variant === 'I' ? USER_TOKEN : `${USER_TOKEN} ${history}`, soft: [userSoft] },
    [SLOT.items]: join(src.candidates.map(item)),
    [SLOT.text]: { text: src.text ?? '', soft: [] },
    [SLOT.attribute]: { text: src.attribute?.name ?? '', soft: [] },
  };
  if (src.item !== null) values[SLOT.item] = item(src.item);
  const filled = src.template ? fillTemplate(src.template.text, values) : { text: src.text ?? '', soft: [] };
  const prompted = [...(variant === 'I' ? [] : src.shown), ...src.candidates, ...(src.item === null ? [] : [src.item])];
  return {
    id: `t${src.task}-${src.split}-${form}-${src.key}${variant === form ? '' : `-${variant}`}`,
    task: src.task,
    split: src.split,
    form,
    ...(form === 'H' ? { variant } : {}),
    user: src.user,
    items: [...new Set([...prompted, ...src.answer])],
    template: src.template?.id ?? null,
    prompt: filled.text,
    response: src.response,
    soft: filled.soft,
  };
}

function join(pieces: Piece<Soft>[]): Piece<Soft> {
  return { text: pieces.map((p) => p.text).join(LIST_SEP), soft: pieces.flatMap((p) => p.soft) };
}
