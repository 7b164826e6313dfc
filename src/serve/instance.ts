// One instance of a request: whose history f reads — a user of the data set (their test-time
// history: training sequence + validation item, as the test tasks use) or a history given as item
// ids, oldest first, or both (the given history for that user) — and the items it names. Unknown
// ids, an empty or over-long history are 422s naming the field; neither user nor history is a 400.
import { leaveOneOut } from '../data/process.js';
import { badRequest, unprocessable } from './http_error.js';
import type { Service } from './service.js';
import { int, ints, type Json } from './validate.js';

export interface Subject {
  user: number | null; // 1-based; null: a history without a user
  history: number[]; // chronological item ids
}

const at = (path: string, key: string) => (path === 'body' ? `"${key}"` : `"${path}.${key}"`);

/** An item id the run knows. */
export function itemId(svc: Service, o: Json, key: string, path: string): number | undefined {
  const v = int(o, key, path);
  if (v === undefined) return undefined;
  const n = svc.ds.items.length;
  if (v < 1 || v > n) throw unprocessable(`${at(path, key)}: unknown item ${v} (this run's items are 1..${n})`);
  return v;
}

/** A list of item ids the run knows. */
export function itemIds(svc: Service, o: Json, key: string, path: string): number[] | undefined {
  const v = ints(o, key, path);
  const n = svc.ds.items.length;
  const bad = v?.findIndex((i) => i < 1 || i > n) ?? -1;
  if (bad >= 0) throw unprocessable(`${at(path, key)}[${bad}]: unknown item ${v![bad]} (this run's items are 1..${n})`);
  return v;
}

/** The subject of instance `o` (fields "user" and "history"); limit bounds a given history and cuts a user's (its latest items kept). */
export function subject(svc: Service, o: Json, path: string, limit: number): Subject {
  const user = int(o, 'user', path);
  const n = svc.ds.sequences.length;
  if (user !== undefined && (user < 1 || user > n))
    throw unprocessable(`${at(path, 'user')}: unknown user ${user} (this run's users are 1..${n})`);
  const history = itemIds(svc, o, 'history', path);
  if (history !== undefined) {
    if (history.length === 0) throw unprocessable(`${at(path, 'history')} is empty: give at least one item id`);
    if (history.length > limit)
      throw unprocessable(`${at(path, 'history')} has ${history.length} items, at most ${limit} (--history-limit)`);
    return { user: user ?? null, history };
  }
  if (user === undefined)
    throw badRequest(`give "user" (a user id) or "history" (item ids, oldest first)${path === 'body' ? '' : ` in ${path}`}`);
  const sp = leaveOneOut(svc.ds.sequences[user - 1].items);
  return { user, history: [...sp.train, sp.valid].slice(-limit) };
}
