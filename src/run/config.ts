// Configuration of `run`, one spec (src/engine/options.ts) for the config, its defaults and its
// flags; the stages' own settings come from the profile (profiles.ts).
import { choice, flag, int, maybe, opt, text, type ConfigOf, type Spec } from '../engine/options.js';
import { DECODINGS, type Decoding } from '../lm/decode/constraint.js';
import { ablateTasks } from './ablation.js';
import { PAPER_DATASETS } from './paper.js';
import { PROFILES } from './profiles.js';

export const RUN_SPEC = {
  profile: opt(
    'quick',
    choice(PROFILES, '<p>'),
    'quick: every stage on a 150-user sample (~3 min); full: the real experiment (see README)',
  ),
  out: maybe(text('<dir>'), 'output folder (default runs/<profile>)'),
  seed: opt(0, int(0), 'random seed'),
  data: maybe(
    text('<dir>'),
    "a data set folder (from `recexplainer data`) instead of the embedded default (the profile's user sample applies only to the default)",
  ),
  baseModel: maybe(text('<path>'), 'use this base LM instead of pre-training one'),
  decoding: opt<Decoding>(
    'grounded',
    choice(DECODINGS, '<d>'),
    "the LMs' answers and explanations: grounded (catalogue titles only; free decoding is reported beside it) or free (the paper's)",
  ),
  paper: maybe(
    choice(PAPER_DATASETS, '<d>'),
    "print the paper's Table 1 figures on its data set games (Amazon Video Games), movies (Amazon Movies and TV) or steam beside ours in the report",
  ),
  evalUsers: opt(0, int(0), "score Table 1 on a seeded subset of N test users (0: the profile's sample, every test user in full)"),
  ablate: opt<number[]>(
    [],
    ablateTasks,
    'task ablation: for each listed task (1–7, comma-separated, or "all") align RecExplainer-H again without its training samples (lm-H-no<t>) and score it on Table 1 and the explanations',
  ),
  ablateSteps: opt(
    0,
    int(0),
    "with --ablate: align each ablated H model, and a reference H on every task, for at most N optimizer steps (0: the profile's H settings, the run's H model the reference)",
  ),
  ablateUsers: opt(
    0,
    int(0),
    "with --ablate: score the ablated models and their reference on N test users and N explanation pairs (0: the profile's eval and explain samples)",
  ),
  llmUrl: maybe(
    text('<url>'),
    'OpenAI-compatible endpoint for the icl-llm baseline (tasks 1, 2, 3 and explanations; the icl prompts), e.g. http://127.0.0.1:8080/v1; API key from $OPENAI_API_KEY; without it (or --llm-gguf) the row is reported as not run',
  ),
  llmModel: opt('gpt-4o-mini', text('<name>'), 'model name sent to the --llm-url endpoint'),
  llmGguf: maybe(text('<file>'), 'instead of --llm-url: a GGUF chat model run in-process through llama.cpp for the icl-llm baseline'),
  judgeUrl: maybe(text('<url>'), 'OpenAI-compatible endpoint for an LLM judge of the explanations (API key from $OPENAI_API_KEY)'),
  judgeModel: opt('gpt-4o-mini', text('<name>'), 'model name sent to the judge endpoint'),
  judgeGguf: maybe(text('<file>'), 'instead of --judge-url: a GGUF chat model run in-process through llama.cpp as the LLM judge'),
  jobs: opt(
    0,
    int(0),
    'train the aligned models, and score and explain with each LM, N at a time, each in a process of its own (0: one per core; 1: all in this process, in turn)',
  ),
  quiet: flag('no progress bars'),
} satisfies Spec;

export interface RunConfig extends ConfigOf<typeof RUN_SPEC> {
  out: string;
}
