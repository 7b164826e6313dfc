// A case's roles, which grounded decoding (every form, B included) and the misplaced metric read:
// shown history items, f's nearest item, and the candidate, which wins over either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caseRoles, type ExplainCase } from '../../src/explain/cases.js';

const c: ExplainCase = {
  key: 'u1-pos',
  user: 1,
  history: [1, 2, 3, 4],
  shown: [2, 3, 4],
  item: 9,
  decision: 'yes',
  contributors: [3, 2],
  similar: [7],
  itemAttributes: [],
  historyAttributes: [],
};

test('caseRoles: shown items are history, the nearest item other, the candidate the candidate', () => {
  assert.deepEqual(
    [...caseRoles(c)].sort(([a], [b]) => a - b),
    [
      [2, 'history'],
      [3, 'history'],
      [4, 'history'],
      [7, 'other'],
      [9, 'candidate'],
    ],
  );
  assert.equal(caseRoles(c).has(1), false, 'an item of the history not shown has no role');
  assert.equal(caseRoles({ ...c, similar: [3], item: 4 }).get(3), 'history', 'a shown item that is also the nearest one is history');
  assert.equal(caseRoles({ ...c, item: 4 }).get(4), 'candidate', 'the candidate wins');
});
