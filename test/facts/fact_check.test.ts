// Fact accuracy: hand-written texts with true and false themes and eras said of items, of the
// history and of what the candidate shares with it; years inside titles are no claims; and every
// f-grounded template text (targets.ts) states only true facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { checkFacts, factAccuracy, itemFacts, type Claim, type FactContext } from '../../src/facts/fact_check.js';
import { explanationFacts, explanationText, themes } from '../../src/facts/targets.js';
import { catalogue, items, titles } from '../explain/items.js';

const vocabulary = items.flatMap(themes);
const ctx = (history: number[], item: number): FactContext => ({
  catalogue,
  facts: (id) => itemFacts(items[id - 1]),
  vocabulary,
  history,
  item,
});
const brief = (cs: Claim[]) =>
  cs.map((c) => `${c.value}@${c.subject.kind === 'item' ? c.subject.item : c.subject.kind}:${c.holds ? 'T' : 'F'}`);

test('themes and eras said of a cited item are checked against its metadata', () => {
  assert.deepEqual(brief(checkFacts('Yes. Ronin (1998) is an action title from the 1990s.', ctx([1, 5], 3))), ['Action@3:T', '1990s@3:T']);
  assert.deepEqual(brief(checkFacts('Yes. Ronin (1998) is a thriller from the 1980s.', ctx([1, 5], 3))), ['Thriller@3:T', '1980s@3:F']);
  assert.deepEqual(brief(checkFacts('No. Amelie (2001) is a crime story.', ctx([1, 5], 4))), ['Crime@4:F']);
  assert.deepEqual(brief(checkFacts('Ronin (1998) came out in 1998, Heat (1995) in 1997.', ctx([1], 3))), ['1998@3:T', '1997@1:F']);
  // a claim before any anchor goes to the item after it; "it" is the candidate
  assert.deepEqual(brief(checkFacts('A comedy like Amelie (2001) would suit them.', ctx([1], 4))), ['Comedy@4:T']);
  assert.deepEqual(brief(checkFacts('Yes. It is a romance from the 2000s.', ctx([1], 4))), ['Romance@4:T', '2000s@4:T']);
  assert.deepEqual(brief(checkFacts('Yes. It is a horror film.', ctx([1], 4))), ['Horror@4:F']);
});

test('years inside titles, cited or made up, are not era claims; a text without facts has none', () => {
  assert.deepEqual(checkFacts('Yes, because they liked Heat (1995) and Collateral (2004).', ctx([1, 5], 3)), []);
  assert.deepEqual(checkFacts('Yes, since Char Trek (1999) was a favourite.', ctx([1, 5], 3)), []);
  assert.equal(factAccuracy([[], []]), null);
});

test('taste and history claims need a shown history item with the fact; shared ones need the candidate too', () => {
  const c = checkFacts('No. Their taste runs to crime and action; Amelie (2001), a comedy, is different.', ctx([1, 5], 4));
  assert.deepEqual(brief(c), ['Crime@history:T', 'Action@history:T', 'Comedy@4:T']);
  assert.deepEqual(brief(checkFacts('No. Their history leans toward horror.', ctx([1, 5], 4))), ['Horror@history:F']);
  assert.deepEqual(brief(checkFacts('Yes. Heat (1995) and Ronin (1998) share thriller with it.', ctx([1, 3], 5))), ['Thriller@shared:T']);
  assert.deepEqual(brief(checkFacts('Yes. Heat (1995) and Ronin (1998) share romance with it.', ctx([1, 3], 5))), ['Romance@shared:F']);
  // the candidate (Amelie) has Comedy, but no history item does
  assert.deepEqual(brief(checkFacts('Yes. They share comedy with it.', ctx([1, 3], 4))), ['Comedy@shared:F']);
  const all = [c, checkFacts('No. Their history leans toward horror.', ctx([1, 5], 4))];
  assert.equal(factAccuracy(all), 3 / 4);
});

test('every template text states only true facts, and most state some', () => {
  let texts = 0;
  let withClaims = 0;
  for (let item = 1; item <= 5; item++) {
    const history = [1, 2, 3, 4, 5].filter((i) => i !== item);
    for (const decision of ['yes', 'no'] as const) {
      for (let seed = 0; seed < 6; seed++) {
        const contributors = history.slice(seed % 3, (seed % 3) + 2);
        const f = explanationFacts(items, history, item, decision, contributors, history[(seed + 1) % history.length]);
        const text = explanationText(f, titles, new Rng(seed));
        const claims = checkFacts(text, ctx(history, item));
        assert.ok(
          claims.every((x) => x.holds),
          `${text}\n${brief(claims).join(' ')}`,
        );
        texts++;
        if (claims.length > 0) withClaims++;
      }
    }
  }
  assert.ok(withClaims >= 0.9 * texts, `${withClaims} of ${texts}`);
});
