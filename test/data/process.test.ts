// Processing rules: title filter, tie-break, dedupe, top-N, seeded sampling, k-core fixpoint, split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawLog } from '../../src/data/rawlog.js';
import { kcore, leaveOneOut, processLog, type ProcessConfig } from '../../src/data/process.js';

const ALL: ProcessConfig = { topItems: 0, users: 0, kcore: 0, seed: 1 };

/** events: [user, item, time]; every item gets a title unless listed in untitled. */
function logOf(events: [string, string, number][], untitled: string[] = []): RawLog {
  const log = new RawLog();
  for (const [u, i, t] of events) log.addEvent(u, i, t);
  for (const id of log.itemIds) log.setItem(id, untitled.includes(id) ? undefined : `Title ${id}`, {});
  return log;
}

test('same-time events keep input order; earlier times come first', () => {
  const log = logOf([
    ['u', 'c', 20],
    ['u', 'b', 10],
    ['u', 'a', 10],
    ['u', 'd', 5],
  ]);
  const p = processLog(log, ALL);
  const titles = p.sequences[0].items.map((i) => p.items[i - 1].title);
  assert.deepEqual(titles, ['Title d', 'Title b', 'Title a', 'Title c']);
  assert.deepEqual(p.sequences[0].times, [5, 10, 10, 20]);
});

test('duplicate (user, item) events: the chronologically first is kept and counted', () => {
  const log = logOf([
    ['u', 'a', 30],
    ['u', 'b', 10],
    ['u', 'a', 5],
    ['u', 'c', 40],
  ]);
  const p = processLog(log, ALL);
  assert.deepEqual(p.sequences[0].times, [5, 10, 40]);
  assert.equal(p.skipped.duplicate_events, 1);
});

test('items without a title are dropped with their events, and counted', () => {
  const log = logOf(
    [
      ['u', 'a', 1],
      ['u', 'x', 2],
      ['u', 'b', 3],
      ['u', 'c', 4],
    ],
    ['x'],
  );
  const p = processLog(log, ALL);
  assert.equal(p.items.length, 3);
  assert.ok(p.items.every((i) => i.title.startsWith('Title')));
  assert.equal(p.skipped.items_without_title, 1);
  assert.equal(p.skipped.events_on_items_without_title, 1);
});

test('users left with fewer than 3 events are skipped and counted', () => {
  const log = logOf([
    ['u1', 'a', 1],
    ['u1', 'b', 2],
    ['u2', 'a', 1],
    ['u2', 'b', 2],
    ['u2', 'c', 3],
  ]);
  const p = processLog(log, ALL);
  assert.equal(p.sequences.length, 1);
  assert.equal(p.userRaw[0], 'u2');
  assert.equal(p.skipped.users_fewer_than_3_events, 1);
});

test('k-core reaches a fixpoint: removing a user can push an item under k', () => {
  // 3-core. a, b, c are shared by u1..u3; d by u1, u2, u4; u4 also has e and f (1 user each).
  // Pass 1 removes e, f and so u4 (1 event left); only then d drops to 2 users and goes in pass 2.
  const ev: [string, string, number][] = [];
  let t = 0;
  for (const u of ['u1', 'u2', 'u3']) for (const i of ['a', 'b', 'c']) ev.push([u, i, t++]);
  ev.push(['u1', 'd', t++], ['u2', 'd', t++], ['u4', 'd', t++], ['u4', 'e', t++], ['u4', 'f', t++]);
  const p = processLog(logOf(ev), { ...ALL, kcore: 3 });
  assert.deepEqual(p.userRaw, ['u1', 'u2', 'u3']);
  assert.deepEqual(p.itemRaw, ['a', 'b', 'c']);
  assert.equal(p.filtered.kcore_removed_users, 1);
  const deg = new Map<number, number>();
  for (const s of p.sequences) for (const i of s.items) deg.set(i, (deg.get(i) ?? 0) + 1);
  assert.ok([...deg.values()].every((d) => d >= 3));
});

test('kcore() with k below 3 still enforces 3 events per user', () => {
  // 2-core with the floor of 3 events per user. Event e has item items[e].
  // u0 has 2 events (< 3) → goes; u1 loses item 2 (1 user) → 2 events → goes.
  const items = [0, 1, 0, 1, 2, 0, 3, 4, 0, 3, 4];
  const byUser = [
    [0, 1],
    [2, 3, 4],
    [5, 6, 7],
    [8, 9, 10],
  ];
  const filtered: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  kcore(byUser, items, 5, 2, filtered, skipped);
  assert.deepEqual(byUser, [[], [], [5, 6, 7], [8, 9, 10]]);
  assert.equal(skipped.users_fewer_than_3_events, 2);
});

test('top-N keeps the most frequent items', () => {
  const ev: [string, string, number][] = [];
  // popularity: a 5 users, b 4, c 3, d 2, e 1
  const owners: Record<string, string[]> = {
    a: ['1', '2', '3', '4', '5'],
    b: ['1', '2', '3', '4'],
    c: ['1', '2', '3'],
    d: ['1', '2'],
    e: ['1'],
  };
  let t = 0;
  for (const [item, us] of Object.entries(owners)) for (const u of us) ev.push([u, item, t++]);
  const p = processLog(logOf(ev), { ...ALL, topItems: 3 });
  assert.deepEqual(p.itemRaw, ['a', 'b', 'c']);
  assert.deepEqual(p.userRaw, ['1', '2', '3']);
  assert.equal(p.filtered.events_outside_top_items, 3);
});

test('user sampling: same seed gives the same users, another seed other users', () => {
  const ev: [string, string, number][] = [];
  for (let u = 0; u < 50; u++) for (const i of ['a', 'b', 'c']) ev.push([`u${u}`, i, u]);
  const pick = (seed: number) => processLog(logOf(ev), { ...ALL, users: 10, seed }).userRaw;
  assert.deepEqual(pick(7), pick(7));
  assert.equal(pick(7).length, 10);
  assert.notDeepEqual(pick(7), pick(8));
  assert.equal(processLog(logOf(ev), { ...ALL, users: 10, seed: 7 }).filtered.users_not_sampled, 40);
});

test('sampling after the k-core keeps exactly N users of the core; sampling before lets the core shrink them', () => {
  // 40 users with 3 events on the common items a, b, c; 60 users with 3 events on items of their own
  const ev: [string, string, number][] = [];
  for (let u = 0; u < 40; u++) for (const i of ['a', 'b', 'c']) ev.push([`c${u}`, i, u]);
  for (let u = 0; u < 60; u++) for (const i of ['x', 'y', 'z']) ev.push([`s${u}`, `${i}${u}`, u]);
  const before = processLog(logOf(ev), { ...ALL, kcore: 3, users: 20, seed: 3 });
  const after = processLog(logOf(ev), { ...ALL, kcore: 3, users: 20, seed: 3, sampleAfterKcore: true });
  assert.equal(after.userRaw.length, 20);
  assert.ok(
    after.userRaw.every((u) => u.startsWith('c')),
    'every sampled user is in the core',
  );
  assert.equal(after.filtered.users_not_sampled, 20);
  assert.ok(before.userRaw.length < 20, `${before.userRaw.length} users: the sample included users outside the core`);
});

test('ids are remapped to 1..N in order of first appearance', () => {
  const log = logOf([
    ['z', 'q', 1],
    ['z', 'p', 2],
    ['z', 'r', 3],
    ['y', 'p', 1],
    ['y', 'q', 2],
    ['y', 'r', 3],
  ]);
  const p = processLog(log, ALL);
  assert.deepEqual(p.itemRaw, ['q', 'p', 'r']);
  assert.deepEqual(p.userRaw, ['z', 'y']);
  assert.deepEqual(
    p.sequences.map((s) => s.user),
    [1, 2],
  );
  assert.deepEqual(p.sequences[1].items, [2, 1, 3]);
});

test('leave-one-out: last = test, second-to-last = validation, no test event in training', () => {
  const s = leaveOneOut([4, 8, 15, 16, 23, 42]);
  assert.deepEqual(s, { train: [4, 8, 15, 16], valid: 23, test: 42 });
  assert.ok(!s.train.includes(s.test));
  assert.throws(() => leaveOneOut([1, 2]), RangeError);
});
