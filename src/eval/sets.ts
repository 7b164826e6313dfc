// The evaluation samples of each form: the test records of tasks 1, 2, 3 and 6, and for task 4 the
// item → title records of the I-form training file (the catalogue is closed: every item is seen in
// training, so title recovery measures what the projector carries). Optionally only a seeded subset
// of users / task-4 items, the same for every form.
import { Rng } from '../engine/rng.js';
import { readTaskRecords, taskFile } from '../tasks/records.js';
import { isTitleRecord, type Form, type TaskRecord } from '../tasks/forms.js';
import type { EvalSets } from './evaluate.js';

export interface SetOptions {
  users: number; // evaluate only this many users (a seeded subset); 0 = all
  task4: number; // item → title samples; 0 = none
  seed: number;
}

/**
 * Users to keep and the task-4 title records, drawn once from the I-form files so every form gets the
 * same; and, read from the same test file, each test user's history as f reads it (its <user> token's).
 */
export function pickSubset(
  tasksDir: string,
  opts: SetOptions,
): { users: Set<number> | null; titles: TaskRecord[]; histories: Map<number, number[]> } {
  const rng = new Rng(opts.seed);
  const test = readTaskRecords(taskFile(tasksDir, 'test', 'I'));
  const histories = new Map<number, number[]>();
  for (const r of test) for (const s of r.soft) if (s.kind === 'user' && s.user !== null) histories.set(s.user, s.history);
  const all = [...new Set(test.flatMap((r) => (r.user === null ? [] : [r.user])))].sort((a, b) => a - b);
  const users = opts.users > 0 && opts.users < all.length ? new Set(rng.shuffle(all).slice(0, opts.users)) : null;
  const titles = readTaskRecords(taskFile(tasksDir, 'train', 'I')).filter(isTitleRecord);
  const keep = new Set(rng.shuffle(titles.map((_, i) => i)).slice(0, opts.task4));
  return { users, titles: titles.filter((_, i) => keep.has(i)), histories };
}

/** The evaluation sets of one form (tasks the form lacks are empty). */
export function evalSets(tasksDir: string, form: Form, subset: ReturnType<typeof pickSubset>): EvalSets {
  const keepUser = (r: TaskRecord) => subset.users === null || (r.user !== null && subset.users.has(r.user));
  const test = readTaskRecords(taskFile(tasksDir, 'test', form)).filter(keepUser);
  const of = (t: number) => test.filter((r) => r.task === t);
  return { 1: of(1), 2: of(2), 3: of(3), 4: form === 'B' ? [] : subset.titles, 6: of(6) };
}
