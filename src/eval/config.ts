// Configuration of the `eval` stage, one spec (src/engine/options.ts) for the config, its defaults
// and its flags (--base-model ↔ baseModel); the aligned models are given apart (--model).
import { DECODINGS, type Decoding } from '../lm/decode/constraint.js';
import { choice, defaultsOf, flag, int, list, maybe, opt, req, text, type ArgType, type ConfigOf, type Spec } from '../engine/options.js';

export const BASELINES = ['random', 'popularity', 'base-lm', 'icl', 'sasrec-kd'] as const;
export type Baseline = (typeof BASELINES)[number];

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
  users: opt(0, int(0), 'evaluate a seeded subset of N users (0 = all)'),
  task4: opt(300, int(0), 'item → title samples for task 4 (0 = skip)'),
  decoding: opt<Decoding>(
    'grounded',
    choice(DECODINGS, '<d>'),
    "LM answers: grounded (only catalogue titles / candidate orders; the LM methods are also evaluated free, under report.json's free) or free (the paper's)",
  ),
  seed: opt(0, int(0), 'random seed'),
  quiet: flag('no progress bars'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export interface EvalConfig extends ConfigOf<typeof EVAL_SPEC> {
  models: string[]; // aligned model folders (from `align`)
}

export const EVAL_DEFAULTS = defaultsOf(EVAL_SPEC);
