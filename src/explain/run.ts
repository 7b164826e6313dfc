// The `explain` stage: every explainer (aligned models, the unaligned base LM, the template-only
// baseline) writes an explanation for the same test pairs; each is scored against f (faithfulness,
// rule judge, optionally an LLM judge), and the distinction experiments run on all the texts.
// Grounded runs also let each LM explainer decode freely (the paper's way), scored the same
// (result.free, rows in explanations/free/).
import { makeDir } from '../engine/out_dir.js';
import { join } from 'node:path';
import { Surrogate } from '../align/model.js';
import { readTaskRecords, taskFile, tasksSources } from '../tasks/records.js';
import { readDataset } from '../data/dataset.js';
import { writeJsonlAtomic } from '../engine/atomic.js';
import { initEngine } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { Recommender } from '../rec/recommender.js';
import type { Form } from '../tasks/forms.js';
import { loadTemplates } from '../tasks/templates.js';
import { titlesById } from '../data/text_forms.js';
import { ASPECTS, aspectCoverage, aspectWord, knownAspect, type AspectCoverage, type AspectId } from '../facts/aspects.js';
import { explainCases, type ExplainCase } from './cases.js';
import { pairRecords, readPairs } from './pairs.js';
import { distinguish, textFeatures, type DistinctionResult } from './distinction.js';
import { itemFacts } from '../facts/fact_check.js';
import { scoreExplanations, type ExplanationMetrics, type ExplanationRow, type Metadata } from './evaluate.js';
import { lmExplainer, LM_EXPLAINER_DEFAULTS, templateExplainer, type Explainer } from './explainers.js';
import { LlmJudge } from './judge/llm.js';
import type { ExplainConfig } from './config.js';

export interface ExplainResult {
  explanations: Record<string, ExplanationMetrics>;
  distinction: DistinctionResult | null;
  examples: Record<string, ExplanationRow[]>; // the first 5 rows per explainer
  aspects: Record<string, AspectCoverage>; // per explainer: which aspects its texts cover (`only` for --aspect)
  aspectStudy: Record<string, AspectStudy>; // per aligned model, with aspectStudy > 0
  free?: { explanations: Record<string, ExplanationMetrics> }; // grounded runs: the LM explainers decoding freely
}

/** Coverage of the same pairs asked for no aspect, then for each aspect in turn. */
export type AspectStudy = Record<'none' | AspectId, AspectCoverage>;

export async function explainAll(cfg: ExplainConfig): Promise<ExplainResult> {
  await initEngine({ backend: 'auto' });
  const src = tasksSources(cfg.tasks);
  const ds = readDataset(src.data);
  const titles = titlesById(ds.items);
  const catalogue = { titles };
  const facts = ds.items.map(itemFacts);
  const metadata: Metadata = { of: (id) => facts[id - 1], vocabulary: [...new Set(facts.flatMap((f) => f.themes))] };
  const rec = await Recommender.load(src.rec);
  const fromPairs = cfg.pairs
    ? pairRecords(readPairs(cfg.pairs, ds), ds, rec, titles, loadTemplates(), src.maxHistory, src.posTop)
    : undefined;
  const recordsOf = (form: Form) => fromPairs?.records[form] ?? readTaskRecords(taskFile(cfg.tasks, 'test', form));
  const cases: ExplainCase[] = explainCases(
    recordsOf('I'),
    cfg.pairs ?? taskFile(cfg.tasks, 'test', 'I'),
    rec,
    ds.items,
    src.maxHistory,
    cfg.sample,
    cfg.seed,
    fromPairs && ((k) => fromPairs.decisions.get(k)!),
  );
  if (cases.length === 0) throw new UserError(`${cfg.tasks}: no explanation (task 7) test samples; rebuild the tasks with explanations`);
  const base = cfg.baseModel ?? (cfg.models.length ? Surrogate.baseOf(cfg.models[0]) : undefined);
  const grounded = cfg.decoding === 'grounded';
  const lmOpts = (aspect?: string, free = !grounded, itemFirst?: number) => ({
    ...LM_EXPLAINER_DEFAULTS,
    aspect,
    spans: free ? undefined : { titles, maxHistory: src.maxHistory, itemFirst },
  });
  type Made = { e: Explainer; dispose?: () => void; asking?: (aspect: string) => Explainer; free?: Explainer };
  const explainers: { make: () => Promise<Made> }[] = [];
  if (base) {
    explainers.push({
      make: async () => {
        const s = await Surrogate.base(base);
        const file = cfg.pairs ?? taskFile(cfg.tasks, 'test', 'B');
        const explainer = (free?: boolean) => lmExplainer('base-lm', s, recordsOf('B'), file, lmOpts(cfg.aspect, free));
        return { e: explainer(), dispose: () => s.dispose(), free: grounded ? explainer(true) : undefined };
      },
    });
  }
  explainers.push({ make: async () => ({ e: templateExplainer(titles, ds.items, cfg.seed + 7) }) });
  for (const dir of cfg.models) {
    explainers.push({
      make: async () => {
        const s = await Surrogate.load(dir);
        const mode = s.meta!.mode;
        const file = cfg.pairs ?? taskFile(cfg.tasks, 'test', mode);
        const asking = (aspect?: string, free?: boolean) =>
          lmExplainer(s.name, s, recordsOf(mode), file, lmOpts(aspect, free, s.itemFirst));
        return { e: asking(cfg.aspect), dispose: () => s.dispose(), asking, free: grounded ? asking(cfg.aspect, true) : undefined };
      },
    });
  }
  const judge = cfg.judgeUrl
    ? new LlmJudge({ url: cfg.judgeUrl, model: cfg.judgeModel, apiKey: cfg.judgeKey ?? process.env.OPENAI_API_KEY })
    : undefined;
  const result: ExplainResult = {
    explanations: {},
    distinction: null,
    examples: {},
    aspects: {},
    aspectStudy: {},
    ...(grounded ? { free: { explanations: {} } } : {}),
  };
  const asked = cfg.aspect === undefined ? null : knownAspect(cfg.aspect);
  const studied = cases.slice(0, cfg.aspectStudy);
  const texts: Record<string, string[]> = {};
  makeDir(join(cfg.out, 'explanations', ...(grounded ? ['free'] : [])));
  for (const x of explainers) {
    const { e, dispose, asking, free } = await x.make();
    let seconds = 0;
    try {
      if (free) {
        if (!cfg.quiet) console.error(`explaining ${cases.length} pairs with ${e.name}, decoding freely …`);
        const t0 = performance.now();
        const freeTexts = free.explain(cases);
        const { metrics, rows } = scoreExplanations(cases, freeTexts, catalogue, metadata, (performance.now() - t0) / 1000);
        result.free!.explanations[e.name] = metrics;
        writeJsonlAtomic(join(cfg.out, 'explanations', 'free', `${e.name}.jsonl`), rows);
      }
      if (!cfg.quiet) console.error(`explaining ${cases.length} pairs with ${e.name} …`);
      const t0 = performance.now();
      texts[e.name] = e.explain(cases);
      seconds = (performance.now() - t0) / 1000;
      if (asking && studied.length > 0) {
        if (!cfg.quiet) console.error(`asking ${e.name} for each aspect on ${studied.length} pairs …`);
        const study = { none: aspectCoverage(texts[e.name].slice(0, studied.length), studied, catalogue, null) } as AspectStudy;
        for (const a of ASPECTS) study[a] = aspectCoverage(asking(aspectWord(a)).explain(studied), studied, catalogue, a);
        result.aspectStudy[e.name] = study;
      }
    } finally {
      dispose?.();
    }
    const { metrics, rows } = scoreExplanations(cases, texts[e.name], catalogue, metadata, seconds);
    if (judge) {
      const r = await judge.rate(
        cases.map((c, i) => ({
          history: c.shown.map((h) => titles[h]),
          item: titles[c.item],
          decision: c.decision,
          explanation: texts[e.name][i],
        })),
      );
      rows.forEach((row, i) => (row.llm_judge = r.ratings[i]));
      const got = r.ratings.filter((v): v is number => v !== null);
      metrics.llm_judge_mean = got.length ? got.reduce((a, b) => a + b, 0) / got.length : null;
      metrics.llm_judge_unparseable = r.unparseable + r.failed;
    }
    result.explanations[e.name] = metrics;
    result.aspects[e.name] = aspectCoverage(texts[e.name], cases, catalogue, asked);
    result.examples[e.name] = rows.slice(0, 5);
    writeJsonlAtomic(join(cfg.out, 'explanations', `${e.name}.jsonl`), rows);
  }
  if (cfg.distinction && base) {
    const s = await Surrogate.base(base);
    try {
      const names = Object.keys(texts);
      const features = names.map((n) => textFeatures(s.model, s.tok, texts[n]));
      const fScores = cases.map((c) => rec.score(c.history, [c.item])[0]);
      result.distinction = distinguish(features, names, fScores, cfg.seed);
    } finally {
      s.dispose();
    }
  }
  return result;
}
