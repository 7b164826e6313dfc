// Cohen's kappa and Spearman's rho against values worked out by hand below: partial, perfect,
// chance-level and inverse agreement, ties, constant raters, and the refused inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, cohenKappa, spearmanRho } from '../../../src/explain/judge/agreement.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test('kappa, partial agreement', () => {
  // a = 0 1 2 3 3 2, b = 0 1 2 2 3 1: alike at 4 of 6 cases, pₒ = 2/3.
  // counts a: {0:1, 1:1, 2:2, 3:2}, b: {0:1, 1:2, 2:2, 3:1}
  // pₑ = (1·1 + 1·2 + 2·2 + 2·1) / 6² = 9/36 = 1/4
  // κ = (2/3 − 1/4) / (1 − 1/4) = (5/12) / (9/12) = 5/9
  close(cohenKappa([0, 1, 2, 3, 3, 2], [0, 1, 2, 2, 3, 1]), 5 / 9);
});

test('kappa, perfect agreement is 1', () => {
  // pₒ = 1, pₑ = 4 · (1/4 · 1/4) = 1/4, κ = (1 − 1/4) / (1 − 1/4) = 1
  close(cohenKappa([0, 1, 2, 3], [0, 1, 2, 3]), 1);
});

test('kappa, chance-level agreement is 0', () => {
  // a = 0 0 1 1, b = 0 1 0 1: pₒ = 2/4 = 1/2; pₑ = (2·2 + 2·2) / 16 = 1/2; κ = 0 / (1/2) = 0
  close(cohenKappa([0, 0, 1, 1], [0, 1, 0, 1]), 0);
});

test('kappa, systematic disagreement is -1', () => {
  // a = 0 1, b = 1 0: pₒ = 0; pₑ = (1·1 + 1·1) / 4 = 1/2; κ = (0 − 1/2) / (1/2) = −1
  close(cohenKappa([0, 1], [1, 0]), -1);
});

test('kappa over the union of labels, one rater constant', () => {
  // a = 1 1 1 1, b = 1 1 1 2 (label 2 used by b only): pₒ = 3/4;
  // pₑ = (4/4)·(3/4) + (0/4)·(1/4) = 3/4; κ = (3/4 − 3/4) / (1/4) = 0
  close(cohenKappa([1, 1, 1, 1], [1, 1, 1, 2]), 0);
});

test('kappa is 1 when both raters give one and the same label throughout (pₑ = 1)', () => {
  assert.equal(cohenKappa([2, 2, 2], [2, 2, 2]), 1);
});

test('average ranks share tied positions', () => {
  // sorted: 1 (rank 1), 2 (rank 2), 3 and 3 (ranks 3 and 4, mean 3.5)
  assert.deepEqual(averageRanks([3, 1, 3, 2]), [3.5, 1, 3.5, 2]);
});

test('rho, monotone but not linear is 1, reversed is -1', () => {
  close(spearmanRho([1, 2, 3, 4], [10, 20, 40, 80]), 1);
  close(spearmanRho([1, 2, 3, 4], [80, 40, 20, 10]), -1);
});

test('rho with ties on both sides', () => {
  // a = 0 1 1 3 → ranks 1 2.5 2.5 4; b = 1 0 2 2 → ranks 2 1 3.5 3.5; mean rank (4 + 1)/2 = 2.5
  // deviations a: −1.5 0 0 1.5; b: −0.5 −1.5 1 1
  // Σ da·db = 0.75 + 0 + 0 + 1.5 = 2.25; Σ da² = 4.5; Σ db² = 0.25 + 2.25 + 1 + 1 = 4.5
  // ρ = 2.25 / √(4.5 · 4.5) = 0.5
  close(spearmanRho([0, 1, 1, 3], [1, 0, 2, 2]), 0.5);
});

test('rho is 0, not NaN, when a rater is constant', () => {
  assert.equal(spearmanRho([2, 2, 2], [1, 2, 3]), 0);
  assert.equal(spearmanRho([1, 2, 3], [0, 0, 0]), 0);
  assert.equal(spearmanRho([1, 1], [1, 1]), 0);
  assert.equal(spearmanRho([3], [1]), 0);
});

test('both refuse unequal lengths, empty input and non-finite ratings', () => {
  for (const f of [cohenKappa, spearmanRho]) {
    assert.throws(() => f([1, 2], [1]), RangeError);
    assert.throws(() => f([], []), RangeError);
    assert.throws(() => f([1, NaN], [1, 2]), RangeError);
  }
});
