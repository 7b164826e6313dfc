// evaluateMethod against hand-computed tables for a scripted method, tasks a method cannot do
// giving nulls, and the popularity / random baselines reading only the records' inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateMethod, catalogueKeys, type AnswerRow, type EvalSets } from '../../src/eval/evaluate.js';
import { popularityMethod, randomMethod } from '../../src/eval/baselines.js';
import type { Method } from '../../src/eval/method.js';
import type { Dataset } from '../../src/data/dataset.js';
import type { TaskRecord } from '../../src/tasks/forms.js';

const titles = ['', 'Alpha (1990)', 'Beta (1991)', 'Gamma (1992)', 'Delta (1993)', 'Epsilon (1994)', 'Zeta (1995)'];
const catalogue = catalogueKeys(titles);
const user = (history: number[]) => ({ token: '<user>' as const, kind: 'user' as const, user: 1, history });
const item = (i: number) => ({ token: '<item>' as const, kind: 'item' as const, item: i });
const rec = (id: string, task: TaskRecord['task'], response: string, soft: TaskRecord['soft'] = []): TaskRecord => ({
  id,
  task,
  split: 'test',
  form: 'I',
  user: 1,
  items: [],
  template: null,
  prompt: '',
  response,
  soft,
});

const sets: EvalSets = {
  1: [rec('t1-a', 1, 'Beta (1991)', [user([1])]), rec('t1-b', 1, 'Zeta (1995)', [user([1])])],
  2: [
    rec('t2-a', 2, 'Alpha (1990) | Beta (1991) | Gamma (1992) | Delta (1993) | Epsilon (1994)', [
      user([6]),
      item(1),
      item(2),
      item(3),
      item(4),
      item(5),
    ]),
  ],
  3: [rec('t3-u1-pos', 3, 'Yes', [user([1]), item(2)]), rec('t3-u1-neg', 3, 'No', [user([1]), item(6)])],
  4: [rec('t4-a', 4, 'Gamma (1992)', [item(3)])],
  6: [rec('t6-a', 6, 'Alpha (1990) | Beta (1991)', [user([1, 2])])],
};

test('a scripted method gets the hand-computed metrics, by the reference definitions and by ours', () => {
  const m: Method = {
    name: 'recexplainer-i',
    top5: () => [
      ['beta (1991)', 'Beta (1991)', 'Gamma (1992)'],
      ['nonsense', 'Alpha (1990)'],
    ], // hit at rank 0 (the reference's exact lower-case match too); miss; first beam invalid
    rank: () => ['Beta (1991) | Alpha (1990) | Gamma (1992) | Delta (1993) | Epsilon (1994)'], // first two swapped
    yesNo: () => [
      [-0.1, -2, -3, -1], // whole answers: yes (right); first tokens: no (wrong)
      [-0.5, -0.5], // a tie: wrong for us, yes (wrong) for the reference
    ],
    title: () => ['Gamma (1992)'],
    recall: () => ['Beta (1991) | Beta (1991)'], // the reference counts the repeat
  };
  const answers: AnswerRow[] = [];
  const r = evaluateMethod(m, sets, catalogue, true, answers);
  assert.deepEqual(r.task1, { 'hr@5': 0.5, 'ndcg@5': 0.5, 'hr@5_lenient': 0.5, 'ndcg@5_lenient': 0.5, invalid_rate: 0.5 });
  // graded: DCG of (4,5,3,2,1): 15 + 31/log2 3 + 7/2 + 3/log2 5 + 1/log2 6; IDCG: 31 + 15/log2 3 + 7/2 + 3/log2 5 + 1/log2 6
  const tail = 7 / 2 + 3 / Math.log2(5) + 1 / Math.log2(6);
  assert.ok(Math.abs(r.task2['ndcg@5_graded']! - (15 + 31 / Math.log2(3) + tail) / (31 + 15 / Math.log2(3) + tail)) < 1e-12);
  // reference: relevance 1000/100/10/1/0, linear gain: A at 2nd, B at 1st, C, D, E in place
  const ref = (100 + 1000 / Math.log2(3) + 10 / 2 + 1 / Math.log2(5)) / (1000 + 100 / Math.log2(3) + 10 / 2 + 1 / Math.log2(5));
  assert.ok(Math.abs(r.task2['ndcg@5']! - ref) < 1e-12);
  assert.equal(r.task2.parsed_rate, 1);
  assert.deepEqual(r.task3, { acc: 0, acc_strict: 0.5 });
  assert.deepEqual(r.task4, { title_acc: 1, invalid_rate: 0 });
  assert.deepEqual(r.task6, { hcr: 1, hcr_distinct: 0.5 });
  assert.deepEqual(r.samples, { task1: 2, task2: 1, task3: 2, task4: 1, task6: 1 });
  // every answer kept, in task then sample order, with what was read from it and f's label
  assert.deepEqual(
    answers.map((a) => [a.id, a.task, a.parsed, a.label]),
    [
      ['t1-a', 1, ['beta (1991)', 'Beta (1991)', 'Gamma (1992)'], 'Beta (1991)'],
      ['t1-b', 1, ['nonsense', 'Alpha (1990)'], 'Zeta (1995)'],
      ['t2-a', 2, ['Beta (1991)', 'Alpha (1990)', 'Gamma (1992)', 'Delta (1993)', 'Epsilon (1994)'], sets[2][0].response],
      ['t3-u1-pos', 3, 'no', 'Yes'],
      ['t3-u1-neg', 3, 'yes', 'No'],
      ['t4-a', 4, ['Gamma (1992)'], 'Gamma (1992)'],
      ['t6-a', 6, ['Beta (1991)', 'Beta (1991)'], 'Alpha (1990) | Beta (1991)'],
    ],
  );
  assert.deepEqual(answers[3].output, [-0.1, -2, -3, -1]);
  assert.deepEqual(answers[0].output, ['beta (1991)', 'Beta (1991)', 'Gamma (1992)']);
});

test('tasks a method cannot do are null, not zero', () => {
  const r = evaluateMethod(
    {
      name: 'popularity',
      yesNo: () => [
        [1, 0],
        [1, 0],
      ],
    },
    sets,
    catalogue,
    true,
  );
  assert.equal(r.task3.acc, 0.5);
  assert.deepEqual(r.task1, { 'hr@5': null, 'ndcg@5': null, 'hr@5_lenient': null, 'ndcg@5_lenient': null, invalid_rate: null });
  assert.equal(r.task6.hcr, null);
  assert.equal(r.samples.task1, 0);
});

test('popularity ranks by training counts, excludes the history, and never reads labels', () => {
  // counts without each user's last item: 3 ×3, 5 ×2, 2 ×1
  const ds = {
    items: titles.slice(1).map((t, i) => ({ id: i + 1, title: t, meta: {} })),
    sequences: [
      { user: 1, items: [3, 5, 2, 1], times: [] },
      { user: 2, items: [3, 5, 6], times: [] },
      { user: 3, items: [3, 4], times: [] },
    ],
  } as unknown as Dataset;
  const m = popularityMethod(ds, titles, 0.2, 2);
  const scrambled = { ...sets, 1: sets[1].map((r) => ({ ...r, response: 'whatever' })) };
  assert.deepEqual(m.top5!(scrambled[1]), [
    ['Gamma (1992)', 'Epsilon (1994)', 'Beta (1991)', 'Delta (1993)', 'Zeta (1995)'],
    ['Gamma (1992)', 'Epsilon (1994)', 'Beta (1991)', 'Delta (1993)', 'Zeta (1995)'],
  ]);
  assert.deepEqual(m.rank!(sets[2]), ['Gamma (1992) | Epsilon (1994) | Beta (1991) | Alpha (1990) | Delta (1993)']);
  // 5 unseen items for user [1]: top 20% = 1 item (Gamma); item 2 (Beta) is 3rd → "no"
  assert.deepEqual(m.yesNo!(sets[3], ['Yes', 'No']), [
    [0, 1],
    [0, 1],
  ]);
  assert.deepEqual(m.recall!(sets[6]), ['Gamma (1992) | Epsilon (1994)']);
});

test('random is seeded, gives distinct catalogue titles and a permutation of the candidates', () => {
  const a = randomMethod(titles, 7, 3);
  const b = randomMethod(titles, 7, 3);
  const ta = a.top5!(sets[1]);
  assert.deepEqual(ta, b.top5!(sets[1]));
  for (const beams of ta) {
    assert.equal(new Set(beams).size, 5);
    assert.ok(beams.every((t) => titles.includes(t)));
  }
  const order = a.rank!(sets[2])[0].split(' | ');
  assert.deepEqual([...order].sort(), titles.slice(1, 6).sort());
});
