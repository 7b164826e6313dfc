// Leave-one-out attribution: equal to recomputing f without each position one by one (on a tiny
// SASRec trained on the ring fixture, histories longer than its window included), sorted by
// effect with ties to the more recent position, one entry per position for duplicates, the shown
// contributors one per title, errors.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { trainedRing } from '../rec/fixture.js';
import { Recommender } from '../../src/rec/recommender.js';
import { UserError } from '../../src/engine/errors.js';
import { leaveOneOut, shownContributors, topContributors, type Scorer } from '../../src/facts/attribution.js';

let rec: Recommender;

before(async () => {
  rec = await Recommender.load((await trainedRing()).rec, 'wasm');
});

/** f(history, item) − f(history without position j, item), one score call at a time. */
function bruteForce(history: number[], item: number, j: number): number {
  const without = [...history.slice(0, j), ...history.slice(j + 1)];
  return rec.score(history, [item])[0] - rec.score(without, [item])[0];
}

test('leave-one-out effects equal recomputing f without each position', () => {
  const cases: [number[], number][] = [
    [[5, 6, 8, 9, 11], 12],
    [[40, 41, 43, 44, 46, 47, 49], 50],
    [[7], 3], // leaving the only item out scores the empty history
    [Array.from({ length: 14 }, (_, i) => 60 + 2 * i), 90], // longer than the window of 10
  ];
  for (const [history, item] of cases) {
    const loo = leaveOneOut(rec, history, item);
    assert.equal(loo.length, history.length);
    assert.deepEqual(
      loo.map((c) => c.position).sort((a, b) => a - b),
      history.map((_, j) => j),
    );
    for (const c of loo) {
      assert.equal(c.item, history[c.position]);
      const want = bruteForce(history, item, c.position);
      assert.ok(Math.abs(c.effect - want) < 1e-5, `history ${history} item ${item} position ${c.position}: ${c.effect} vs ${want}`);
    }
    for (let i = 1; i < loo.length; i++) assert.ok(loo[i - 1].effect >= loo[i].effect);
  }
  // outside the window of 10, removing an item changes nothing
  const long = leaveOneOut(rec, cases[3][0], 90);
  for (const c of long) if (c.position < 4) assert.ok(Math.abs(c.effect) < 1e-6);
});

test('a duplicated item gets one entry per position, each removing only its own occurrence', () => {
  const history = [5, 6, 5, 8];
  const loo = leaveOneOut(rec, history, 9);
  const fives = loo
    .filter((c) => c.item === 5)
    .map((c) => c.position)
    .sort();
  assert.deepEqual(fives, [0, 2]);
  for (const c of loo) assert.ok(Math.abs(c.effect - bruteForce(history, 9, c.position)) < 1e-5);
  const top = topContributors(rec, history, 9, 3);
  assert.equal(top.length, 3); // 3 distinct ids out of 4 positions
  assert.deepEqual(top, [...new Set(loo.map((c) => c.item))]);
  assert.deepEqual(topContributors(rec, history, 9, 1), [loo[0].item]);
  assert.equal(topContributors(rec, history, 9, 10).length, 3);
});

test('order: largest effect first, ties to the more recent position; one batched call', () => {
  // a stand-in f whose user vector is the sum of the history's ids: the effect of a position is its id
  let calls = 0;
  const f: Scorer = {
    userVectors: (hs) => (calls++, Float32Array.from(hs, (h) => h.reduce((a, b) => a + b, 0))),
    itemVector: () => Float32Array.of(1),
    readsHistory: true,
  };
  const loo = leaveOneOut(f, [3, 1, 3, 2], 1);
  assert.equal(calls, 1);
  assert.deepEqual(loo, [
    { item: 3, position: 2, effect: 3 },
    { item: 3, position: 0, effect: 3 },
    { item: 2, position: 3, effect: 2 },
    { item: 1, position: 1, effect: 1 },
  ]);
  assert.deepEqual(topContributors(f, [3, 1, 3, 2], 1, 2), [3, 2]);
  assert.deepEqual(topContributors(f, [3, 1, 3, 2], 1, 0), []);
});

test('shown contributors: one item per title with titles (the strongest bearing it), in effect order', () => {
  // the stand-in f again: the effect of a position is its id
  const f: Scorer = {
    userVectors: (hs) => Float32Array.from(hs, (h) => h.reduce((a, b) => a + b, 0)),
    itemVector: () => Float32Array.of(1),
    readsHistory: true,
  };
  const history = [1, 2, 3, 4, 5, 6];
  const shown = [2, 3, 4, 5, 6];
  assert.deepEqual(shownContributors(f, history, shown, 1, 3), [6, 5, 4]);
  const titles = ['', 'A', 'B', 'C', 'D', 'E', 'E']; // items 5 and 6 share a title
  assert.deepEqual(shownContributors(f, history, shown, 1, 3, undefined, titles), [6, 4, 3]);
  assert.deepEqual(shownContributors(f, history, shown, 1, 9, undefined, titles), [6, 4, 3, 2], 'every title once; item 1 is not shown');
});

test('an empty history, unknown ids and a bad k are one-line user errors', () => {
  assert.throws(
    () => leaveOneOut(rec, [], 3),
    (e: Error) => e instanceof UserError && /non-empty history/.test(e.message),
  );
  assert.throws(
    () => leaveOneOut(rec, [1, 2], 0),
    (e: Error) => e instanceof UserError && /unknown item id 0/.test(e.message),
  );
  assert.throws(
    () => leaveOneOut(rec, [1, 999], 3),
    (e: Error) => e instanceof UserError && /999/.test(e.message),
  );
  assert.throws(
    () => topContributors(rec, [1, 2], 3, -1),
    (e: Error) => e instanceof UserError && /k must be/.test(e.message),
  );
  assert.throws(() => topContributors(rec, [1, 2], 3, 1.5), UserError);
});
