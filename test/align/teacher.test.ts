// The distillation target of item-token models: f's softmax over the catalogue, by hand on toy
// scores, with the shown history at zero, and placed at the answer's first item token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teacherProbs, withTeachers } from '../../src/align/teacher.js';
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
  const out = withTeachers(records, [ex, ex, ex], vectors, V, 1);
  assert.deepEqual(out[0].teacher!.at, [3]);
  assert.deepEqual(probs(out[0]), want);
  assert.equal(probs(out[0])[1], 0, 'the shown history is excluded');
  assert.equal(out[1], ex, 'no <user> token: no teacher');
  assert.equal(out[2], ex, 'not task 1: no teacher');
  // with users: also right after the <user> token, on every record that shows one
  const withUsers = withTeachers(records, [ex, ex, ex], vectors, V, 1, true);
  assert.deepEqual(withUsers[0].teacher!.at, [2, 3]);
  assert.deepEqual(withUsers[2].teacher!.at, [2]);
  assert.deepEqual(probs(withUsers[2]), want);
  assert.equal(withUsers[1], ex);
});
