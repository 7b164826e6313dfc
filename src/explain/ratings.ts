// The explanation-rating table (paper Tables 2/3): per explainer, the mean 0–3 rating and the rating
// distribution by the rule judge, by the LLM judge (when one rated) and by human raters (when a run
// holds their ratings); and, for every pair of raters, Cohen's kappa and Spearman's rho over the
// texts both rated (a text: one explainer's explanation of one case). Human ratings live in one
// JSON-lines file, RATINGS_FILE, one HumanRating a line — the shape the web UI exports.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../engine/errors.js';
import type { ExplanationRow } from './evaluate.js';
import { cohenKappa, spearmanRho } from './judge/agreement.js';
import { fixed4 } from '../report/format.js';

/** The human ratings of a run: <run>/ratings.jsonl (`explain --ratings FILE` reads any such file). */
export const RATINGS_FILE = 'ratings.jsonl';

/** One line of RATINGS_FILE: rater `rater` gave the explanation of case `case` (a pair key, "u12-pos") by `explainer` a 0–3 rating. */
export interface HumanRating {
  case: string;
  explainer: string;
  rater: string;
  rating: 0 | 1 | 2 | 3;
}

/** Every rating of a ratings file; [] when the file does not exist; a malformed line is a DataError naming it. */
export function readRatings(file: string): HumanRating[] {
  if (!existsSync(file)) return [];
  const out: HumanRating[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '') return;
      const at = { file, line: i + 1 };
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new DataError(at, 'is not valid JSON (want {"case", "explainer", "rater", "rating"})');
      }
      if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new DataError(at, 'is not a JSON object');
      for (const k of ['case', 'explainer', 'rater'] as const)
        if (typeof j[k] !== 'string' || j[k] === '') throw new DataError({ ...at, field: k }, 'missing or not a non-empty string');
      if (![0, 1, 2, 3].includes(j.rating as number))
        throw new DataError({ ...at, field: 'rating' }, `must be 0, 1, 2 or 3, got ${JSON.stringify(j.rating)}`);
      out.push({
        case: j.case as string,
        explainer: j.explainer as string,
        rater: j.rater as string,
        rating: j.rating as HumanRating['rating'],
      });
    });
  return out;
}

/** The rated rows of each explainer: explanations/<name>.jsonl of an explain output folder. */
export function explanationRows(explainDir: string, names: readonly string[]): Record<string, ExplanationRow[]> {
  const out: Record<string, ExplanationRow[]> = {};
  for (const n of names) {
    const file = join(explainDir, 'explanations', `${n}.jsonl`);
    if (!existsSync(file)) continue;
    out[n] = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ExplanationRow);
  }
  return out;
}

/** One judge's ratings of one explainer's texts. */
export interface RatingStats {
  n: number; // ratings
  mean: number;
  counts: [number, number, number, number]; // how many 0s, 1s, 2s, 3s
}

/** Two raters on the texts both rated. kappa and rho are null when they share none. */
export interface RaterAgreement {
  a: string;
  b: string;
  shared: number;
  kappa: number | null;
  rho: number | null;
}

/** report.json "ratings". Judges: "rule", "llm", "human" (every human rating pooled); raters in `agreement`: rule, llm, human:<rater>. */
export interface RatingsSummary {
  explainers: Record<string, Partial<Record<'rule' | 'llm' | 'human', RatingStats>>>;
  human_raters: string[];
  agreement: RaterAgreement[];
}

function stats(ratings: readonly number[]): RatingStats | undefined {
  if (ratings.length === 0) return undefined;
  const counts: RatingStats['counts'] = [0, 0, 0, 0];
  for (const r of ratings) counts[r]++;
  return { n: ratings.length, mean: ratings.reduce((a, b) => a + b, 0) / ratings.length, counts };
}

/** The table from the explainers' rated rows (rule rating, LLM rating where one was read) and the human ratings. */
export function ratingsSummary(rows: Record<string, readonly ExplanationRow[]>, humans: readonly HumanRating[]): RatingsSummary {
  const text = (explainer: string, c: string) => `${explainer}\u0000${c}`;
  const raters = new Map<string, Map<string, number>>(); // rater → text → rating
  const give = (rater: string, t: string, rating: number) => (raters.get(rater) ?? raters.set(rater, new Map()).get(rater)!).set(t, rating);
  for (const [n, rs] of Object.entries(rows))
    for (const r of rs) {
      give('rule', text(n, r.key), r.rating);
      if (typeof r.llm_rating === 'number') give('llm', text(n, r.key), r.llm_rating);
    }
  for (const h of humans) give(`human:${h.rater}`, text(h.explainer, h.case), h.rating); // a rater's later rating of a text wins
  const names = [...new Set([...Object.keys(rows), ...humans.map((h) => h.explainer)])];
  const explainers: RatingsSummary['explainers'] = {};
  for (const n of names) {
    const rs = rows[n] ?? [];
    const judged = {
      rule: stats(rs.map((r) => r.rating)),
      llm: stats(rs.flatMap((r) => (typeof r.llm_rating === 'number' ? [r.llm_rating] : []))),
      human: stats(
        [...raters]
          .filter(([k]) => k.startsWith('human:'))
          .flatMap(([, m]) => [...m].filter(([t]) => t.startsWith(`${n}\u0000`)).map(([, v]) => v)),
      ),
    };
    explainers[n] = Object.fromEntries(Object.entries(judged).filter(([, v]) => v !== undefined));
  }
  const ids = [...raters.keys()];
  const agreement: RaterAgreement[] = [];
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) {
      const a = raters.get(ids[i])!;
      const b = raters.get(ids[j])!;
      const shared = [...a.keys()].filter((t) => b.has(t));
      const x = shared.map((t) => a.get(t)!);
      const y = shared.map((t) => b.get(t)!);
      agreement.push({
        a: ids[i],
        b: ids[j],
        shared: shared.length,
        kappa: shared.length ? cohenKappa(x, y) : null,
        rho: shared.length ? spearmanRho(x, y) : null,
      });
    }
  return { explainers, human_raters: [...new Set(humans.map((h) => h.rater))].sort(), agreement };
}

const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(0)} %`;

/** The rating table and the agreement table, in Markdown; `ratingsFile` names where human ratings are read from (undefined: none asked for). */
export function ratingsMarkdown(s: RatingsSummary, ratingsFile: string | undefined): string[] {
  const raters = s.human_raters.length ? `${s.human_raters.length}: ${s.human_raters.join(', ')}` : 'none yet';
  const where = ratingsFile === undefined ? 'none given: `--ratings FILE`' : `read from \`${ratingsFile}\``;
  const lines = [
    '### Ratings by judge',
    '',
    `Each explainer's texts rated 0–3 by the rule judge, by the LLM judge (\`--judge-url\` or \`--judge-gguf\`) and by human raters (${raters}; ${where}, one \`{"case", "explainer", "rater", "rating"}\` a line); mean and the share of each rating.`,
    '',
    '| explainer | judge | texts | mean | 0 | 1 | 2 | 3 |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [n, by] of Object.entries(s.explainers))
    for (const [judge, r] of Object.entries(by))
      lines.push(`| ${n} | ${judge} | ${r.n} | ${r.mean.toFixed(4)} | ${r.counts.map((k) => pct(k, r.n)).join(' | ')} |`);
  if (s.agreement.length)
    lines.push(
      '',
      "Agreement between raters on the texts both rated (Cohen's κ on the ratings as categories, Spearman's ρ on them as ranks):",
      '',
      '| rater | rater | shared texts | κ | ρ |',
      '|---|---|---:|---:|---:|',
      ...s.agreement.map((g) => `| ${g.a} | ${g.b} | ${g.shared} | ${fixed4(g.kappa)} | ${fixed4(g.rho)} |`),
    );
  lines.push('');
  return lines;
}
