// f-grounded explanation texts: the facts (shared themes, era, history themes), every phrasing
// states f's decision first, cites f's contributors, and the rule judge rates a "yes" with shared
// themes 3 (a "no" at least 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { explanationFacts, explanationText, era, listText, themes } from '../../src/facts/targets.js';
import { parseDecision } from '../../src/facts/decision.js';
import { ruleJudge } from '../../src/explain/rule_judge.js';
import { catalogue, items, titles } from '../explain/items.js';

test('facts: themes without placeholders, era by decade, shared themes with the contributors', () => {
  assert.deepEqual(themes(items[5]), []);
  assert.equal(era(items[0]), 'the 1990s');
  assert.equal(era(items[5]), null);
  const f = explanationFacts(items, [1, 2, 3, 4], 5, 'yes', [3, 1], 2);
  assert.deepEqual(f.shared, ['Action', 'Crime', 'Thriller']);
  assert.deepEqual(f.historyThemes.slice(0, 1), ['Action']);
  assert.equal(f.era, 'the 2000s');
});

test('every phrasing: decision first, all contributors cited, rated 3 (yes) and ≥ 2 (no) by the rule judge', () => {
  const history = [1, 2, 3, 4];
  for (let seed = 0; seed < 12; seed++) {
    for (const decision of ['yes', 'no'] as const) {
      const f = explanationFacts(items, history, 5, decision, [3, 1], 2);
      const text = explanationText(f, titles, new Rng(seed));
      assert.equal(parseDecision(text), decision, text);
      for (const c of [3, 1]) assert.ok(text.includes(titles[c]), text);
      assert.ok(!/\ba action\b/.test(text), text);
      const v = ruleJudge({
        text,
        history,
        item: 5,
        decision,
        contributors: [3, 1, 2],
        similar: [2],
        catalogue,
        itemAttributes: themes(items[4]),
        historyAttributes: history.flatMap((i) => themes(items[i - 1])),
      });
      assert.ok(v.rating >= (decision === 'yes' ? 3 : 2), `${text} → ${v.rating} ${v.reasons}`);
    }
  }
});

test('a "no" never says the candidate sits apart from a taste that holds one of its themes: it shares only those', () => {
  const said = (history: number[]) => {
    const f = explanationFacts(items, history, 5, 'no', [3, 1], 2);
    const texts = Array.from({ length: 12 }, (_, seed) => explanationText(f, titles, new Rng(seed)));
    return { f, text: texts.find((t) => t.startsWith('No. What counts most'))! };
  };
  const { f, text } = said([1, 2, 3, 4]);
  const met = f.itemThemes.filter((t) => f.historyThemes.includes(t));
  assert.ok(met.length > 0, 'the fixture: the candidate shares a top theme of the history');
  assert.ok(!text.includes('sits apart'), text);
  assert.ok(text.includes(`shares only ${listText(met.map((t) => t.toLowerCase()))} with that taste`), text);
  const apart = said([6]); // a history without themes: nothing met
  assert.deepEqual(apart.f.historyThemes, []);
  assert.ok(apart.text.includes('sits apart from that taste'), apart.text);
});
