// The distillation target of item-token models: f's softmax over the catalogue, by hand on a toy
// table, with the shown history at zero, and placed at the answer's first item token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teacherProbs, withTeachers } from '../../src/align/teacher.js';
import type { SoftVectors } from '../../src/align/soft.js';
import type { LmExample } from '../../src/lm/train/train.js';
import type { TaskRecord } from '../../src/tasks/forms.js';

// items 1..4 in 2-d (row 0: padding); user (1, 2) scores them 1, 2, 3, −1
const TABLE = Float32Array.from([0, 0, 1, 0, 0, 1, 1, 1, -1, 0]);
const USER = Float32Array.from([1, 2]);

test("teacherProbs: softmax of f's scores at τ, excluded items 0", () => {
  const p = teacherProbs(USER, TABLE, [], 1);
  const z = [1, 2, 3, -1].map(Math.exp);
  const sum = z.reduce((a, b) => a + b);
  p.forEach((x, i) => assert.ok(Math.abs(x - z[i] / sum) < 1e-6, `item ${i + 1}: ${x}`));
  const q = teacherProbs(USER, TABLE, [3], 0.5);
  const y = [2, 4, -Infinity, -2].map(Math.exp);
  const ys = y.reduce((a, b) => a + b);
  q.forEach((x, i) => assert.ok(Math.abs(x - y[i] / ys) < 1e-6, `τ 0.5, item ${i + 1}: ${x}`));
  assert.equal(q[2], 0);
  assert.throws(() => teacherProbs(USER, TABLE, [1, 2, 3, 4], 1), /every item is excluded/);
});

test('withTeachers: task-1 examples with a <user> token get the teacher at their first trained item token (with users: also after the <user> token), others are kept', () => {
  const V = 10; // item i is token 9 + i
  const rec = (task: 1 | 3, soft: TaskRecord['soft']): TaskRecord =>
    ({ id: 'x', task, split: 'train', form: 'H', user: 1, items: [], template: null, prompt: '', response: '', soft }) as TaskRecord;
  const userSoft = { token: '<user>', kind: 'user', user: 1, history: [2] } as TaskRecord['soft'][number];
  const records = [rec(1, [userSoft]), rec(1, []), rec(3, [userSoft])];
  // prompt 5, 11 (an item token in the prompt, not trained), 3; answer 12 (item 3), end 2
  // prompt 5, <user> (position 1), 3; answer 12 (item 3), end 2
  const ex: LmExample = { ids: [5, 7, 3, 12, 2], lossMask: [0, 0, 0, 1, 1], soft: [{ pos: 1, kind: 'user', vector: USER }] };
  const vectors = { rec: { itemTable: () => TABLE }, vector: () => USER } as unknown as SoftVectors;
  const want = [...teacherProbs(USER, TABLE, [2], 1)];
  const probs = (t: { probs: Float32Array | (() => Float32Array) }) => [...(typeof t.probs === 'function' ? t.probs() : t.probs)];
  const out = withTeachers(records, [ex, ex, ex], vectors, V, 1);
  assert.deepEqual(
    out[0].teachers!.map((t) => t.at),
    [3],
  );
  assert.deepEqual(probs(out[0].teachers![0]), want);
  assert.equal(probs(out[0].teachers![0])[1], 0, 'the shown history is excluded');
  assert.equal(out[1], ex, 'no <user> token: no teacher');
  assert.equal(out[2], ex, 'not task 1: no teacher');
  // with users: also right after the <user> token, on every record that shows one
  const withUsers = withTeachers(records, [ex, ex, ex], vectors, V, 1, true);
  assert.deepEqual(
    withUsers[0].teachers!.map((t) => t.at),
    [2, 3],
  );
  assert.deepEqual(
    withUsers[2].teachers!.map((t) => t.at),
    [2],
  );
  assert.deepEqual(probs(withUsers[2].teachers![0]), want);
  assert.equal(withUsers[1], ex);
});
