// Controllable aspects: the words that name them, the focused texts (decision first, covering the
// asked aspect and no other), the coverage check on hand-written texts, and coverage shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { aspectCoverage, aspectsFor, aspectText, coveredAspects, knownAspect, type AspectId } from '../../src/facts/aspects.js';
import { parseDecision } from '../../src/facts/decision.js';
import { explanationFacts, explanationText, themes } from '../../src/facts/targets.js';
import { catalogue, items, titles } from '../explain/items.js';

const shown = [1, 2, 3, 4];
const c5 = { shown, itemAttributes: themes(items[4]) };

test('words name aspects case-insensitively, with or without an article; free text is unknown', () => {
  assert.equal(knownAspect('genre'), 'themes');
  assert.equal(knownAspect(' Genres '), 'themes');
  assert.equal(knownAspect('the release year'), 'era');
  assert.equal(knownAspect('ERA'), 'era');
  assert.equal(knownAspect('history'), 'history');
  assert.equal(knownAspect('the lead actor'), null);
});

test('a pair can be explained by themes and era only where the candidate has them', () => {
  assert.deepEqual(aspectsFor(explanationFacts(items, shown, 5, 'yes', [3, 1], null)), ['themes', 'era', 'history']);
  assert.deepEqual(aspectsFor(explanationFacts(items, shown, 6, 'no', [3, 1], null)), ['history']);
});

test("every focused text states f's decision first and covers the asked aspect and no other", () => {
  for (let seed = 0; seed < 10; seed++) {
    for (const decision of ['yes', 'no'] as const) {
      const f = explanationFacts(items, shown, 5, decision, [3, 1], 2);
      for (const a of ['themes', 'era', 'history'] as AspectId[]) {
        const text = aspectText(f, a, titles, new Rng(seed));
        assert.equal(parseDecision(text), decision, text);
        assert.deepEqual([...coveredAspects(text, c5, catalogue)], [a], text);
      }
      const plain = explanationText(f, titles, new Rng(seed));
      assert.ok(coveredAspects(plain, c5, catalogue).size >= 2, plain);
    }
  }
});

test('coverage on hand-written texts: a year inside a cited title is not an era; the candidate is not history', () => {
  const cover = (t: string) => [...coveredAspects(t, c5, catalogue)].sort();
  assert.deepEqual(cover('Yes. Collateral (2004) is a thriller.'), ['themes']);
  assert.deepEqual(cover('Yes. Heat (1995) leads the way.'), ['history']);
  assert.deepEqual(cover('No. It is from the 2000s, the history from the 1990s.'), ['era']);
  assert.deepEqual(cover('Yes. Like Ronin (1998), a crime story of the 2000s.'), ['era', 'history', 'themes']);
  assert.deepEqual(cover('Yes.'), []);
});

test('coverage shares and "only" by hand', () => {
  const texts = ['Yes. A thriller.', 'Yes. Heat (1995) and a thriller.', 'No. The 1990s.', 'No.'];
  const cases = texts.map(() => c5);
  assert.deepEqual(aspectCoverage(texts, cases, catalogue, 'themes'), { themes: 0.5, era: 0.25, history: 0.25, only: 0.25 });
  assert.ok(!('only' in aspectCoverage(texts, cases, catalogue, null)));
});
