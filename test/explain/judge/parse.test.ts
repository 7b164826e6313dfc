// parseRating on messy judge replies: each accepted format, each refusal (off-scale, ambiguous,
// empty, no rating at all) and the precedence of the first line over later text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRating } from '../../../src/explain/judge/parse.js';

const cases: [reply: string, expected: number | null][] = [
  // labelled, on the first line
  ['Rating: 3', 3],
  ['rating - 2', 2],
  ['**Rating:** 2/3', 2],
  ['Score: 1 out of 3', 1],
  ['Rating: two', 2],
  ['{"rating": 2}', 2],
  ['{"rating": "0", "reason": "wrong decision"}', 0],
  ['<br>RATING-1</br>', 1],
  ['Rating (0-3): 2', 2],
  ['Final grade = 3.', 3],
  ['Rating: 2 (out of 3)\nThe history is summarised but the fit is thin.', 2],
  // the first line wins over later mentions
  ['Rating: 2\nA rating of 3 would need a word on why the item fits.', 2],
  // labelled, after a preamble or across lines
  ['Here is my assessment.\n\nRating: 1\nThe explanation invents a purchase.', 1],
  ['```json\n{\n  "rating": 3,\n  "reason": "clear and specific"\n}\n```', 3],
  // a bare value on the first line
  ['3', 3],
  ['**2**\nPartly covers the history.', 2],
  ['Two.', 2],
  // unlabelled phrases
  ['I would give this a 2.', 2],
  ["I'd rate it 1 because it names a game the user never bought.", 1],
  ['This explanation deserves a three', 3],
  ['Overall: 0 out of 3, the decision is wrong.', 0],
  // refused: off the scale, not whole, another scale
  ['Rating: 5', null],
  ['Rating: 2.5', null],
  ['Score: 3/5', null],
  ['I would give this a 4.', null],
  // refused: different values
  ['I would give this a 2, though one could argue it deserves a 3.', null],
  ['Assessment:\nRating: 1\nOn reflection, Rating: 3', null],
  // refused: nothing that is a rating
  ['', null],
  ['   \n  ', null],
  ['Rating: N', null],
  ['The explanation gives two reasons, both about Halo 3.', null],
  ['The user rated 3 games highly, and the answer says so.', null],
];

for (const [reply, expected] of cases) {
  test(`parseRating(${JSON.stringify(reply)}) is ${expected}`, () => {
    assert.equal(parseRating(reply), expected);
  });
}
