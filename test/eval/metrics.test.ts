// Alignment metrics against hand-computed values: beam dedupe, ranking parsing with pessimistic
// completion, graded ndcg, the yes/no tie rule, history coverage and title matching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  historyCoverage,
  isCatalogueTitle,
  mean,
  parseRanking,
  rankingNdcg,
  splitAnswer,
  task1Hit,
  task2Ndcg,
  task3Correct,
  titleMatch,
} from '../../src/eval/metrics.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

// n = 5, relevance of f's index i is 5 − i, gains 2^rel − 1 = 31, 15, 7, 3, 1.
// IDCG@5 = 31/1 + 15/log2 3 + 7/2 + 3/log2 5 + 1/log2 6 ≈ 45.642829
// reversed order 4,3,2,1,0: DCG@5 = 1/1 + 3/log2 3 + 7/2 + 15/log2 5 + 31/log2 6 ≈ 24.845375
const IDCG5 = 31 + 15 / Math.log2(3) + 7 / 2 + 3 / Math.log2(5) + 1 / Math.log2(6);
const REVERSED5 = (1 + 3 / Math.log2(3) + 7 / 2 + 15 / Math.log2(5) + 31 / Math.log2(6)) / IDCG5; // ≈ 0.544343

test('task 1: a duplicate beam does not push the target down (rank 1 after dedupe)', () => {
  const r = task1Hit(['B', 'b ', 'A', 'C', 'D', 'E'], 'A');
  assert.equal(r.hit, 1);
  close(r.ndcg, 1 / Math.log2(3));
});

test('task 1: target first is ndcg 1; trailing junk lines, quotes and case are tolerated', () => {
  assert.deepEqual(task1Hit(['  the matrix\nbecause the user likes sci-fi'], 'The Matrix'), { hit: 1, ndcg: 1 });
  assert.deepEqual(task1Hit(['"The  Matrix".'], 'The Matrix'), { hit: 1, ndcg: 1 });
});

test('task 1: an absent target and empty beams score 0', () => {
  assert.deepEqual(task1Hit(['B', 'C', 'D'], 'A'), { hit: 0, ndcg: 0 });
  assert.deepEqual(task1Hit([], 'A'), { hit: 0, ndcg: 0 });
  assert.deepEqual(task1Hit(['', '  ', '\n'], 'A'), { hit: 0, ndcg: 0 });
});

test('task 1: empty beams are skipped, not ranked', () => {
  const r = task1Hit(['', 'B', '  ', 'A'], 'A');
  assert.equal(r.hit, 1);
  close(r.ndcg, 1 / Math.log2(3));
});

test('task 1: the cut at k counts distinct titles', () => {
  // distinct titles: B C D E F A → A at rank 5, outside the top 5 …
  assert.deepEqual(task1Hit(['B', 'C', 'D', 'E', 'F', 'A'], 'A'), { hit: 0, ndcg: 0 });
  // … but with two duplicates among seven beams it is at rank 4, inside.
  const r = task1Hit(['B', 'C', 'c', 'D', 'E', 'B.', 'A'], 'A');
  assert.equal(r.hit, 1);
  close(r.ndcg, 1 / Math.log2(6));
  assert.deepEqual(task1Hit(['B', 'C', 'A'], 'A', 2), { hit: 0, ndcg: 0 });
  assert.throws(() => task1Hit(['A'], 'A', 0), RangeError);
});

test('splitAnswer splits on "|" and line breaks and drops empty parts', () => {
  assert.deepEqual(splitAnswer('A | B\n\nC|  \r\nD'), ['A', 'B', 'C', 'D']);
});

test('parseRanking reads numbered lists ("1." and "3)") and appends the unnamed candidate pessimistically', () => {
  const cands = ['A', 'B', 'C', 'D'];
  // named C, A, B; D (the only one left) goes last.
  assert.deepEqual(parseRanking('1. C\n2. A\n3) B', cands), { order: [2, 0, 1, 3], parsed: 3 });
});

test('parseRanking tolerates quotes, trailing periods, case and junk parts; repeats keep the first position', () => {
  const cands = ['Alien', 'Heat', 'Up', 'Jaws', 'Big'];
  const text = 'Here is my ranking: | "up" | HEAT. | jaws | up | Unknown Film | - Big';
  // Up, Heat, Jaws, Big named (second "up" and the junk ignored); Alien is appended.
  assert.deepEqual(parseRanking(text, cands), { order: [2, 1, 3, 4, 0], parsed: 4 });
});

test('parseRanking prefers a literal match: "1. FC" stays a title when it is a candidate', () => {
  assert.deepEqual(parseRanking('1. FC | FC', ['FC', '1. FC']), { order: [1, 0], parsed: 2 });
});

test('parseRanking: unparseable output names nothing and gets the reversed (worst) order', () => {
  const cands = ['A', 'B', 'C', 'D', 'E'];
  assert.deepEqual(parseRanking("I don't know", cands), { order: [4, 3, 2, 1, 0], parsed: 0 });
  const r = task2Ndcg("I don't know", cands);
  assert.equal(r.parsed, 0);
  close(r.ndcg, REVERSED5);
});

test('parseRanking: candidates sharing a title are placed in candidate order, one per naming', () => {
  assert.deepEqual(parseRanking('X | Y | X', ['X', 'Y', 'x']), { order: [0, 1, 2], parsed: 3 });
  assert.deepEqual(parseRanking('X | Y', ['X', 'Y', 'x']), { order: [0, 1, 2], parsed: 2 });
  assert.deepEqual(parseRanking('Y', ['X', 'Y', 'x']), { order: [1, 2, 0], parsed: 1 });
});

test("rankingNdcg: f's own order is 1, the reversed order is the hand value", () => {
  assert.equal(rankingNdcg([0, 1, 2, 3, 4]), 1);
  close(rankingNdcg([4, 3, 2, 1, 0]), REVERSED5);
  close(rankingNdcg([4, 3, 2, 1, 0]), 0.5443434449057798);
  // top two swapped: (15 + 31/log2 3 + 7/2 + 3/log2 5 + 1/log2 6) / IDCG ≈ 0.870623
  close(rankingNdcg([1, 0, 2, 3, 4]), (15 + 31 / Math.log2(3) + 7 / 2 + 3 / Math.log2(5) + 1 / Math.log2(6)) / IDCG5);
});

test('rankingNdcg@k only counts the first k positions, of both DCG and IDCG', () => {
  // k = 2, reversed: (1 + 3/log2 3) / (31 + 15/log2 3)
  close(rankingNdcg([4, 3, 2, 1, 0], 2), (1 + 3 / Math.log2(3)) / (31 + 15 / Math.log2(3)));
  // only the tail differs from f's order: ndcg@2 is still 1
  assert.equal(rankingNdcg([0, 1, 4, 3, 2], 2), 1);
});

test('rankingNdcg rejects orders that are not permutations', () => {
  assert.throws(() => rankingNdcg([0, 0, 1]), RangeError);
  assert.throws(() => rankingNdcg([0, 3]), RangeError);
  assert.throws(() => rankingNdcg([]), RangeError);
});

test('task2Ndcg on a perfect, pipe-separated answer', () => {
  assert.deepEqual(task2Ndcg('A | B | C | D | E', ['A', 'B', 'C', 'D', 'E']), { ndcg: 1, parsed: 5 });
});

test('task 3: yes when log p(yes) > log p(no); a tie and NaN count as wrong; labels are case-insensitive', () => {
  assert.equal(task3Correct(-0.1, -2, 'Yes'), 1);
  assert.equal(task3Correct(-0.1, -2, 'no'), 0);
  assert.equal(task3Correct(-3, -2, 'NO'), 1);
  assert.equal(task3Correct(-3, -2, 'yes'), 0);
  assert.equal(task3Correct(-1, -1, 'Yes'), 0);
  assert.equal(task3Correct(-1, -1, 'No'), 0);
  assert.equal(task3Correct(Number.NaN, -1, 'Yes'), 0);
  assert.equal(task3Correct(-1, Number.NaN, 'No'), 0);
  assert.throws(() => task3Correct(0, -1, 'maybe'), RangeError);
});

test('history coverage: distinct history titles named, duplicates and case ignored', () => {
  const history = ['Alien', 'Heat', 'alien ', 'Up']; // 3 distinct titles
  assert.equal(historyCoverage('1. ALIEN\n2. alien\n3. Jaws', history), 1 / 3);
  assert.equal(historyCoverage('heat | UP | Alien', history), 1);
  assert.equal(historyCoverage('nothing relevant', history), 0);
  assert.throws(() => historyCoverage('Alien', []), RangeError);
});

test('titleMatch: case, whitespace and a trailing junk line do not matter; other titles do', () => {
  assert.equal(titleMatch('  the   MATRIX \n(1999 film)', 'The Matrix'), 1);
  assert.equal(titleMatch('The Matrix Reloaded', 'The Matrix'), 0);
  assert.equal(titleMatch('', 'The Matrix'), 0);
  assert.equal(titleMatch('', ''), 0);
});

test('isCatalogueTitle: an answer is valid only when it names a catalogue title', () => {
  const keys = new Set(['the matrix', 'heat']);
  assert.equal(isCatalogueTitle('The  Matrix', keys), true);
  assert.equal(isCatalogueTitle('"HEAT".', keys), true);
  assert.equal(isCatalogueTitle('The Matrix 4', keys), false);
  assert.equal(isCatalogueTitle('   ', keys), false);
});

test('mean is null for an empty list', () => {
  assert.equal(mean([]), null);
  assert.equal(mean([1, 0, 0, 1]), 0.5);
});
