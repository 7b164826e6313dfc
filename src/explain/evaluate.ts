// Scores one explainer's texts on the test cases against f: decision agreement, attribution
// precision@3, hallucination rate (src/explain/faithfulness.ts), fact accuracy against the data
// set's metadata (src/facts/fact_check.ts), the share of texts with a broken word
// (src/facts/lexicon.ts), the share with a title out of its place (src/facts/title_roles.ts), the
// share with a run of marks the training prose lacks (src/facts/known_words.ts strayGaps), the
// rule judge's 0–3 rating (src/explain/rule_judge.ts), and the LLM judge's when one is given.
// Keeps every row for the report.
import { canonicalId, citedTitles, type Catalogue } from '../facts/cite.js';
import { strayGaps, type Prose, type TitleRole } from '../facts/known_words.js';
import { misplacedTitles } from '../facts/title_roles.js';
import { checkFacts, claimText, factAccuracy, type FactContext, type ItemFacts } from '../facts/fact_check.js';
import { caseRoles, type ExplainCase } from './cases.js';
import { faithfulness } from './faithfulness.js';
import { nonWords } from '../facts/lexicon.js';
import { ruleJudge, type Rating } from './rule_judge.js';

/** report.json "explanations.<method>" (DESIGN.md §6). */
export interface ExplanationMetrics {
  agreement: number;
  candidate_named?: number; // share of texts that cite the candidate's title (absent in reports before 2026-12-07)
  'attribution_p@3': number;
  hallucination_rate: number;
  fact_accuracy: number | null; // share of the stated themes and eras the metadata bears out; null when no text states one
  fact_claims: number; // how many were stated
  nonword_rate?: number | null; // aligned LMs: share of texts with a word no training explanation or title uses (facts/lexicon.ts); else null
  misplaced_rate?: number | null; // aligned LMs: share of texts citing a title where the training explanations cite only titles of other roles (the candidate in the history's list, …); else null
  garbled_rate?: number | null; // aligned LMs: share of texts with a run of marks, digits or spaces no training explanation has there (",,,,", "video16"; facts/known_words.ts strayGaps); else null
  rule_judge_mean: number;
  llm_judge_mean: number | null; // null without an LLM judge
  llm_judge_unparseable?: number; // replies without a readable rating
  samples: number;
  seconds: number; // generating the texts (an aspect study not included)
}

export interface ExplanationRow {
  key: string;
  user: number;
  item: number;
  f_decision: string;
  decision: string | null;
  text: string;
  rating: Rating;
  reasons: string[];
  precision: number;
  hallucinated: string[];
  false_facts: string[];
  non_words?: string[]; // with a lexicon: the text's words it lacks
  misplaced?: string[]; // with places: the titles it cites out of their role's places
  garbled?: string[]; // with places: its runs of marks, digits and spaces that no training explanation has there (digits as 0)
  llm_rating?: number | null; // the LLM judge's, when one rated (null: unreadable reply or no reply)
}

/** The data set's facts the texts are checked against. */
export interface Metadata {
  of: (id: number) => ItemFacts;
  vocabulary: readonly string[]; // every theme of the data set
  lexicon?: ReadonlySet<string>; // every word of the training explanations and the titles (non-words)
  places?: Prose; // the training explanations' prose: where each role of title is cited (misplaced titles)
}

/** A case's role of each item its texts may cite (caseRoles), by canonical id. */
function rolesOf(catalogue: Catalogue, c: ExplainCase): (id: number) => TitleRole | undefined {
  const canon = (i: number) => canonicalId(i, catalogue);
  const roles = new Map([...caseRoles(c)].map(([i, role]) => [canon(i), role]));
  return (id) => roles.get(canon(id));
}

/** What one case's texts are fact-checked against: the metadata, its shown history and its candidate. */
export function factContext(catalogue: Catalogue, metadata: Metadata, c: ExplainCase): FactContext {
  return { catalogue, facts: metadata.of, vocabulary: metadata.vocabulary, history: c.shown, item: c.item };
}

export function scoreExplanations(
  cases: readonly ExplainCase[],
  texts: readonly string[],
  catalogue: Catalogue,
  metadata: Metadata,
  seconds: number,
): { metrics: ExplanationMetrics; rows: ExplanationRow[] } {
  if (texts.length !== cases.length) throw new RangeError(`scoreExplanations: ${texts.length} texts for ${cases.length} cases`);
  const explained = cases.map((c, i) => ({
    text: texts[i],
    history: c.history,
    item: c.item,
    decision: c.decision,
    contributors: c.contributors,
    similar: c.similar,
  }));
  const f = faithfulness(explained, catalogue, 3);
  const claims = cases.map((c, i) => checkFacts(texts[i], factContext(catalogue, metadata, c)));
  const falseFacts = claims.map((cs) => cs.filter((c) => !c.holds).map((c) => claimText(c, catalogue.titles)));
  const lex = metadata.lexicon;
  const broken = lex ? texts.map((t) => nonWords(t, lex)) : undefined;
  const places = metadata.places;
  const misplaced = places && texts.map((t, i) => misplacedTitles(t, catalogue, places, rolesOf(catalogue, cases[i])));
  const garbled =
    places &&
    texts.map((t) =>
      strayGaps(
        t,
        citedTitles(t, catalogue).items.map((i) => catalogue.titles[i]),
        places,
      ),
    );
  const verdicts = explained.map((e, i) =>
    ruleJudge({
      ...e,
      catalogue,
      itemAttributes: cases[i].itemAttributes,
      historyAttributes: cases[i].historyAttributes,
      falseFacts: falseFacts[i],
      broken: [...(broken?.[i] ?? []), ...(garbled?.[i] ?? [])],
    }),
  );
  const rows = cases.map((c, i) => ({
    key: c.key,
    user: c.user,
    item: c.item,
    f_decision: c.decision,
    decision: f.items[i].decision,
    text: texts[i],
    rating: verdicts[i].rating,
    reasons: verdicts[i].reasons,
    precision: f.items[i].precision,
    hallucinated: f.items[i].hallucinated,
    false_facts: falseFacts[i],
    ...(broken ? { non_words: broken[i] } : {}),
    ...(misplaced ? { misplaced: misplaced[i] } : {}),
    ...(garbled ? { garbled: garbled[i] } : {}),
  }));
  return {
    metrics: {
      agreement: f.mean.agreement,
      candidate_named: f.mean.names,
      'attribution_p@3': f.mean.precision,
      hallucination_rate: f.mean.hallucination,
      fact_accuracy: factAccuracy(claims),
      fact_claims: claims.reduce((n, cs) => n + cs.length, 0),
      nonword_rate: broken ? broken.filter((b) => b.length > 0).length / broken.length : null,
      misplaced_rate: misplaced ? misplaced.filter((m) => m.length > 0).length / misplaced.length : null,
      garbled_rate: garbled ? garbled.filter((g) => g.length > 0).length / garbled.length : null,
      rule_judge_mean: verdicts.reduce((a, v) => a + v.rating, 0) / verdicts.length,
      llm_judge_mean: null,
      samples: cases.length,
      seconds,
    },
    rows,
  };
}
