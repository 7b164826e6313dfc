// Configuration of the `explain` stage, one spec (src/engine/options.ts) for the config, its
// defaults and its flags (--aspect-study ↔ aspectStudy); the explaining models are given apart (--model).
import { choice, defaultsOf, flag, int, maybe, opt, req, text, type ConfigOf, type Spec } from '../engine/options.js';
import { DECODINGS, type Decoding } from '../lm/decode/constraint.js';
import { ENGINES, type EngineName } from '../lm/decode/text_engine.js';

export const EXPLAIN_SPEC = {
  tasks: req(text('<dir>'), 'tasks folder (from `recexplainer tasks`, with explanations)'),
  out: req(text('<dir>'), 'output folder (explanations/<method>.jsonl, report)'),
  baseModel: maybe(
    text('<path>'),
    "the unaligned base LM: the base-lm explainer and the distinction's text encoder (default: the first --model's base)",
  ),
  pairs: maybe(
    text('<file>'),
    '(user, item) pairs to explain: JSON lines {"user":U,"item":I} or CSV "U,I" (default: the task-7 test pairs)',
  ),
  sample: opt(200, int(0), 'pairs to explain, a seeded subset (0 = all)'),
  aspect: maybe(
    text('<text>'),
    'steer explanations toward an aspect: genre, era, history (what the model was trained to follow) or free text',
  ),
  aspectStudy: opt(
    0,
    int(0),
    'explain the first N pairs again asking for each aspect in turn (aligned models), and report which aspects the texts cover',
  ),
  decoding: opt<Decoding>(
    'grounded',
    choice(DECODINGS, '<d>'),
    "LM explanations: grounded (a <title> span can only name the case's shown history, the candidate or another item the case names) or free",
  ),
  factGuard: flag(
    "grounded decoding without the fact guard, which by default refuses every token that would state a theme or era the metadata contradicts, or write a word or mark the training explanations' prose does not use (src/facts/fact_guard.ts, known_words.ts)",
    true,
  ),
  leadOrder: flag(
    "grounded decoding in one pass: by default, where a text of an aligned model with a <user> token opens on a list of history items, a second pass cites them in the order of the model's first choice at the list's first place (src/explain/lead_order.ts; twice the decoding time)",
    true,
  ),
  judgeUrl: maybe(
    text('<url>'),
    'OpenAI-compatible endpoint for an LLM judge, e.g. http://127.0.0.1:8080/v1 (API key from $OPENAI_API_KEY)',
  ),
  judgeModel: opt('gpt-4o-mini', text('<name>'), 'model name sent to the judge endpoint'),
  judgeGguf: maybe(text('<file>'), 'instead of --judge-url: a GGUF chat model run in-process through llama.cpp as the LLM judge'),
  llmUrl: maybe(
    text('<url>'),
    'OpenAI-compatible endpoint for the icl-llm explainer (the task-7 prompt after two solved training explanations); API key from $OPENAI_API_KEY; without it (or --llm-gguf) the row is reported as not run',
  ),
  llmModel: opt('gpt-4o-mini', text('<name>'), 'model name sent to the --llm-url endpoint'),
  llmGguf: maybe(text('<file>'), 'instead of --llm-url: a GGUF chat model run in-process through llama.cpp for the icl-llm explainer'),
  ratings: maybe(
    text('<file>'),
    'human ratings to add to the rating table: JSON lines {"case","explainer","rater","rating"} (case: a pair key such as u12-pos; rating 0–3)',
  ),
  engine: opt<EngineName>(
    'ours',
    choice(ENGINES, '<e>'),
    'who decodes the text-only LM explainers (base-lm, recexplainer-b): ours or llama-cpp (the optional node-llama-cpp package; I and H forms stay on ours)',
  ),
  distinction: flag('skip the discriminator and score-predictor experiments', true),
  seed: opt(0, int(0), 'random seed'),
  quiet: flag('no progress messages'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

/** The explainers besides the aligned models. */
export const BASELINE_EXPLAINERS = ['base-lm', 'template', 'icl-llm'] as const;

export interface ExplainConfig extends ConfigOf<typeof EXPLAIN_SPEC> {
  models: string[]; // aligned model folders (or exported .gguf files)
  judgeKey?: string; // the judge's API key; default $OPENAI_API_KEY
  baselines?: (typeof BASELINE_EXPLAINERS)[number][]; // default all (icl-llm: "not run" without llmUrl or llmGguf); run's ablations name none
  freeToo?: boolean; // grounded: also let the LM explainers decode freely (default true; run's ablations skip it)
}

export const EXPLAIN_DEFAULTS = defaultsOf(EXPLAIN_SPEC);
