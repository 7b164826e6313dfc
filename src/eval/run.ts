// The `eval` stage: every requested method on the same test samples. Aligned models (their mode
// names the method and the form they read), the base LM unaligned and with two in-context examples
// (B form), and the random / popularity / distilled-SASRec baselines (inputs of the I form). Nothing
// is trained here: the sasrec-kd row reads a student the `distill` stage trained. Every method's
// answers are kept in <out>/answers/<method>.jsonl (one AnswerRow per test sample, see evaluate.ts).
// LM methods decode grounded in the catalogue (grounding.ts) or freely; grounded runs also evaluate
// them freely (result.free, answers in <out>/answers/free/), with the share of valid titles.
// Each method's rows are kept in <out>/scored/ as it finishes (engine/kept.ts): a rerun over the
// same folder (a killed run) reuses them instead of scoring that method again.
// The icl-llm row asks an OpenAI-compatible endpoint (--llm-url) or a GGUF file run through llama.cpp
// (--llm-gguf), replies cached in <out>/icl-llm.jsonl: without either it is null with a note "not
// run"; a dead endpoint (or a GGUF file that cannot run) makes it null with a note and an error line
// (result.errors) while every other row is still evaluated.
// --engine llama-cpp: the text-only LM methods (base-lm, icl, recexplainer-b) decode and score
// through llama.cpp (align/text_engines.ts), each model file loaded once; the I/H forms stay on ours.
import { join, resolve } from 'node:path';
import { Surrogate } from '../align/model.js';
import { TextEngines } from '../align/text_engines.js';
import { readTaskRecords, taskFile, tasksSources } from '../tasks/records.js';
import { readDataset } from '../data/dataset.js';
import { writeJsonlAtomic } from '../engine/atomic.js';
import { initEngine } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { iclPicker } from '../tasks/icl.js';
import { ICL_LLM_CACHE, ICL_LLM_NOT_RUN } from '../tasks/icl_llm.js';
import { chatSource, describeChat } from '../openai/backend.js';
import { iclLlmMethod } from './llm_method.js';
import { Recommender } from '../rec/recommender.js';
import type { Form, TaskRecord } from '../tasks/forms.js';
import { titlesById } from '../data/text_forms.js';
import { distilledMethod, popularityMethod, randomMethod } from './baselines.js';
import { catalogueKeys, evaluateMethod, type AnswerRow, type MethodMetrics } from './evaluate.js';
import { grounding } from './grounding.js';
import { KeptParts, keptKey } from '../engine/kept.js';
import { lmMethod, LM_METHOD_DEFAULTS, type LmMethodOptions } from './lm_method.js';
import type { Method, MethodName } from './method.js';
import { evalSets, pickSubset } from './sets.js';
import { LM_BASELINES, type EvalConfig } from './config.js';

/** An LM method's free-decoding row: valid_rate = share of its task-1 (top beam) and task-4 answers that are catalogue titles. */
export type FreeMetrics = MethodMetrics & { valid_rate: number | null };

/** A method's rows as eval keeps them: by the run's decoding, and freely for a grounded run's LM methods. */
interface Scored {
  metrics: MethodMetrics;
  free?: FreeMetrics;
}

/** Where eval keeps each method's rows (cli/eval.ts clears it on --force). */
export const scoredParts = (out: string) => new KeptParts<Scored>(out, 'scored');

export interface EvalResult {
  methods: Partial<Record<MethodName, MethodMetrics | null>>; // by the run's decoding; null: not run or failed (see notes)
  free?: { methods: Partial<Record<MethodName, FreeMetrics>> }; // grounded runs: the LM methods decoding freely
  notes?: Partial<Record<MethodName, string>>; // what a row rests on or why it is null (icl-llm); absent in older results
  errors?: string[]; // one line each: a method that failed (the icl-llm endpoint) while the other rows were written
  timings: Record<string, number>; // seconds per method (eval_<method>, eval_<method>_free)
}

/** Share of valid task-1 and task-4 answers, from the invalid rates and sample counts. */
function validRate(m: MethodMetrics): number | null {
  const n = m.samples.task1 + m.samples.task4;
  if (n === 0) return null;
  return 1 - ((m.task1.invalid_rate ?? 0) * m.samples.task1 + (m.task4.invalid_rate ?? 0) * m.samples.task4) / n;
}

export async function evaluateAll(cfg: EvalConfig): Promise<EvalResult> {
  const llmAt = chatSource(cfg, 'llmUrl', 'llmGguf');
  const base = cfg.baseModel ?? (cfg.models.length ? Surrogate.baseOf(cfg.models[0]) : undefined);
  const lmBaseline = cfg.baselines.find((b) => LM_BASELINES.includes(b));
  if (lmBaseline && !base) throw new UserError(`--baselines ${lmBaseline} needs --base-model (or an aligned --model whose base it reuses)`);
  if (cfg.baselines.includes('sasrec-kd') && !cfg.student)
    throw new UserError('the sasrec-kd baseline needs --student (a folder from `recexplainer distill`)');
  await initEngine({ backend: 'auto' });
  const src = tasksSources(cfg.tasks);
  const ds = readDataset(src.data);
  const titles = titlesById(ds.items);
  const catalogue = catalogueKeys(titles);
  const subset = pickSubset(cfg.tasks, { users: cfg.users, task4: cfg.task4, seed: cfg.seed });
  const sets = new Map<Form, ReturnType<typeof evalSets>>();
  const setsOf = (f: Form) => sets.get(f) ?? sets.set(f, evalSets(cfg.tasks, f, subset)).get(f)!;
  const freeToo = cfg.decoding === 'grounded' && cfg.freeToo !== false;
  const result: EvalResult = { methods: {}, ...(freeToo ? { free: { methods: {} } } : {}), notes: {}, errors: [], timings: {} };
  let trainB: TaskRecord[] | undefined;
  const shots = () => iclPicker((trainB ??= readTaskRecords(taskFile(cfg.tasks, 'train', 'B'))), cfg.seed);
  const score = (m: Method, form: Form, dir: string) => {
    const answers: AnswerRow[] = [];
    const r = evaluateMethod(m, setsOf(form), catalogue, cfg.quiet, answers);
    writeJsonlAtomic(join(cfg.out, dir, `${m.name}.jsonl`), answers);
    return r;
  };
  const run = (m: Method, form: Form) => {
    try {
      result.methods[m.name] = score(m, form, 'answers');
      result.timings[`eval_${m.name}`] = result.methods[m.name]!.seconds;
    } finally {
      m.dispose?.();
    }
  };
  const kept = scoredParts(cfg.out);
  const { users, task4, decoding, engine, seed } = cfg;
  /** Task 2's beams under grounding: text models only; an item-token model reads its Plackett–Luce order best greedily (README, Decoding). */
  const beamsOf = (itemTokens: boolean): { rankBeams?: number } =>
    decoding === 'grounded' && cfg.rankBeams > 0 && !itemTokens ? { rankBeams: cfg.rankBeams } : {}; // absent when greedy: older kept rows still count
  const keyOf = (name: MethodName, source?: string, beams: { rankBeams?: number } = {}) =>
    keptKey({ name, tasks: resolve(cfg.tasks), users, task4, decoding, engine, seed, freeToo: cfg.freeToo, ...beams }, source);
  /** A method's rows kept by an earlier pass over this folder, put in the result; false when there are none. */
  const reuse = (name: MethodName, key: string): boolean => {
    const s = kept.read(name, key);
    if (!s) return false;
    result.methods[name] = s.metrics;
    result.timings[`eval_${name}`] = s.metrics.seconds;
    if (s.free && result.free) {
      result.free.methods[name] = s.free;
      result.timings[`eval_${name}_free`] = s.free.seconds;
    }
    if (!cfg.quiet) console.error(`eval ${name}: scored before, kept in ${kept.where(name)}`);
    return true;
  };
  /** `run`, unless kept rows are reused; the method is made only when it is scored. */
  const runKept = async (name: MethodName, source: string | undefined, make: () => Method | Promise<Method>, form: Form) => {
    const key = keyOf(name, source);
    if (reuse(name, key)) return;
    run(await make(), form);
    kept.write(name, key, { metrics: result.methods[name]! });
  };
  /** An LM method by the run's decoding, and freely too when that is grounded; the surrogate is disposed after. */
  const runLm = (name: MethodName, s: Surrogate, source: string, form: Form, opts: LmMethodOptions) => {
    try {
      const g =
        cfg.decoding === 'grounded'
          ? grounding(s.tok, {
              titles,
              histories: subset.histories,
              maxHistory: src.maxHistory,
              itemFirst: s.itemFirst,
              itemTitle: s.itemTitle,
            })
          : undefined;
      result.methods[name] = score(lmMethod(name, s, source, { ...opts, grounding: g }), form, 'answers');
      result.timings[`eval_${name}`] = result.methods[name]!.seconds;
      if (result.free) {
        const free = score(lmMethod(name, s, source, opts), form, join('answers', 'free'));
        result.free.methods[name] = { ...free, valid_rate: validRate(free) };
        result.timings[`eval_${name}_free`] = free.seconds;
      }
    } finally {
      s.dispose();
    }
  };
  /** `runLm` on the model at `path`, unless kept rows are reused (the model is then not loaded). */
  const runLmKept = async (
    name: MethodName,
    path: string,
    load: () => Promise<Surrogate>,
    form: Form,
    opts: (s: Surrogate) => LmMethodOptions,
    itemTokens = false,
  ) => {
    const beams = beamsOf(itemTokens);
    const key = keyOf(name, path, beams);
    if (reuse(name, key)) return;
    const s = await load();
    runLm(name, s, taskFile(cfg.tasks, 'test', form), form, { ...opts(s), ...beams }); // beams apply under grounding only
    kept.write(name, key, { metrics: result.methods[name]!, free: result.free?.methods[name] });
  };
  /** The icl-llm row: null with a note without a model, or when the endpoint is dead or refuses (an error line too). */
  const runIclLlm = async () => {
    if (!llmAt) {
      result.methods['icl-llm'] = null;
      result.notes!['icl-llm'] = ICL_LLM_NOT_RUN;
      return;
    }
    let asked: Awaited<ReturnType<typeof iclLlmMethod>>;
    try {
      const opts = { ...llmAt, model: cfg.llmModel, cacheFile: join(cfg.out, ICL_LLM_CACHE), quiet: cfg.quiet };
      asked = await iclLlmMethod(setsOf('B'), shots(), opts);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      result.methods['icl-llm'] = null;
      result.notes!['icl-llm'] = `failed: ${e.message}`;
      result.errors!.push(e.message);
      return;
    }
    run(asked.method, 'B');
    const st = asked.stats;
    result.notes!['icl-llm'] =
      `${describeChat(llmAt, cfg.llmModel)}, the icl prompts: ${st.asked} prompts, ${st.cached} replies from the cache, ${st.failed} without a reply (scored as unreadable); task 1 is one answer, not 5 beams (H@5 is a hit at rank 1)`;
  };
  const recSeed = cfg.seed + 1;
  const engines = new TextEngines(cfg.engine);
  try {
    for (const b of cfg.baselines) {
      if (b === 'random') await runKept(b, undefined, () => randomMethod(titles, recSeed, src.maxHistory), 'I');
      else if (b === 'popularity') await runKept(b, undefined, () => popularityMethod(ds, titles, src.posTop, src.maxHistory), 'I');
      else if (b === 'sasrec-kd')
        await runKept(b, cfg.student, async () => distilledMethod(await Recommender.load(cfg.student!), titles, src.posTop), 'I');
      else if (b === 'icl-llm') await runIclLlm();
      else {
        const icl = b === 'icl' ? shots() : undefined;
        await runLmKept(
          b,
          base!,
          () => Surrogate.base(base!),
          'B',
          (s) => ({ ...LM_METHOD_DEFAULTS, icl, engine: engines.for(s, base!) }),
        );
      }
    }
    for (const dir of cfg.models) {
      const meta = Surrogate.readMeta(dir);
      const mode = meta.mode;
      await runLmKept(
        Surrogate.nameOf(meta) as MethodName,
        dir,
        () => Surrogate.load(dir),
        mode,
        (s) => ({
          ...LM_METHOD_DEFAULTS,
          engine: mode === 'B' ? engines.for(s, dir) : undefined,
        }),
        Boolean(meta.item_titles?.length),
      );
    }
  } finally {
    engines.dispose();
  }
  return result;
}
