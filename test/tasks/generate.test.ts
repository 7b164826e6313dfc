// The task generators on hand-made scores: labels are f's (history excluded), candidates
// and pools respect the history and the avoided test item, and similarity is cosine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { historyTask, interestTask, nextItemTask, rankingTask, rankUnseen, similarItems, type Context } from '../../src/tasks/generate.js';
import { parseList } from '../../src/data/text_forms.js';

const N = 20;
const titles = ['', ...Array.from({ length: N }, (_, i) => `T${i + 1}`)];
const tpl = { id: 't.1', text: '' };
// f prefers higher ids, except item 20 which it likes most of all and item 1 it likes least
const scores = Float32Array.from({ length: N + 1 }, (_, i) => (i === 0 ? -Infinity : i === 20 ? 100 : i === 1 ? -100 : i));

function ctx(history: number[], avoid: number[] = []): Context {
  return { user: 3, split: 'train', key: 'u3', prefix: 0, history, shown: history.slice(-2), scores, avoid: new Set(avoid) };
}

test('task 1 answers with f’s best item outside the history', () => {
  assert.equal(nextItemTask(ctx([4, 5]), titles, tpl).response, 'T20');
  const s = nextItemTask(ctx([20, 19, 5]), titles, tpl);
  assert.equal(s.response, 'T18');
  assert.deepEqual(s.answer, [18]);
});

test('task 2 samples k unseen, non-avoided items and answers with f’s order', () => {
  const rng = new Rng(1);
  for (let rep = 0; rep < 50; rep++) {
    const s = rankingTask(ctx([2, 3, 4], [7]), titles, 5, rng, tpl)!;
    assert.equal(new Set(s.candidates).size, 5);
    assert.ok(s.candidates.every((i) => ![2, 3, 4, 7].includes(i)));
    assert.deepEqual(
      s.answer,
      [...s.candidates].sort((a, b) => scores[b] - scores[a]),
    );
    assert.deepEqual(
      parseList(s.response),
      s.answer.map((i) => titles[i]),
    );
  }
  assert.equal(rankingTask(ctx(Array.from({ length: 17 }, (_, i) => i + 1)), titles, 5, rng, tpl), null);
});

test('task 3 draws the positive from the top share and the negative from the bottom share', () => {
  const rng = new Rng(2);
  const history = [10, 11];
  const ranked = rankUnseen(scores, history); // 18 items: 20, 19, 18, …, 2, 1 minus the history
  assert.deepEqual(ranked.slice(0, 3), [20, 19, 18]);
  const top = new Set(ranked.slice(0, Math.floor(0.2 * 18)));
  const bottom = new Set(ranked.slice(18 - 9));
  for (let rep = 0; rep < 50; rep++) {
    const [pos, neg] = interestTask(ctx(history, [20]), { posTop: 0.2, negBottom: 0.5, yes: 'Yes', no: 'No' }, rng, () => tpl);
    assert.equal(pos.key, 'u3-pos');
    assert.equal(pos.response, 'Yes');
    assert.ok(top.has(pos.item!) && pos.item !== 20, `${pos.item}`);
    assert.equal(neg.response, 'No');
    assert.ok(bottom.has(neg.item!), `${neg.item}`);
  }
});

test('task 6 answers with the shown history, oldest first', () => {
  const s = historyTask(ctx([1, 2, 3]), titles, tpl);
  assert.equal(s.response, 'T2 | T3');
  assert.deepEqual(s.answer, [2, 3]);
});

test('similarItems ranks by cosine, skips the item itself, ties to the lower id', () => {
  // rows: padding, a=(1,0), b=(10,1), c=(0,1), d=(1,0)
  const table = Float32Array.from([0, 0, 1, 0, 10, 1, 0, 1, 1, 0]);
  assert.deepEqual(similarItems(table, 2, 2), [[], [4, 2], [1, 4], [2, 1], [1, 2]]);
});
