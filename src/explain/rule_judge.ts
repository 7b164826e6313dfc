// A rule-based rubric judge of one explanation against f, rating 0–3 by fixed rules (see
// ruleJudge): decision agreement, hallucinated titles, whether it gives a reason, and whether
// the reason is f's (its top-3 contributors) together with an attribute the item shares.
import type { Catalogue } from '../facts/cite.js';
import { scoreExplanation, type Explained } from './faithfulness.js';
import { mentions, sharedAttributes } from '../facts/themes.js';

export interface JudgeInput extends Explained {
  falseFacts?: readonly string[]; // themes or eras the text states that the metadata contradicts (fact_check.ts)
  broken?: readonly string[]; // its words no training explanation uses and runs of marks none has (lexicon.ts nonWords, known_words.ts strayGaps)
  catalogue: Catalogue;
  itemAttributes: readonly string[]; // the candidate's attribute values (genres, year, ...)
  historyAttributes: readonly string[]; // the history items' attribute values, pooled
}

export type Rating = 0 | 1 | 2 | 3;

export interface Verdict {
  rating: Rating;
  reasons: string[]; // the rules that set the rating, in words
}

const TOP = 3; // f's top-3 contributors

/**
 * Rates an explanation by these rules, first match wins:
 * 0 — no decision can be parsed from it (parseDecision), or it is not f's decision;
 * 1 — it cites a hallucinated title (scoreExplanation: an unknown title-like span, or a
 *     catalogue title that is not in the history, the candidate or `similar`), or it gives no
 *     reason: it cites no history item and mentions no attribute the candidate shares with the
 *     history (sharedAttributes; mentioned as whole words outside the cited titles, so the year
 *     in "Heat (1995)" is not a mention of 1995);
 * 3 — it cites at least 2 of f's top-3 contributors, mentions at least one shared attribute,
 *     states no false fact (a theme or era the metadata contradicts) and is not broken (a non-word,
 *     a run of marks such as ",,,," that no training explanation has);
 * 2 — otherwise (the right decision with a grounded reason that is not f's full reason).
 */
export function ruleJudge(input: JudgeInput): Verdict {
  const s = scoreExplanation(input, input.catalogue, TOP);
  if (s.decision === null) return { rating: 0, reasons: ['no yes/no decision in the first sentence'] };
  if (s.decision !== input.decision) return { rating: 0, reasons: [`decides ${s.decision}, f decides ${input.decision}`] };
  const shared = sharedAttributes(input.itemAttributes, input.historyAttributes).filter((a) => mentions(s.remainder, a));
  const faults: string[] = [];
  if (s.hallucinated.length > 0) faults.push(`cites titles it has no grounds to: ${s.hallucinated.join('; ')}`);
  if (s.citedHistory.length === 0 && shared.length === 0)
    faults.push('gives no reason: cites no history item and no attribute the item shares with the history');
  if (faults.length > 0) return { rating: 1, reasons: faults };
  const top = `cites ${s.topHits} of f's top-${TOP} contributors`;
  const attrs =
    shared.length > 0 ? `mentions shared attributes: ${shared.join(', ')}` : 'mentions no attribute the item shares with the history';
  const falseFacts = input.falseFacts ?? [];
  const broken = input.broken ?? [];
  const reasons = [
    top,
    attrs,
    ...(falseFacts.length > 0 ? [`states false facts: ${falseFacts.join('; ')}`] : []),
    ...(broken.length > 0 ? [`broken text: ${broken.map((b) => JSON.stringify(b)).join(' ')}`] : []),
  ];
  return { rating: s.topHits >= 2 && shared.length > 0 && falseFacts.length === 0 && broken.length === 0 ? 3 : 2, reasons };
}
