// The task records a request's instance becomes, in any form: task 1 (f's next item), task 2 (order
// these candidates) and task 7 (explain f's decision on an item), each with the first template of
// its task in the run's template file, rendered by the same code as the test files (tasks/forms.ts).
// A history without a user is user ANON (0) in the records, which keys its grounding (service.ts).
import { recentHistory } from '../data/text_forms.js';
import { recordsFor, type Form, type TaskRecord } from '../tasks/forms.js';
import type { Source, TaskId } from '../tasks/generate.js';
import type { Subject } from './instance.js';
import type { Service } from './service.js';

export const ANON = 0;

const TEMPLATE = { 1: 't1', 2: 't2', 7: 't7' } as const;

/** The test record of `task` for the instance in `form`; `key` tells the instances of one request apart. */
export function record(
  svc: Service,
  task: 1 | 2 | 7,
  form: Form,
  key: string,
  s: Subject,
  what: { item?: number; candidates?: readonly number[] },
): TaskRecord {
  const name = TEMPLATE[task];
  const src: Source = {
    task: task as TaskId,
    split: 'test',
    key,
    user: s.user ?? ANON,
    history: s.history,
    shown: recentHistory(s.history, svc.maxHistory),
    candidates: [...(what.candidates ?? [])],
    item: what.item ?? null,
    attribute: null,
    text: null,
    template: { id: `${name}.1`, text: svc.templates.prompts[name][0] },
    response: '',
    answer: [],
  };
  return recordsFor(src, form, svc.titles)[0];
}
