// The explanation-rating table against hand-computed values: per explainer and judge the mean and
// the distribution, human ratings pooled (a rater's later rating of a text replacing the earlier),
// kappa and rho between every pair of raters on the texts both rated; the ratings file's one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ratingsMarkdown, ratingsSummary, readRatings, type HumanRating } from '../../src/explain/ratings.js';
import type { ExplanationRow } from '../../src/explain/evaluate.js';
import { DataError } from '../../src/engine/errors.js';

const row = (key: string, rating: 0 | 1 | 2 | 3, llm: number | null): ExplanationRow => ({
  key,
  user: 1,
  item: 2,
  f_decision: 'yes',
  decision: 'yes',
  text: 'Yes.',
  rating,
  reasons: [],
  precision: 0,
  hallucinated: [],
  false_facts: [],
  llm_rating: llm,
});

const rows = {
  a: [row('c1', 0, 0), row('c2', 1, 1), row('c3', 2, 2), row('c4', 3, 2)],
  b: [row('c1', 2, null)], // the LLM judge's reply was unreadable
};
const h = (c: string, explainer: string, rater: string, rating: HumanRating['rating']): HumanRating => ({
  case: c,
  explainer,
  rater,
  rating,
});
const humans = [
  h('c1', 'a', 'ann', 3),
  h('c1', 'a', 'ann', 0), // replaces the 3
  h('c2', 'a', 'ann', 2),
  h('c3', 'a', 'ann', 2),
  h('c4', 'a', 'ann', 3),
  h('c1', 'a', 'bob', 1),
  h('c2', 'a', 'bob', 1),
  h('c9', 'other', 'bob', 3), // an explainer this run does not have
];

test('ratingsSummary: means, distributions and pairwise kappa / rho as computed by hand', () => {
  const s = ratingsSummary(rows, humans);
  assert.deepEqual(s.human_raters, ['ann', 'bob']);
  assert.deepEqual(s.explainers.a, {
    rule: { n: 4, mean: 1.5, counts: [1, 1, 1, 1] },
    llm: { n: 4, mean: 1.25, counts: [1, 1, 2, 0] },
    human: { n: 6, mean: 9 / 6, counts: [1, 2, 2, 1] }, // ann 0,2,2,3 and bob 1,1
  });
  assert.deepEqual(s.explainers.b, { rule: { n: 1, mean: 2, counts: [0, 0, 1, 0] } });
  assert.deepEqual(s.explainers.other, { human: { n: 1, mean: 3, counts: [0, 0, 0, 1] } });
  const pair = (a: string, b: string) => s.agreement.find((g) => g.a === a && g.b === b)!;
  // rule 0,1,2,3 vs llm 0,1,2,2 on a's four texts: po 3/4, pe 1/16 + 1/16 + 2/16 = 1/4, κ = (3/4 − 1/4)/(3/4) = 2/3;
  // ranks 1,2,3,4 vs 1,2,3.5,3.5: ρ = 4.5 / √(5 · 4.5) = √0.9
  assert.equal(pair('rule', 'llm').shared, 4);
  assert.ok(Math.abs(pair('rule', 'llm').kappa! - 2 / 3) < 1e-12);
  assert.ok(Math.abs(pair('rule', 'llm').rho! - Math.sqrt(0.9)) < 1e-12);
  // rule 0,1,2,3 vs ann 0,2,2,3 (her later 0 for c1): po 3/4, pe 1/16 + 2/16 + 1/16 = 1/4 → κ 2/3;
  // ranks 1,2,3,4 vs 1,2.5,2.5,4: Σ da·db = 2.25 + 2.25, Σ db² = 4.5 → ρ = √0.9 again
  assert.equal(pair('rule', 'human:ann').shared, 4);
  assert.ok(Math.abs(pair('rule', 'human:ann').kappa! - 2 / 3) < 1e-12);
  assert.ok(Math.abs(pair('rule', 'human:ann').rho! - Math.sqrt(0.9)) < 1e-12);
  // llm 0,1,2,2 vs ann 0,2,2,3: po 2/4; pe = 1/4·1/4 + 1/4·0 + 2/4·2/4 = 5/16 → κ = (8/16 − 5/16)/(11/16) = 3/11
  assert.ok(Math.abs(pair('llm', 'human:ann').kappa! - 3 / 11) < 1e-12);
  // rule 0,1 vs bob 1,1: po 1/2, pe 1/2 → κ 0; bob's ratings do not vary → ρ 0
  assert.deepEqual(pair('rule', 'human:bob'), { a: 'rule', b: 'human:bob', shared: 2, kappa: 0, rho: 0 });
  assert.deepEqual(
    s.agreement.map((g) => `${g.a}~${g.b}`),
    ['rule~llm', 'rule~human:ann', 'rule~human:bob', 'llm~human:ann', 'llm~human:bob', 'human:ann~human:bob'],
  );
  const md = ratingsMarkdown(s, 'runs/x/ratings.jsonl').join('\n');
  assert.match(md, /\| a \| human \| 6 \| 1\.5000 \| 17 % \| 33 % \| 33 % \| 17 % \|/);
  assert.match(md, /\| rule \| llm \| 4 \| 0\.6667 \| 0\.9487 \|/);
  assert.match(md, /human raters \(2: ann, bob; read from `runs\/x\/ratings\.jsonl`/);
});

test('without LLM or human ratings only the rule judge is there; with no text shared kappa and rho are null', () => {
  const s = ratingsSummary({ a: [row('c1', 3, null)] }, [h('c2', 'a', 'ann', 1)]);
  assert.deepEqual(Object.keys(s.explainers.a), ['rule', 'human']);
  assert.deepEqual(s.agreement, [{ a: 'rule', b: 'human:ann', shared: 0, kappa: null, rho: null }]);
});

test('readRatings: a missing file is no ratings, a malformed line is one line naming file, line and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ratings-'));
  assert.deepEqual(readRatings(join(dir, 'none.jsonl')), []);
  const file = join(dir, 'ratings.jsonl');
  writeFileSync(file, '{"case":"u1-pos","explainer":"template","rater":"ann","rating":2}\n\n');
  assert.deepEqual(readRatings(file), [{ case: 'u1-pos', explainer: 'template', rater: 'ann', rating: 2 }]);
  for (const [line, message] of [
    ['{"case":"u1-pos","explainer":"template","rater":"ann","rating":4}', `${file}:2 (field "rating"): must be 0, 1, 2 or 3, got 4`],
    ['{"case":"u1-pos","explainer":"template","rating":1}', `${file}:2 (field "rater"): missing or not a non-empty string`],
    ['not json', `${file}:2: is not valid JSON (want {"case", "explainer", "rater", "rating"})`],
  ]) {
    writeFileSync(file, `{"case":"u1-pos","explainer":"template","rater":"ann","rating":2}\n${line}\n`);
    assert.throws(
      () => readRatings(file),
      (e: unknown) => e instanceof DataError && e.message === message,
    );
  }
});
