// Faithfulness of explanations to the target model f, as pure metrics: does the text take f's
// decision, name the candidate it is about, cite the history items f relied on (its top
// leave-one-out contributors), and cite only titles it has grounds to (the history, the
// candidate, the allowed similar items)?
import { UserError } from '../engine/errors.js';
import { canonicalId, citedTitles, type Catalogue } from '../facts/cite.js';
import { parseDecision, type Decision } from '../facts/decision.js';

/** One explanation with its ground truth from f. */
export interface Explained {
  text: string; // the explanation
  history: readonly number[]; // the user's history (item ids, oldest first)
  item: number; // the candidate item the explanation is about
  decision: Decision; // f's decision on the candidate
  contributors: readonly number[]; // f's top contributors, best first (topContributors in attribution.ts)
  similar?: readonly number[]; // other items the text may cite (e.g. similar items shown to the explainer)
}

export interface ExplanationScore {
  decision: Decision | null; // the text's decision (parseDecision)
  agree: 0 | 1; // 1 when it equals f's decision
  names: 0 | 1; // 1 when it cites the candidate's title
  citedHistory: number[]; // history items the text cites (canonical ids, order of appearance)
  topHits: number; // how many of them are among f's top-k contributors
  precision: number; // precisionAtK
  cited: number; // distinct titles and title-like spans the text cites
  hallucinated: string[]; // those it may not cite: unknown spans, then catalogue titles
  hallucination: number; // hallucinated.length / cited; 0 when it cites nothing
  remainder: string; // the text without its title spans (citedTitles)
}

export interface Faithfulness {
  items: ExplanationScore[];
  mean: { agreement: number; precision: number; hallucination: number; names: number };
}

/**
 * Attribution precision@k: the share of the history items a text cites that are among f's
 * top-k contributors. The denominator is min(k, number of cited history items), so citing
 * more than k items is not penalised beyond the k that can hit, and the value lies in [0, 1];
 * a text that cites no history item scores 0. `cited` must be distinct; only the first k
 * contributors count.
 */
export function precisionAtK(cited: readonly number[], contributors: readonly number[], k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new UserError(`k must be a positive integer, got ${k}`);
  if (cited.length === 0) return 0;
  const top = new Set(contributors.slice(0, k));
  return cited.filter((i) => top.has(i)).length / Math.min(k, cited.length);
}

/**
 * Scores one explanation against f. Citations are read by citedTitles; a cited title is
 * hallucinated when it is an unknown title-like span, or a catalogue title that is neither in
 * the history, nor the candidate, nor among `similar`. The hallucination rate is hallucinated /
 * cited over distinct titles (0 when the text cites none). Items are compared by canonicalId,
 * so citing a title that two ids share counts as citing either.
 */
export function scoreExplanation(e: Explained, catalogue: Catalogue, k = 3): ExplanationScore {
  const canon = (ids: readonly number[]) => new Set(ids.map((i) => canonicalId(i, catalogue)));
  const history = canon(e.history);
  const allowed = canon([...e.history, e.item, ...(e.similar ?? [])]);
  const c = citedTitles(e.text, catalogue);
  const citedHistory = c.items.filter((i) => history.has(i));
  const top = canon(e.contributors.slice(0, k));
  const hallucinated = [...c.unknown, ...c.items.filter((i) => !allowed.has(i)).map((i) => catalogue.titles[i])];
  const cited = c.items.length + c.unknown.length;
  const decision = parseDecision(e.text);
  return {
    decision,
    agree: decision === e.decision ? 1 : 0,
    names: c.items.includes(canonicalId(e.item, catalogue)) ? 1 : 0,
    citedHistory,
    topHits: citedHistory.filter((i) => top.has(i)).length,
    precision: precisionAtK(citedHistory, [...top], k),
    cited,
    hallucinated,
    hallucination: cited === 0 ? 0 : hallucinated.length / cited,
    remainder: c.remainder,
  };
}

/** Per-explanation scores and their means (decision agreement, precision@k, hallucination rate, share naming the candidate). */
export function faithfulness(explained: readonly Explained[], catalogue: Catalogue, k = 3): Faithfulness {
  if (explained.length === 0) throw new UserError('faithfulness: no explanations to score');
  const items = explained.map((e) => scoreExplanation(e, catalogue, k));
  const mean = (f: (s: ExplanationScore) => number) => items.reduce((a, s) => a + f(s), 0) / items.length;
  return {
    items,
    mean: {
      agreement: mean((s) => s.agree),
      precision: mean((s) => s.precision),
      hallucination: mean((s) => s.hallucination),
      names: mean((s) => s.names),
    },
  };
}
