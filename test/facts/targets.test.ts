// f-grounded explanation texts: the facts (shared themes, era, history themes), every phrasing
// states f's decision first, cites f's contributors, and the rule judge rates a "yes" with shared
// themes 3 (a "no" at least 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { explanationFacts, explanationText, era, themes } from '../../src/facts/targets.js';
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
