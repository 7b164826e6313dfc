// Live agreement over the stored ratings (pure: rows and pool in, figures out): between every two
// human raters on the explanations both rated, and between the humans and the rule and LLM judges on
// the same explanations, as Cohen's kappa and Spearman's rho (explain/judge/agreement.ts); and per
// explainer, the humans' mean rating beside the judges' means over the same explanations. A rater's
// latest rating of an explanation (case, explainer) counts. Fewer than 2 shared ratings: null figures.
import { cohenKappa, spearmanRho } from '../../explain/judge/agreement.js';
import type { Pool } from './pool.js';
import type { RatingRow } from './store.js';

export interface Agreement {
  n: number; // explanations rated by both sides
  kappa: number | null;
  rho: number | null;
}

export interface AgreementReport {
  ratings: number; // explanations rated, counted once per rater
  raters: Record<string, number>; // ratings per rater
  explainers: Record<string, { n: number; human_mean: number | null; rule_mean: number | null; llm_mean: number | null }>;
  between_raters: ({ a: string; b: string } & Agreement)[];
  human_vs_rule: ({ rater: string } & Agreement)[]; // each rater, then "all" (every human rating)
  human_vs_llm: ({ rater: string } & Agreement)[]; // empty when the run had no LLM judge
}

function agree(a: number[], b: number[]): Agreement {
  return a.length < 2 ? { n: a.length, kappa: null, rho: null } : { n: a.length, kappa: cohenKappa(a, b), rho: spearmanRho(a, b) };
}

const mean = (x: number[]) => (x.length ? x.reduce((s, v) => s + v, 0) / x.length : null);

export function agreement(rows: readonly RatingRow[], pool: Pool): AgreementReport {
  const latest = new Map<string, Map<string, RatingRow>>(); // rater → "case\u0000explainer" → row
  for (const r of rows) {
    const mine = latest.get(r.rater) ?? new Map<string, RatingRow>();
    latest.set(r.rater, mine);
    const k = `${r.case}\u0000${r.explainer}`;
    const had = mine.get(k);
    if (!had || had.time <= r.time) mine.set(k, r);
  }
  const raters = [...latest.keys()].sort();
  const between_raters = raters.flatMap((a, i) =>
    raters.slice(i + 1).map((b) => {
      const [x, y] = [[], []] as number[][];
      for (const [k, r] of latest.get(a)!) {
        const other = latest.get(b)!.get(k);
        if (other) (x.push(r.rating), y.push(other.rating));
      }
      return { a, b, ...agree(x, y) };
    }),
  );
  const judge = (rater: string, mine: Iterable<RatingRow>, which: 'rule' | 'llm') => {
    const [h, j] = [[], []] as number[][];
    for (const r of mine) {
      const v = pool.byKey.get(r.case)?.texts[r.explainer]?.[which];
      if (v !== undefined && v !== null) (h.push(r.rating), j.push(v));
    }
    return { rater, ...agree(h, j) };
  };
  const every = [...latest.values()].flatMap((m) => [...m.values()]);
  const vsJudge = (which: 'rule' | 'llm') =>
    raters.length ? [...raters.map((r) => judge(r, latest.get(r)!.values(), which)), judge('all', every, which)] : [];
  const hasLlm = pool.cases.some((c) => Object.values(c.texts).some((t) => t.llm !== null));
  const explainers: AgreementReport['explainers'] = {};
  for (const name of pool.explainers) {
    const mine = every.filter((r) => r.explainer === name);
    const texts = mine.map((r) => pool.byKey.get(r.case)?.texts[name]).filter((t) => t !== undefined);
    explainers[name] = {
      n: mine.length,
      human_mean: mean(mine.map((r) => r.rating)),
      rule_mean: mean(texts.map((t) => t.rule)),
      llm_mean: mean(texts.flatMap((t) => (t.llm === null ? [] : [t.llm]))),
    };
  }
  return {
    ratings: every.length,
    raters: Object.fromEntries(raters.map((r) => [r, latest.get(r)!.size])),
    explainers,
    between_raters,
    human_vs_rule: vsJudge('rule'),
    human_vs_llm: hasLlm ? vsJudge('llm') : [],
  };
}
