// The distillation target of item-token models: f's softmax over the catalogue, by hand on toy
// scores, with the shown history at zero, and placed at the answer's first item token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citationProbs, teacherProbs, withTeachers } from '../../src/align/teacher.js';
import type { SoftVectors } from '../../src/align/soft.js';
import type { LmExample } from '../../src/lm/train/train.js';
import type { TaskRecord } from '../../src/tasks/forms.js';

// f scores items 1..4 with 1, 2, 3, −1 (index 0: padding); a <user> vector it scores so
const SCORES = Float32Array.from([-Infinity, 1, 2, 3, -1]);
const USER = Float32Array.from([1, 2]);

test("teacherProbs: softmax of f's scores at τ, excluded items 0", () => {
  const p = teacherProbs(SCORES, [], 1);
  const z = [1, 2, 3, -1].map(Math.exp);
  const sum = z.reduce((a, b) => a + b);
  p.forEach((x, i) => assert.ok(Math.abs(x - z[i] / sum) < 1e-6, `item ${i + 1}: ${x}`));
  const q = teacherProbs(SCORES, [3], 0.5);
  const y = [2, 4, -Infinity, -2].map(Math.exp);
  const ys = y.reduce((a, b) => a + b);
  q.forEach((x, i) => assert.ok(Math.abs(x - y[i] / ys) < 1e-6, `τ 0.5, item ${i + 1}: ${x}`));
  assert.equal(q[2], 0);
  assert.throws(() => teacherProbs(SCORES, [1, 2, 3, 4], 1), /every item is excluded/);
});

test('withTeachers: task-1 examples with a <user> token get the teacher at their first trained item token (with users: also after the <user> token), others are kept', () => {
  const V = 10; // item i is token 9 + i
  const rec = (task: 1 | 3, soft: TaskRecord['soft']): TaskRecord =>
    ({ id: 'x', task, split: 'train', form: 'H', user: 1, items: [], template: null, prompt: '', response: '', soft }) as TaskRecord;
  const userSoft = { token: '<user>', kind: 'user', user: 1, history: [2] } as TaskRecord['soft'][number];
  const records = [rec(1, [userSoft]), rec(1, []), rec(3, [userSoft])];
  // prompt 5, <user> (position 1), 3; answer 12 (item 3), end 2
  const ex: LmExample = { ids: [5, 7, 3, 12, 2], lossMask: [0, 0, 0, 1, 1], soft: [{ pos: 1, kind: 'user', vector: USER }] };
  const vectors = {
    rec: { scoreVector: (u: Float32Array) => (u === USER ? SCORES : new Float32Array(5)) },
    vector: () => USER,
  } as unknown as SoftVectors;
  const want = [...teacherProbs(SCORES, [2], 1)];
  const probs = (e: LmExample) => [...(typeof e.teacher!.probs === 'function' ? e.teacher!.probs() : e.teacher!.probs)];
  const out = withTeachers(records, [ex, ex, ex], vectors, V, { tau: 1 });
  assert.deepEqual(out[0].teacher!.at, [3]);
  assert.deepEqual(probs(out[0]), want);
  assert.equal(probs(out[0])[1], 0, 'the shown history is excluded');
  assert.equal(out[1], ex, 'no <user> token: no teacher');
  assert.equal(out[2], ex, 'not task 1: no teacher');
  // with users: also right after the <user> token, on every record that shows one
  const withUsers = withTeachers(records, [ex, ex, ex], vectors, V, { tau: 1, users: true });
  assert.deepEqual(withUsers[0].teacher!.at, [2, 3]);
  assert.deepEqual(withUsers[2].teacher!.at, [2]);
  assert.deepEqual(probs(withUsers[2]), want);
  assert.equal(withUsers[1], ex);
});

test('citationProbs: softmax of standardised effects at τ over the items not yet cited, 0 elsewhere', () => {
  const effects = new Map([
    [3, 0.5],
    [1, 0.2],
    [4, -0.1],
  ]); // mean 0.2, sd √0.06
  const sd = Math.sqrt(0.06);
  const z = [0.3 / sd, 0, -0.3 / sd].map((v) => Math.exp(v / 0.5));
  const sum = z.reduce((a, b) => a + b);
  const p = citationProbs(effects, new Set(), 5, 0.5);
  [
    [3, 0],
    [1, 1],
    [4, 2],
  ].forEach(([item, k]) => assert.ok(Math.abs(p[item - 1] - z[k] / sum) < 1e-6, `item ${item}: ${p[item - 1]}`));
  assert.equal(p[1] + p[4], 0, 'items without an effect');
  const q = citationProbs(effects, new Set([3]), 5, 0.5);
  assert.equal(q[2], 0, 'a cited item');
  assert.ok(Math.abs(q[0] - z[1] / (z[1] + z[2])) < 1e-6);
  const flat = citationProbs(
    new Map([
      [1, 0.3],
      [2, 0.3],
    ]),
    new Set(),
    2,
    1,
  );
  assert.deepEqual([...flat], [0.5, 0.5], 'equal effects: uniform');
  assert.throws(() => citationProbs(effects, new Set([1, 3, 4]), 5, 1), /every item is cited/);
});

test("withTeachers cites: an explanation's history citations in f's leave-one-out order get citationProbs, one row each", () => {
  const V = 10; // item i is token 9 + i
  // f: a user vector is the sum of its history's item vectors (2-d), an item's vector is e_i
  const E: Record<number, number[]> = { 1: [1, 0], 2: [0, 1], 3: [1, 1], 4: [2, 0], 5: [0, 3] };
  const f = {
    nItems: 5,
    readsHistory: true,
    itemVector: (i: number) => Float32Array.from(E[i]),
    userVectors: (rows: number[][]) => Float32Array.from(rows.flatMap((h) => h.reduce((a, i) => [a[0] + E[i][0], a[1] + E[i][1]], [0, 0]))),
    scoreVector: () => new Float32Array(6),
  };
  const vectors = { rec: f, vector: () => USER } as unknown as SoftVectors;
  // candidate 4 (vector [2, 0]): effects of history [1, 2, 3] are 2, 0, 2 → order 3 (more recent), 1, 2
  const soft = [
    { token: '<user>', kind: 'user', user: 1, history: [1, 2, 3] },
    { token: '<item>', kind: 'item', item: 4 },
  ] as TaskRecord['soft'];
  const r = {
    id: 'x',
    task: 7,
    split: 'train',
    form: 'H',
    user: 1,
    items: [4],
    template: null,
    prompt: '',
    response: '',
    soft,
  } as TaskRecord;
  // prompt 5, <user>, <item>; answer: item 3, 6, item 1, 6, item 4 (the candidate), item 2, end
  const ex: LmExample = { ids: [5, 7, 8, 12, 6, 10, 6, 13, 11, 2], lossMask: [0, 0, 0, 1, 1, 1, 1, 1, 1, 1] };
  const [out] = withTeachers([r], [ex], vectors, V, { tau: 1, cites: { tau: 0.5, maxHistory: 9 } });
  assert.deepEqual(out.teacher!.at, [3, 5, 8], 'items 3, 1, 2 cited in f order; the candidate is not a history item');
  const probs = out.teacher!.probs as () => Float32Array;
  const effects = new Map([
    [3, 2],
    [1, 2],
    [2, 0],
  ]);
  const want = [new Set<number>(), new Set([3]), new Set([3, 1])].flatMap((c) => [...citationProbs(effects, c, 5, 0.5)]);
  assert.deepEqual([...probs()], want);
  // item 2 cited first, out of f's order, then item 1 (f's next would be 3): neither taught; item 3, then f's strongest left, is
  const swapped: LmExample = { ...ex, ids: [5, 7, 8, 11, 6, 10, 6, 13, 12, 2] };
  const late = withTeachers([r], [swapped], vectors, V, { tau: 1, cites: { tau: 0.5, maxHistory: 9 } })[0].teacher!;
  assert.deepEqual(late.at, [8]);
  assert.deepEqual([...(late.probs as () => Float32Array)()], [...citationProbs(effects, new Set([2, 1]), 5, 0.5)]);
  assert.equal(withTeachers([r], [ex], vectors, V, { tau: 1 })[0], ex, 'without cites: no teacher on an explanation');
});
