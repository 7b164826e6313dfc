// Faithfulness metrics on hand-written explanations: the decision a text states, whether it names
// the candidate, precision@3 of the history items it cites against f's top-3 contributors, and its
// hallucination rate, each checked against values computed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faithfulness, precisionAtK, scoreExplanation, type Explained } from '../../src/explain/faithfulness.js';
import { parseDecision } from '../../src/facts/decision.js';
import type { Catalogue } from '../../src/facts/cite.js';
import { UserError } from '../../src/engine/errors.js';

const catalogue: Catalogue = {
  titles: [
    '',
    'Heat (1995)',
    'Casino (1995)',
    'Toy Story (1995)',
    'Jumanji (1995)',
    'GoldenEye (1995)',
    'Sabrina (1995)',
    'Lion King, The (1994)',
    'Clueless (1995)',
  ],
};
// The user watched Heat, Casino, Toy Story, Jumanji, Sabrina; f says yes to GoldenEye, relying
// most on Casino, Heat, Jumanji; the explainer was also shown Lion King, The as a similar item.
const truth = { history: [1, 2, 3, 4, 6], item: 5, decision: 'yes' as const, contributors: [2, 1, 4], similar: [7] };
const ex = (text: string): Explained => ({ ...truth, text });

test('parseDecision: the first answer in the first sentence', () => {
  const cases: [string, 'yes' | 'no' | null][] = [
    ['Yes, the user would enjoy it.', 'yes'],
    ['No. They would like it, though.', 'no'],
    ['Answer: no.', 'no'],
    ['NO the user will pass on it.', 'no'], // "no" opening the sentence
    ['There is no doubt the user would enjoy Heat (1995).', 'yes'], // "no doubt" is no answer
    ["The user wouldn't like GoldenEye (1995).", 'no'],
    ['They would probably not enjoy it.', 'no'],
    ['They would most likely enjoy it.', 'yes'],
    ['I would never recommend it', 'no'],
    ['Not really, no.', 'no'],
    ['Heat (1995) is great. Yes.', null], // the answer is not in the first sentence
    ['Yesterday they watched Heat.', null],
    ['', null],
  ];
  for (const [text, want] of cases) assert.equal(parseDecision(text), want, text);
});

test('precisionAtK: hits over min(k, cited history items); 0 when none is cited', () => {
  assert.equal(precisionAtK([], [1, 2, 3], 3), 0);
  assert.equal(precisionAtK([1, 9], [1, 2, 3], 3), 1 / 2);
  assert.equal(precisionAtK([9, 3, 8, 1], [1, 2, 3], 3), 2 / 3);
  assert.equal(precisionAtK([3, 2, 1, 9, 8], [1, 2, 3], 3), 1);
  assert.equal(precisionAtK([4], [1, 2, 3, 4], 3), 0); // only the first k contributors count
  assert.throws(() => precisionAtK([1], [1], 0), UserError);
});

test('per-explanation scores and means, computed by hand', () => {
  const texts = [
    // A: cites Casino, Heat (both top-3) and the candidate: precision 2/min(3,2) = 1; 3 titles, none hallucinated
    'Yes. You watched Casino (1995) and Heat (1995), so GoldenEye (1995) fits.',
    // B: cites Toy Story (not top-3) and Casino (top-3): precision 1/2; 2 titles, none hallucinated
    'Yes, because you liked Toy Story (1995) and Casino (1995).',
    // C: says no (f: yes); cites Sabrina (history), The Lion King (allowed similar item),
    //    Clueless (a catalogue title with no grounds) and The Matrix (not in the catalogue):
    //    precision 0/1 = 0; hallucination 2/4
    'No, the user would not enjoy it; unlike Sabrina (1995), The Lion King (1994), Clueless (1995) or The Matrix (1999).',
    // D: cites Toy Story, Sabrina, Jumanji, Heat: hits Jumanji, Heat: precision 2/min(3,4) = 2/3
    'I have no doubt they would like it, given Toy Story (1995), Sabrina (1995), Jumanji (1995) and Heat (1995).',
  ];
  const f = faithfulness(texts.map(ex), catalogue);
  const got = f.items.map((s) => [s.decision, s.agree, s.citedHistory, s.precision, s.cited, s.hallucinated, s.hallucination]);
  assert.deepEqual(got, [
    ['yes', 1, [2, 1], 1, 3, [], 0],
    ['yes', 1, [3, 2], 1 / 2, 2, [], 0],
    ['no', 0, [6], 0, 4, ['The Matrix (1999)', 'Clueless (1995)'], 2 / 4],
    ['yes', 1, [3, 6, 4, 1], 2 / 3, 4, [], 0],
  ]);
  assert.equal(f.mean.agreement, 3 / 4);
  assert.ok(Math.abs(f.mean.precision - (1 + 1 / 2 + 0 + 2 / 3) / 4) < 1e-12);
  assert.equal(f.mean.hallucination, 2 / 4 / 4);
  assert.deepEqual(
    f.items.map((s) => s.names),
    [1, 0, 0, 0],
    'only A names the candidate, GoldenEye',
  );
  assert.equal(f.mean.names, 1 / 4);
  assert.equal(
    scoreExplanation(ex('Yes: Heat (1995) is a crime title, much like Casino (1995).'), catalogue).names,
    0,
    'a history item in its place',
  );
});

test('citing nothing: precision 0, hallucination 0; no similar items allowed unless given', () => {
  const s = scoreExplanation(ex('Yes, it is a fun film.'), catalogue);
  assert.deepEqual([s.decision, s.precision, s.cited, s.hallucination], ['yes', 0, 0, 0]);
  const t = scoreExplanation({ ...ex('Yes, like Lion King, The (1994).'), similar: undefined }, catalogue);
  assert.deepEqual([t.hallucinated, t.hallucination], [['Lion King, The (1994)'], 1]);
});

test('no explanations, or an id outside the catalogue, is a user error', () => {
  assert.throws(() => faithfulness([], catalogue), UserError);
  assert.throws(() => scoreExplanation({ ...ex('Yes.'), history: [42] }, catalogue), UserError);
});
