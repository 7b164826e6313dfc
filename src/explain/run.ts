// The `explain` stage: every explainer (aligned models, the unaligned base LM, the template-only
// baseline) writes an explanation for the same test pairs; each is scored against f (faithfulness,
// rule judge, optionally an LLM judge), and the distinction experiments run on all the texts.
// Grounded runs also let each LM explainer decode freely (the paper's way), scored the same
// (result.free, rows in explanations/free/). The icl-llm explainer asks an OpenAI-compatible
// endpoint (--llm-url) or a GGUF file run through llama.cpp (--llm-gguf), replies cached in
// <out>/icl-llm.jsonl: without either its row is null with a note "not run"; a dead endpoint (or a
// GGUF file that cannot run) makes it null with a note and an error line (result.errors). The LLM
// judge (--judge-url or --judge-gguf) keeps its replies in <out>/llm-judge.jsonl. Each LM
// explainer's texts are kept in <out>/explained/ as it finishes (engine/kept.ts): a rerun over the
// same folder (a killed run) scores them again without generating them again.
// --engine llama-cpp: the text-only LM explainers (base-lm, recexplainer-b) decode through llama.cpp
// (align/text_engines.ts), each model file loaded once; the I/H forms stay on ours.
import { makeDir } from '../engine/out_dir.js';
import { join, resolve } from 'node:path';
import { KeptParts, keptKey, sourceIdentity } from '../engine/kept.js';
import { Surrogate } from '../align/model.js';
import { TextEngines } from '../align/text_engines.js';
import { readTaskRecords, taskFile, tasksSources } from '../tasks/records.js';
import { readDataset } from '../data/dataset.js';
import { writeJsonlAtomic } from '../engine/atomic.js';
import { initEngine } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { openRecommender } from '../rec/open.js';
import { NO_HISTORY_MODEL } from '../rec/table_tower.js';
import type { Form } from '../tasks/forms.js';
import { loadTemplates } from '../tasks/templates.js';
import { titlesById } from '../data/text_forms.js';
import { ASPECTS, aspectCoverage, aspectWord, knownAspect, type AspectCoverage, type AspectId } from '../facts/aspects.js';
import { explainCases, type ExplainCase } from './cases.js';
import { pairRecords, readPairs } from './pairs.js';
import { distinguish, textFeatures, type DistinctionResult } from './distinction.js';
import { itemFacts } from '../facts/fact_check.js';
import { lexicon } from '../facts/lexicon.js';
import { scoreExplanations, type ExplanationMetrics, type ExplanationRow, type Metadata } from './evaluate.js';
import { guardProse, lmExplainer, LM_EXPLAINER_DEFAULTS, templateExplainer, type Explainer } from './explainers.js';
import type { TextEngine } from '../lm/decode/text_engine.js';
import { LlmJudge } from './judge/llm.js';
import { BASELINE_EXPLAINERS, type ExplainConfig } from './config.js';
import { iclLlmExplainer } from './llm_explainer.js';
import { iclPicker } from '../tasks/icl.js';
import { ICL_LLM_CACHE, ICL_LLM_NOT_RUN } from '../tasks/icl_llm.js';
import { chatSource, describeChat } from '../openai/backend.js';

/** The cache file of the LLM judge's replies inside the output folder. */
export const LLM_JUDGE_CACHE = 'llm-judge.jsonl';

export interface ExplainResult {
  explanations: Record<string, ExplanationMetrics | null>; // null: not run or failed (icl-llm; see notes)
  distinction: DistinctionResult | null;
  examples: Record<string, ExplanationRow[]>; // the first 5 rows per explainer
  aspects: Record<string, AspectCoverage>; // per explainer: which aspects its texts cover (`only` for --aspect)
  aspectStudy: Record<string, AspectStudy>; // per aligned model, with aspectStudy > 0
  free?: { explanations: Record<string, ExplanationMetrics> }; // grounded runs: the LM explainers decoding freely
  factGuard?: boolean; // grounded LM texts were decoded under the fact guard (fact_guard.ts, known_words.ts)
  notes?: Record<string, string>; // what a row rests on or why it is null (icl-llm); absent in older results
  errors?: string[]; // one line each: an explainer that failed (the icl-llm endpoint) while the others were scored
}

/** Coverage of the same pairs asked for no aspect, then for each aspect in turn. */
export type AspectStudy = Record<'none' | AspectId, AspectCoverage>;

/** What one LM explainer wrote, as explain keeps it: the texts (and the free ones, the aspect study) and their seconds. */
interface Explained {
  texts: string[];
  seconds: number;
  free?: { texts: string[]; seconds: number };
  study?: AspectStudy;
}

/** Where explain keeps each LM explainer's texts as it finishes (cli/explain.ts clears it on --force). */
export const explainedParts = (out: string) => new KeptParts<Explained>(out, 'explained');

export async function explainAll(cfg: ExplainConfig): Promise<ExplainResult> {
  const judgeAt = chatSource(cfg, 'judgeUrl', 'judgeGguf');
  const llmAt = chatSource(cfg, 'llmUrl', 'llmGguf');
  await initEngine({ backend: 'auto' });
  const src = tasksSources(cfg.tasks);
  const ds = readDataset(src.data);
  const titles = titlesById(ds.items);
  const catalogue = { titles };
  const facts = ds.items.map(itemFacts);
  const trainedRecords = readTaskRecords(taskFile(cfg.tasks, 'train', 'I')).filter((r) => r.task === 7);
  const trained = trainedRecords.map((r) => r.response);
  const metadata: Metadata = {
    of: (id) => facts[id - 1],
    vocabulary: [...new Set(facts.flatMap((f) => f.themes))],
    lexicon: lexicon([...trained, ...titles]),
    places: guardProse(trainedRecords, titles, src.maxHistory),
  };
  /** Non-words and misplaced titles are counted for the aligned LMs only: the lexicon and places are what they learnt to write (others write other prose). */
  const aligned = (name: string): Metadata =>
    name.startsWith('recexplainer-') ? metadata : { ...metadata, lexicon: undefined, places: undefined };
  const rec = await openRecommender(src.rec);
  if (!rec.readsHistory) throw new UserError(`explain skipped: its scores rest on f's leave-one-out contributors, and ${NO_HISTORY_MODEL}`);
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
  const baselines = new Set(cfg.baselines ?? BASELINE_EXPLAINERS);
  const grounded = cfg.decoding === 'grounded';
  const freeToo = grounded && cfg.freeToo !== false;
  const kept = explainedParts(cfg.out);
  const { sample, seed, decoding, factGuard, leadOrder, aspect, aspectStudy, engine } = cfg;
  const settings = {
    tasks: resolve(cfg.tasks),
    pairs: cfg.pairs && sourceIdentity(cfg.pairs),
    sample,
    seed,
    decoding,
    factGuard,
    leadOrder,
    aspect,
    aspectStudy,
    freeToo,
    engine,
  };
  const keyOf = (name: string, source: string) => keptKey({ name, ...settings }, source);
  const engines = new TextEngines(cfg.engine);
  /** With the fact guard: the prose of the training explanations (the titles they cite cut out), the words a guarded text keeps to. */
  const guarded = cfg.factGuard ? metadata.places : undefined;
  const lmOpts = (aspect?: string, free = !grounded, itemFirst?: number, engine?: TextEngine) => ({
    ...LM_EXPLAINER_DEFAULTS,
    aspect,
    spans: free ? undefined : { titles, maxHistory: src.maxHistory, itemFirst },
    leadOrder: cfg.leadOrder,
    facts: free || !guarded ? undefined : { catalogue, metadata, prose: guarded },
    engine,
  });
  type Made = { e: Explainer; dispose?: () => void; asking?: (aspect: string) => Explainer; free?: Explainer };
  // source: the model folder or file an LM explainer loads (its texts are kept as they finish)
  const explainers: { name: string; source?: string; make: () => Promise<Made> }[] = [];
  if (base && baselines.has('base-lm')) {
    explainers.push({
      name: 'base-lm',
      source: base,
      make: async () => {
        const s = await Surrogate.base(base);
        const file = cfg.pairs ?? taskFile(cfg.tasks, 'test', 'B');
        const engine = engines.for(s, base);
        const explainer = (free?: boolean) => lmExplainer('base-lm', s, recordsOf('B'), file, lmOpts(cfg.aspect, free, undefined, engine));
        return { e: explainer(), dispose: () => s.dispose(), free: freeToo ? explainer(true) : undefined };
      },
    });
  }
  if (baselines.has('template'))
    explainers.push({ name: 'template', make: async () => ({ e: templateExplainer(titles, ds.items, cfg.seed + 7) }) });
  for (const dir of cfg.models) {
    explainers.push({
      name: Surrogate.nameOf(Surrogate.readMeta(dir)),
      source: dir,
      make: async () => {
        const s = await Surrogate.load(dir);
        const mode = s.meta!.mode;
        const file = cfg.pairs ?? taskFile(cfg.tasks, 'test', mode);
        const engine = mode === 'B' ? engines.for(s, dir) : undefined;
        const asking = (aspect?: string, free?: boolean) =>
          lmExplainer(s.name, s, recordsOf(mode), file, lmOpts(aspect, free, s.itemFirst, engine));
        return { e: asking(cfg.aspect), dispose: () => s.dispose(), asking, free: freeToo ? asking(cfg.aspect, true) : undefined };
      },
    });
  }
  const judge =
    judgeAt &&
    new LlmJudge({
      ...judgeAt,
      model: cfg.judgeModel,
      apiKey: cfg.judgeKey ?? process.env.OPENAI_API_KEY,
      cacheFile: join(cfg.out, LLM_JUDGE_CACHE),
    });
  const result: ExplainResult = {
    explanations: {},
    distinction: null,
    examples: {},
    aspects: {},
    aspectStudy: {},
    ...(freeToo ? { free: { explanations: {} } } : {}),
    ...(guarded ? { factGuard: true } : {}),
    notes: {},
    errors: [],
  };
  const asked = cfg.aspect === undefined ? null : knownAspect(cfg.aspect);
  const studied = cases.slice(0, cfg.aspectStudy);
  const texts: Record<string, string[]> = {};
  makeDir(join(cfg.out, 'explanations', ...(freeToo ? ['free'] : [])));
  /** Scores texts[name] (and lets the LLM judge rate them), keeping the metrics, aspects, examples and rows. */
  const score = async (name: string, seconds: number) => {
    const { metrics, rows } = scoreExplanations(cases, texts[name], catalogue, aligned(name), seconds);
    if (judge) {
      const r = await judge.rate(
        cases.map((c, i) => ({
          history: c.shown.map((h) => titles[h]),
          item: titles[c.item],
          decision: c.decision,
          explanation: texts[name][i],
        })),
      );
      const got = r.ratings.filter((v): v is number => v !== null);
      metrics.llm_judge_mean = got.length ? got.reduce((a, b) => a + b, 0) / got.length : null;
      metrics.llm_judge_unparseable = r.unparseable + r.failed;
      rows.forEach((row, i) => (row.llm_rating = r.ratings[i]));
    }
    result.explanations[name] = metrics;
    result.aspects[name] = aspectCoverage(texts[name], cases, catalogue, asked);
    result.examples[name] = rows.slice(0, 5);
    writeJsonlAtomic(join(cfg.out, 'explanations', `${name}.jsonl`), rows);
  };
  /** The icl-llm row: null with a note without a model, or when the endpoint is dead or refuses (an error line too). */
  const explainIclLlm = async () => {
    if (!llmAt) {
      result.explanations['icl-llm'] = null;
      result.notes!['icl-llm'] = ICL_LLM_NOT_RUN;
      return;
    }
    const where = describeChat(llmAt, cfg.llmModel);
    if (!cfg.quiet) console.error(`explaining ${cases.length} pairs with icl-llm (${where}) …`);
    const t0 = performance.now();
    let asked: Awaited<ReturnType<typeof iclLlmExplainer>>;
    try {
      // the examples: training explanations that ask for no aspect (an aspect-focused one has template "t7.k+<aspect>")
      const train = readTaskRecords(taskFile(cfg.tasks, 'train', 'B')).filter((r) => r.task === 7 && !r.template?.includes('+'));
      const opts = { ...llmAt, model: cfg.llmModel, cacheFile: join(cfg.out, ICL_LLM_CACHE), quiet: cfg.quiet };
      asked = await iclLlmExplainer(
        cases,
        recordsOf('B'),
        cfg.pairs ?? taskFile(cfg.tasks, 'test', 'B'),
        iclPicker(train, cfg.seed),
        opts,
        cfg.aspect,
      );
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      result.explanations['icl-llm'] = null;
      result.notes!['icl-llm'] = `failed: ${err.message}`;
      result.errors!.push(err.message);
      return;
    }
    texts['icl-llm'] = asked.explainer.explain(cases);
    await score('icl-llm', (performance.now() - t0) / 1000);
    const st = asked.stats;
    result.notes!['icl-llm'] =
      `${where}, the task-7 prompt after two solved training explanations: ${st.asked} prompts, ${st.cached} replies from the cache, ${st.failed} without a reply (an empty text)`;
  };
  try {
    try {
      for (const x of explainers) {
        const key = x.source && keyOf(x.name, x.source);
        let part = key ? kept.read(x.name, key) : undefined;
        if (part && !cfg.quiet) console.error(`${x.name}: explained before, kept in ${kept.where(x.name)}`);
        if (!part) {
          const { e, dispose, asking, free } = await x.make();
          try {
            part = { texts: [], seconds: 0 };
            if (free) {
              if (!cfg.quiet) console.error(`explaining ${cases.length} pairs with ${e.name}, decoding freely …`);
              const t0 = performance.now();
              part.free = { texts: free.explain(cases), seconds: (performance.now() - t0) / 1000 };
            }
            if (!cfg.quiet) console.error(`explaining ${cases.length} pairs with ${e.name} …`);
            const t0 = performance.now();
            part.texts = e.explain(cases);
            part.seconds = (performance.now() - t0) / 1000;
            if (asking && studied.length > 0) {
              if (!cfg.quiet) console.error(`asking ${e.name} for each aspect on ${studied.length} pairs …`);
              const study = { none: aspectCoverage(part.texts.slice(0, studied.length), studied, catalogue, null) } as AspectStudy;
              for (const a of ASPECTS) study[a] = aspectCoverage(asking(aspectWord(a)).explain(studied), studied, catalogue, a);
              part.study = study;
            }
          } finally {
            dispose?.();
          }
          if (key) kept.write(x.name, key, part);
        }
        if (part.free) {
          const { metrics, rows } = scoreExplanations(cases, part.free.texts, catalogue, aligned(x.name), part.free.seconds);
          result.free!.explanations[x.name] = metrics;
          writeJsonlAtomic(join(cfg.out, 'explanations', 'free', `${x.name}.jsonl`), rows);
        }
        if (part.study) result.aspectStudy[x.name] = part.study;
        texts[x.name] = part.texts;
        await score(x.name, part.seconds);
      }
    } finally {
      engines.dispose();
    }
    if (baselines.has('icl-llm')) await explainIclLlm();
  } finally {
    judge?.dispose();
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
