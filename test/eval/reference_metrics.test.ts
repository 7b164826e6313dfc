// The reference implementation's Table-1 metrics on hand-computed cases: exact (stripped,
// lower-cased) matching, no de-duplication of beams, task-2 relevance 1000/100/10/1/0 with linear
// gain and nothing for unnamed candidates, task-3 ties as yes, task-6 repeats counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refTask1, refTask2, refTask3, refTask6 } from '../../src/eval/reference_metrics.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
const IDCG = 1000 / Math.log2(2) + 100 / Math.log2(3) + 10 / Math.log2(4) + 1 / Math.log2(5); // + 0/log2(6)

test('task 1: the first beam equal to the target, whole, stripped and lower-cased; repeats keep their place', () => {
  assert.deepEqual(refTask1(['Heat (1995)', 'Up (2009)'], 'heat (1995)'), { hit: 1, ndcg: 1 });
  const r = refTask1(['Up (2009)', 'Up (2009)', '  HEAT (1995) '], 'Heat (1995)');
  assert.equal(r.hit, 1);
  close(r.ndcg, 1 / Math.log2(4)); // third beam: the repeat is not dropped
  assert.deepEqual(refTask1(['Heat (1995).'], 'Heat (1995)'), { hit: 0, ndcg: 0 }); // no forgiving of a period
  assert.deepEqual(refTask1(['a', 'b', 'c', 'd', 'e', 'Heat'], 'heat'), { hit: 0, ndcg: 0 }); // beyond k
});

test('task 2: f order exactly → 1; swapped top two; unnamed and misspelt candidates gain nothing', () => {
  const f = ['A', 'B', 'C', 'D', 'E'];
  close(refTask2('A | B | C | D | E', f), 1);
  close(refTask2('b | a | c | d | e', f), (100 / 1 + 1000 / Math.log2(3) + 10 / Math.log2(4) + 1 / Math.log2(5)) / IDCG);
  close(refTask2('E | D | C | B | A', f), (0 / 1 + 1 / Math.log2(3) + 10 / Math.log2(4) + 100 / Math.log2(5) + 1000 / Math.log2(6)) / IDCG);
  close(refTask2('A', f), 1000 / IDCG); // the other four are simply missing
  close(refTask2('Ay | B', f), 100 / Math.log2(3) / IDCG); // a misspelt A gains nothing and keeps its place
  close(refTask2('x | y | z | w | v | A', f), 0); // only the first five entries count
  close(refTask2('A | A | B', f), (1000 + 100 / Math.log2(4)) / IDCG); // each entry is used once
  close(refTask2(' | A', f), 1000 / Math.log2(3) / IDCG); // an empty entry keeps its place
});

test('task 3: yes when the yes score is at least the no score (a tie is yes)', () => {
  assert.equal(refTask3(-1, -2, 'yes'), 1);
  assert.equal(refTask3(-2, -1, 'yes'), 0);
  assert.equal(refTask3(-2, -1, 'no'), 1);
  assert.equal(refTask3(-1, -1, 'yes'), 1);
  assert.equal(refTask3(-1, -1, 'no'), 0);
});

test('task 6: the first |history| entries, each found one counting 1/|history|, repeats included', () => {
  const h = ['Heat (1995)', 'Up (2009)', 'Alien (1979)'];
  close(refTask6('heat (1995) | Up (2009)', h), 2 / 3);
  close(refTask6('Heat (1995) | Heat (1995) | Heat (1995) | Up (2009)', h), 1); // a repeat counts each time; the 4th entry is cut
  close(refTask6('Nope | Alien (1979)', h), 1 / 3);
  assert.equal(refTask6('Heat (1995)', []), 0);
});
