// What blind sessions draw from: the explanations the run's explain stage wrote and judged
// (<run>/explain/explanations/<explainer>.jsonl, explain/evaluate.ts' rows), one case per test pair
// that every explainer explained, each explainer's text with the rule judge's rating and the LLM
// judge's (null without one). Cases are in one fixed, seeded order: raters who start at the top rate
// the same cases, which is what agreement between them needs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../engine/errors.js';
import { Rng } from '../../engine/rng.js';
import type { ExplanationRow } from '../../explain/evaluate.js';

export interface PoolText {
  text: string;
  rule: number; // the rule judge's 0–3 rating
  llm: number | null; // the LLM judge's, when the run had one and its reply was readable
}

export interface PoolCase {
  key: string; // "u12-pos"
  user: number;
  item: number;
  decision: 'yes' | 'no'; // f's
  texts: Record<string, PoolText>; // by explainer
}

export interface Pool {
  dir: string; // where the rows were read from
  explainers: string[];
  cases: PoolCase[]; // the fixed order sessions take them in
  byKey: Map<string, PoolCase>;
}

const ORDER_SEED = 15;

function readRows(file: string): ExplanationRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as ExplanationRow;
      } catch (e) {
        throw new DataError({ file, line: i + 1 }, `not a JSON row (${(e as Error).message})`);
      }
    });
}

/** The run's rating pool; empty (no explainers, no cases) when its explain stage wrote no rows. */
export function readPool(run: string): Pool {
  const dir = join(run, 'explain', 'explanations');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];
  const explainers = files.map((f) => f.slice(0, -'.jsonl'.length)).sort();
  const byKey = new Map<string, PoolCase>();
  const seen = new Map<string, number>(); // key → explainers with a row for it
  for (const name of explainers) {
    for (const r of readRows(join(dir, `${name}.jsonl`))) {
      let c = byKey.get(r.key);
      if (!c) byKey.set(r.key, (c = { key: r.key, user: r.user, item: r.item, decision: r.f_decision as 'yes' | 'no', texts: {} }));
      if (!(name in c.texts)) seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
      c.texts[name] = { text: r.text, rule: r.rating, llm: r.llm_rating ?? null };
    }
  }
  const complete = [...byKey.values()].filter((c) => seen.get(c.key) === explainers.length);
  const cases = new Rng(ORDER_SEED).shuffle(complete);
  return { dir, explainers, cases, byKey: new Map(cases.map((c) => [c.key, c])) };
}
