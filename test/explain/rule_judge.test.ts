// The rule-based judge on hand-written explanations, one (or two) per rating 0–3, each with why
// it gets that rating; and the attribute helpers (shared values, whole-word mentions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleJudge, type JudgeInput } from '../../src/explain/rule_judge.js';
import { mentions, sharedAttributes } from '../../src/facts/themes.js';
import type { Catalogue } from '../../src/facts/cite.js';

const catalogue: Catalogue = {
  titles: [
    '',
    'Heat (1995)',
    'Casino (1995)',
    'Toy Story (1995)',
    'Jumanji (1995)',
    'GoldenEye (1995)',
    'Sabrina (1995)',
    'Clueless (1995)',
  ],
};
// History: Heat, Casino, Toy Story, Jumanji; f says yes to GoldenEye and relies most on Casino,
// Heat, Jumanji. GoldenEye shares Action, Thriller and 1995 with the history, not Adventure.
const base: Omit<JudgeInput, 'text'> = {
  catalogue,
  history: [1, 2, 3, 4],
  item: 5,
  decision: 'yes',
  contributors: [2, 1, 4],
  itemAttributes: ['Action', 'Adventure', 'Thriller', '1995'],
  historyAttributes: ['Action', 'Crime', 'Thriller', '1995', 'Crime', 'Drama', "Children's", 'Comedy', 'Fantasy', "Children's"],
};
const judge = (text: string, falseFacts: string[] = []) => ruleJudge({ ...base, text, falseFacts });

test('rating 0: the decision disagrees with f, or none can be read', () => {
  // says no where f says yes, however good the reason
  assert.equal(judge('No, the user would not enjoy GoldenEye (1995), unlike Casino (1995) and Heat (1995), thrillers.').rating, 0);
  // no yes/no answer in the first sentence
  const v = judge('GoldenEye (1995) is an action thriller like Casino (1995). Yes.');
  assert.deepEqual(v, { rating: 0, reasons: ['no yes/no decision in the first sentence'] });
});

test('rating 1: a hallucinated title, or no reason at all', () => {
  // right decision and f's reason, but "Die Hard (1988)" is not in the catalogue
  const v = judge('Yes: like Casino (1995) and Heat (1995), and Die Hard (1988), it is a thriller.');
  assert.equal(v.rating, 1);
  assert.match(v.reasons[0], /Die Hard \(1988\)/);
  // Clueless is in the catalogue, but not in the history, the candidate or the similar items
  assert.equal(judge('Yes, as with Heat (1995) and Clueless (1995), an action film.').rating, 1);
  // cites no history item and no shared attribute: "Adventure" is not shared, and the 1995 in
  // the title "GoldenEye (1995)" is not a mention of the year
  const w = judge('Yes, the user would enjoy GoldenEye (1995): a great adventure.');
  assert.equal(w.rating, 1);
  assert.match(w.reasons[0], /no reason/);
});

test("rating 2: the right decision with a grounded reason that is not f's full reason", () => {
  // cites two history items, but only Casino is among f's top 3 (Toy Story is not)
  assert.equal(judge('Yes. They watched Toy Story (1995) and Casino (1995), and it is a thriller.').rating, 2);
  // cites two of f's top 3 but mentions no shared attribute
  assert.deepEqual(judge('Yes. Casino (1995) and Heat (1995) fans like GoldenEye (1995).'), {
    rating: 2,
    reasons: ["cites 2 of f's top-3 contributors", 'mentions no attribute the item shares with the history'],
  });
  // a shared attribute alone (no history item cited) is a reason
  assert.equal(judge('Yes, they watch a lot of 1995 ACTION films.').rating, 2);
});

test("rating 3: two of f's top-3 contributors and a shared attribute", () => {
  // Casino and Heat are f's top contributors; "action" and "thriller" are shared
  assert.deepEqual(judge('Yes. Like Casino (1995) and Heat (1995), GoldenEye (1995) is a tense action thriller.'), {
    rating: 3,
    reasons: ["cites 2 of f's top-3 contributors", 'mentions shared attributes: Action, Thriller'],
  });
});

test('no 3 for a text with a false fact: the same text, with a wrong era stated, is rated 2', () => {
  const v = judge('Yes. Like Casino (1995) and Heat (1995), GoldenEye (1995) is a tense action thriller from the 1980s.', [
    '1980s of GoldenEye (1995)',
  ]);
  assert.equal(v.rating, 2);
  assert.match(v.reasons.at(-1)!, /states false facts: 1980s of GoldenEye \(1995\)/);
});

test('no 3 for a broken text: the same text with a run of marks no training explanation has (or a non-word) is rated 2', () => {
  const text = 'Yes. Like Casino (1995) and Heat (1995), GoldenEye (1995) is a tense action thriller,,,, 16.';
  const v = ruleJudge({ ...base, text, broken: [',,,, 00'] });
  assert.equal(v.rating, 2);
  assert.match(v.reasons.at(-1)!, /broken text: ",,,, 00"/);
  assert.equal(ruleJudge({ ...base, text, broken: [] }).rating, 3, 'the rules above alone give it a 3');
});

test('shared attributes and whole-word mentions', () => {
  assert.deepEqual(sharedAttributes(['Drama', 'film-noir', ' Science  Fiction', 'drama'], ['DRAMA', 'Film-Noir', 'science fiction']), [
    'Drama',
    'film-noir',
    'Science Fiction',
  ]);
  assert.ok(mentions('a moody film-noir piece', 'Film-Noir'));
  assert.ok(mentions('classic science\nfiction', 'Science Fiction'));
  assert.ok(!mentions('a melodrama', 'Drama'));
  assert.ok(!mentions('dramas', 'Drama'));
  assert.ok(mentions('(drama)', 'drama'));
  assert.ok(!mentions('anything', '  '));
});
