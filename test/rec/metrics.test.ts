// Ranking metrics against hand-computed values: ranks, exclusion, pessimistic ties, sampled protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { UserError } from '../../src/engine/errors.js';
import { RankAccumulator, hitAt, ndcgAt, rankOfTarget, sampleNegatives, sampledRank } from '../../src/rec/metrics.js';

// ids:                          0(pad) 1    2    3    4    5    6
const S = Float32Array.from([99, 0.9, 0.1, 0.5, 0.7, 0.3, 0.2]);

test('rank of a target that scores third is 2; hr@5 = 1, ndcg@5 = 1/log2(4) = 0.5', () => {
  const rank = rankOfTarget(S, 3, []); // 0.9 (1) and 0.7 (4) beat 0.5; padding's 99 is ignored
  assert.equal(rank, 2);
  assert.equal(hitAt(rank, 5), 1);
  assert.equal(ndcgAt(rank, 5), 0.5);
  assert.equal(hitAt(rank, 2), 0);
  assert.equal(ndcgAt(rank, 2), 0);
  assert.equal(ndcgAt(0, 1), 1);
  assert.equal(rankOfTarget(S, 1, []), 0);
  assert.equal(rankOfTarget(S, 2, []), 5);
});

test('excluding history items removes them from the candidates (ids or mask, same result)', () => {
  assert.equal(rankOfTarget(S, 3, [1]), 1);
  assert.equal(rankOfTarget(S, 3, [1, 4]), 0);
  assert.equal(rankOfTarget(S, 3, [5, 6]), 2, 'items below the target do not move it');
  assert.equal(rankOfTarget(S, 3, [0, 0, 1, 1, 4]), 0, 'padding and duplicates are ignored');
  assert.equal(rankOfTarget(S, 3, new Set([1, 4])), 0);
  const mask = new Uint8Array(S.length);
  mask[1] = 1;
  assert.equal(rankOfTarget(S, 3, mask), 1);
  mask[4] = 1;
  assert.equal(rankOfTarget(S, 3, mask), 0);
});

test('the target stays a candidate even when it is in the history', () => {
  assert.equal(rankOfTarget(S, 3, [3, 1]), 1);
  const mask = new Uint8Array(S.length);
  mask[3] = 1;
  assert.equal(rankOfTarget(S, 3, mask), 2);
});

test('ties count against the target; a constant scorer ranks it last', () => {
  const tied = Float32Array.from([0, 0.5, 0.5, 0.5, 0.1]);
  assert.equal(rankOfTarget(tied, 2, []), 2, 'both other 0.5s rank above');
  const constant = new Float32Array(11).fill(1); // 10 items
  for (const target of [1, 5, 10]) assert.equal(rankOfTarget(constant, target, []), 9);
  assert.equal(rankOfTarget(constant, 5, [1, 2, 3]), 6, '7 candidates left → rank 6');
});

test('NaN scores count against the target', () => {
  assert.equal(rankOfTarget(Float32Array.from([0, NaN, 0.1, 0.5]), 3, []), 1);
  assert.equal(rankOfTarget(Float32Array.from([0, 0.1, NaN, 0.2]), 2, []), 2);
});

test('ids outside 1..nItems and a wrong-size mask are programming errors', () => {
  assert.throws(() => rankOfTarget(S, 0, []), RangeError);
  assert.throws(() => rankOfTarget(S, 7, []), RangeError);
  assert.throws(() => rankOfTarget(S, 3, [7]), RangeError);
  assert.throws(() => rankOfTarget(S, 3, new Uint8Array(3)), RangeError);
});

test('RankAccumulator averages the six metrics under their exact names', () => {
  const acc = new RankAccumulator();
  for (const r of [0, 2, 7, 30]) acc.add(r);
  assert.equal(acc.count, 4);
  const m = acc.result();
  assert.deepEqual(Object.keys(m).sort(), ['hr@10', 'hr@20', 'hr@5', 'ndcg@10', 'ndcg@20', 'ndcg@5']);
  assert.equal(m['hr@5'], 2 / 4);
  assert.equal(m['hr@10'], 3 / 4);
  assert.equal(m['hr@20'], 3 / 4);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(m['ndcg@5'], (1 + 0.5) / 4);
  close(m['ndcg@10'], (1 + 0.5 + 1 / Math.log2(9)) / 4);
  close(m['ndcg@20'], m['ndcg@10']);
  assert.throws(() => acc.add(-1), RangeError);
  assert.throws(() => acc.add(1.5), RangeError);
  assert.throws(() => new RankAccumulator().result(), UserError);
});

test('sampled protocol: rank among the target and its negatives, ties against', () => {
  // ids:                          0  1    2    3    4    5    6    7
  const s = Float32Array.from([0, 0.9, 0.1, 0.5, 0.7, 0.5, 0.2, 0.95]);
  assert.equal(sampledRank(s, 3, Int32Array.from([2, 6])), 0);
  assert.equal(sampledRank(s, 3, Int32Array.from([2, 4, 6])), 1);
  assert.equal(sampledRank(s, 3, Int32Array.from([1, 2, 4, 5, 7])), 4, '0.9, 0.7, tied 0.5, 0.95');
  assert.equal(sampledRank(s, 3, new Int32Array(0)), 0);
  assert.throws(() => sampledRank(s, 3, Int32Array.from([0])), RangeError);
  const constant = new Float32Array(201).fill(0);
  assert.equal(
    sampledRank(
      constant,
      1,
      Int32Array.from({ length: 100 }, (_, i) => i + 2),
    ),
    100,
  );
});

test('sampleNegatives: never excluded, never 0, no duplicates, in range', () => {
  const exclude = new Set([1, 2, 3, 50, 99]);
  for (const [nItems, count] of [
    [1000, 100],
    [105, 100],
    [200, 100],
    [10, 5],
  ] as const) {
    const ex = new Set([...exclude].filter((i) => i <= nItems));
    const neg = sampleNegatives(new Rng(7), nItems, ex, count);
    assert.equal(neg.length, count);
    assert.equal(new Set(neg).size, count, 'no duplicates');
    for (const id of neg) {
      assert.ok(id >= 1 && id <= nItems, `id ${id} in range`);
      assert.ok(!ex.has(id), `id ${id} excluded`);
    }
  }
  // Exactly as many items as asked: every one of them is returned.
  const all = sampleNegatives(new Rng(1), 105, exclude, 100);
  const expected = Array.from({ length: 105 }, (_, i) => i + 1).filter((i) => !exclude.has(i));
  assert.deepEqual(
    [...all].sort((a, b) => a - b),
    expected,
  );
  assert.equal(sampleNegatives(new Rng(1), 1000, exclude).length, 100, 'default count is 100');
});

test('sampleNegatives is seeded-reproducible and roughly uniform', () => {
  const ex = new Set([5]);
  assert.deepEqual(sampleNegatives(new Rng(3), 500, ex, 100), sampleNegatives(new Rng(3), 500, ex, 100));
  assert.notDeepEqual(sampleNegatives(new Rng(3), 500, ex, 100), sampleNegatives(new Rng(4), 500, ex, 100));
  const rng = new Rng(11);
  const counts = new Array(11).fill(0);
  for (let i = 0; i < 20000; i++) for (const id of sampleNegatives(rng, 10, ex, 3)) counts[id]++;
  assert.equal(counts[0], 0);
  assert.equal(counts[5], 0);
  // 9 candidates, 3 drawn each time → each expected 20000 · 3/9 ≈ 6667.
  for (const id of [1, 2, 3, 4, 6, 7, 8, 9, 10]) assert.ok(Math.abs(counts[id] - 6667) < 300, `item ${id}: ${counts[id]}`);
  // 6 of 9 takes the explicit-pool path; each expected 20000 · 6/9 ≈ 13333.
  counts.fill(0);
  for (let i = 0; i < 20000; i++) for (const id of sampleNegatives(rng, 10, ex, 6)) counts[id]++;
  for (const id of [1, 2, 3, 4, 6, 7, 8, 9, 10]) assert.ok(Math.abs(counts[id] - 13333) < 300, `item ${id}: ${counts[id]}`);
});

test('sampleNegatives refuses when too few items are left', () => {
  assert.throws(
    () => sampleNegatives(new Rng(1), 10, new Set([1, 2]), 9),
    (e: unknown) => e instanceof UserError && /only 8 of 10 items/.test(e.message),
  );
});
