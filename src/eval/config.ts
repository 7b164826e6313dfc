// Configuration of the `eval` stage, one spec (src/engine/options.ts) for the config, its defaults
// and its flags (--base-model ↔ baseModel, --llm-url ↔ llmUrl); the aligned models are given apart (--model).
import { DECODINGS, type Decoding } from '../lm/decode/constraint.js';
import { ENGINES, type EngineName } from '../lm/decode/text_engine.js';
import { choice, defaultsOf, flag, int, list, maybe, opt, req, text, type ArgType, type ConfigOf, type Spec } from '../engine/options.js';

export const BASELINES = ['random', 'popularity', 'base-lm', 'icl', 'icl-llm', 'sasrec-kd'] as const;
export type Baseline = (typeof BASELINES)[number];
/** The baselines that run the base LM (they need --base-model). */
export const LM_BASELINES: readonly Baseline[] = ['base-lm', 'icl'];

/** Comma-separated baselines; "none" names none. */
const baselines: ArgType<Baseline[]> = {
  arg: '<list>',
  parse: (v) =>
    list([...BASELINES, 'none'])
      .parse(v, undefined)
      .filter((b): b is Baseline => b !== 'none'),
};

export const EVAL_SPEC = {
  tasks: req(text('<dir>'), 'tasks folder (from `recexplainer tasks`)'),
  out: req(text('<dir>'), 'report folder'),
  baselines: opt([...BASELINES], baselines, `comma-separated, of ${BASELINES.join(',')}; "none" for none`),
  baseModel: maybe(text('<path>'), "base LM for base-lm and icl (default: the first --model's base)"),
  student: maybe(
    text('<dir>'),
    'distilled SASRec for sasrec-kd (from `recexplainer distill`; the eval command distils one into <out>/sasrec-kd when absent)',
  ),
  llmUrl: maybe(
    text('<url>'),
    'OpenAI-compatible endpoint for the icl-llm baseline (the icl prompts; tasks 1, 2, 3), e.g. http://127.0.0.1:8080/v1; API key from $OPENAI_API_KEY; without it (or --llm-gguf) the row is reported as not run',
  ),
  llmModel: opt('gpt-4o-mini', text('<name>'), 'model name sent to the --llm-url endpoint'),
  llmGguf: maybe(text('<file>'), 'instead of --llm-url: a GGUF chat model run in-process through llama.cpp for the icl-llm baseline'),
  users: opt(0, int(0), 'evaluate a seeded subset of N users (0 = all)'),
  task4: opt(300, int(0), 'item → title samples for task 4 (0 = skip)'),
  decoding: opt<Decoding>(
    'grounded',
    choice(DECODINGS, '<d>'),
    "LM answers: grounded (only catalogue titles / candidate orders; the LM methods are also evaluated free, under report.json's free) or free (the paper's)",
  ),
  rankBeams: opt(
    5,
    int(0),
    "grounded task 2 of text LMs: the best of N beams over the candidates' orders (Σ log p) instead of greedy (0); item-token models decode it greedily (beams rank worse there: README)",
  ),
  engine: opt<EngineName>(
    'ours',
    choice(ENGINES, '<e>'),
    'who decodes the text-only LM methods (base-lm, icl, recexplainer-b): ours or llama-cpp (the optional node-llama-cpp package; I and H forms stay on ours)',
  ),
  seed: opt(0, int(0), 'random seed'),
  quiet: flag('no progress bars'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export interface EvalConfig extends ConfigOf<typeof EVAL_SPEC> {
  models: string[]; // aligned model folders (from `align`)
  freeToo?: boolean; // grounded: also evaluate the LM methods freely (default true; run's ablations skip it)
}

export const EVAL_DEFAULTS = defaultsOf(EVAL_SPEC);
