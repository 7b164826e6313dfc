// Raw log → canonical sequences, as the paper's Appendix B and its reference code do:
// drop items without a title → order each user's events by time (ties: input order) → keep
// the first of duplicate (user, item) events → top-N items → seeded user sample → k-core to
// a fixpoint → drop users with < 3 events → remap ids to 1..N (in order of first appearance).
// With sampleAfterKcore the user sample is drawn from the k-core instead (and not filtered again).
import { Rng } from '../engine/rng.js';
import type { ItemMeta, RawLog } from './rawlog.js';

export interface ProcessConfig {
  topItems: number; // keep the N most frequent items; 0 = all
  users: number; // sample N users (seeded); 0 = all
  kcore: number; // users and items with fewer than k events removed, repeatedly; 0/1 = off
  sampleAfterKcore?: boolean; // draw the user sample from the k-core (default: before it)
  seed: number;
}

/** Fewest events a user needs for a leave-one-out split (train ≥ 1, valid, test). */
export const MIN_SEQUENCE = 3;

export interface Sequence {
  user: number; // 1-based
  items: number[]; // 1-based item ids, chronological
  times: number[]; // same length
}

export interface Item {
  id: number; // 1-based
  title: string;
  meta: ItemMeta;
}

export interface Processed {
  sequences: Sequence[];
  items: Item[]; // items[i].id === i + 1
  userRaw: string[]; // userRaw[u - 1] = raw id of user u
  itemRaw: string[]; // itemRaw[i - 1] = raw id of item i
  raw: { users: number; items: number; interactions: number };
  skipped: Record<string, number>; // bad or unusable input
  filtered: Record<string, number>; // removed by a requested filter
}

type UserEvents = number[]; // indices into the raw event columns

export function processLog(log: RawLog, cfg: ProcessConfig): Processed {
  const { users, items, times } = log.columns();
  const raw = { users: log.userIds.length, items: log.itemIds.length, interactions: log.size };
  const skipped: Record<string, number> = { ...log.skipped };
  const filtered: Record<string, number> = {};
  const add = (rec: Record<string, number>, k: string, n: number) => {
    if (n > 0) rec[k] = (rec[k] ?? 0) + n;
  };

  // 1. items without a title (or without any metadata record) are unusable
  const titled = new Uint8Array(raw.items);
  for (let i = 0; i < raw.items; i++) {
    const rec = log.item(i);
    if (!rec) add(skipped, 'items_missing_from_metadata', 1);
    else if (!rec.title) add(skipped, 'items_without_title', 1);
    else titled[i] = 1;
  }
  const byUser: UserEvents[] = Array.from({ length: raw.users }, () => []);
  let noTitle = 0;
  for (let e = 0; e < raw.interactions; e++) {
    if (titled[items[e]]) byUser[users[e]].push(e);
    else noTitle++;
  }
  add(skipped, 'events_on_items_without_title', noTitle);

  // 2. chronological order with input order as tie-break, then first (user, item) wins
  let dups = 0;
  for (let u = 0; u < byUser.length; u++) {
    const ev = byUser[u];
    ev.sort((a, b) => times[a] - times[b] || a - b);
    const seen = new Set<number>();
    const kept = ev.filter((e) => (seen.has(items[e]) ? false : (seen.add(items[e]), true)));
    dups += ev.length - kept.length;
    byUser[u] = kept;
  }
  add(skipped, 'duplicate_events', dups);

  // 3. top-N most frequent items (ties: first appearance)
  if (cfg.topItems > 0) {
    const freq = new Int32Array(raw.items);
    for (const ev of byUser) for (const e of ev) freq[items[e]]++;
    const order = Array.from({ length: raw.items }, (_, i) => i)
      .filter((i) => freq[i] > 0)
      .sort((a, b) => freq[b] - freq[a] || a - b);
    if (order.length > cfg.topItems) {
      const keep = new Uint8Array(raw.items);
      for (const i of order.slice(0, cfg.topItems)) keep[i] = 1;
      let dropped = 0;
      for (let u = 0; u < byUser.length; u++) {
        const before = byUser[u].length;
        byUser[u] = byUser[u].filter((e) => keep[items[e]]);
        dropped += before - byUser[u].length;
      }
      add(filtered, 'events_outside_top_items', dropped);
    }
  }

  // 4. seeded sample of users (among those with any event left)
  const sample = () => {
    const alive = byUser.map((ev, u) => (ev.length > 0 ? u : -1)).filter((u) => u >= 0);
    if (cfg.users <= 0 || alive.length <= cfg.users) return;
    const pick = new Rng(cfg.seed).sampleIndices(alive.length, cfg.users);
    add(filtered, 'users_not_sampled', alive.length - pick.length);
    const chosen = new Set(pick.map((i) => alive[i]));
    for (const u of alive) if (!chosen.has(u)) byUser[u] = [];
  };
  if (!cfg.sampleAfterKcore) sample();

  // 5. k-core fixpoint, with MIN_SEQUENCE as a floor for users
  kcore(byUser, items, raw.items, cfg.kcore, filtered, skipped);
  if (cfg.sampleAfterKcore) sample();

  // 6. remap to 1..N in order of first appearance in the input
  const itemNew = new Int32Array(raw.items);
  const used: number[] = [];
  for (const ev of byUser) for (const e of ev) used[items[e]] = 1;
  const items1: Item[] = [];
  const itemRaw: string[] = [];
  for (let i = 0; i < raw.items; i++) {
    if (!used[i]) continue;
    itemNew[i] = items1.length + 1;
    const rec = log.item(i)!;
    items1.push({ id: itemNew[i], title: rec.title!, meta: rec.meta });
    itemRaw.push(log.itemIds[i]);
  }
  const sequences: Sequence[] = [];
  const userRaw: string[] = [];
  for (let u = 0; u < byUser.length; u++) {
    const ev = byUser[u];
    if (ev.length === 0) continue;
    sequences.push({ user: sequences.length + 1, items: ev.map((e) => itemNew[items[e]]), times: ev.map((e) => times[e]) });
    userRaw.push(log.userIds[u]);
  }
  return { sequences, items: items1, userRaw, itemRaw, raw, skipped, filtered };
}

/**
 * Removes, until nothing changes, items with fewer than k users and users with fewer than
 * max(k, MIN_SEQUENCE) events. Mutates byUser (removed users get []).
 */
export function kcore(
  byUser: number[][],
  items: ArrayLike<number>,
  nItems: number,
  k: number,
  filtered: Record<string, number>,
  skipped: Record<string, number>,
): void {
  const userMin = Math.max(k, MIN_SEQUENCE);
  const deg = new Int32Array(nItems);
  let removedEvents = 0;
  for (;;) {
    deg.fill(0);
    for (const ev of byUser) for (const e of ev) deg[items[e]]++;
    let changed = false;
    for (let u = 0; u < byUser.length; u++) {
      const ev = byUser[u];
      if (ev.length === 0) continue;
      const kept = k > 1 ? ev.filter((e) => deg[items[e]] >= k) : ev;
      if (kept.length >= userMin) {
        if (kept.length !== ev.length) {
          removedEvents += ev.length - kept.length;
          byUser[u] = kept;
          changed = true;
        }
        continue;
      }
      const reason = kept.length >= k ? 'users_fewer_than_3_events' : 'kcore_removed_users';
      const rec = reason === 'users_fewer_than_3_events' ? skipped : filtered;
      rec[reason] = (rec[reason] ?? 0) + 1;
      removedEvents += ev.length;
      byUser[u] = [];
      changed = true;
    }
    if (!changed) break;
  }
  if (removedEvents > 0) filtered.kcore_removed_events = (filtered.kcore_removed_events ?? 0) + removedEvents;
}

/** Leave-one-out split of one chronological sequence. */
export function leaveOneOut(items: readonly number[]): { train: number[]; valid: number; test: number } {
  if (items.length < MIN_SEQUENCE) throw new RangeError(`leaveOneOut: need ≥ ${MIN_SEQUENCE} items, got ${items.length}`);
  const n = items.length;
  return { train: items.slice(0, n - 2), valid: items[n - 2], test: items[n - 1] };
}
