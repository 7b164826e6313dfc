// Configuration of `run`, one spec (src/engine/options.ts) for the config, its defaults and its
// flags; the stages' own settings come from the profile (profiles.ts).
import { choice, flag, int, maybe, opt, text, type ConfigOf, type Spec } from '../engine/options.js';
import { DECODINGS, type Decoding } from '../lm/decode/constraint.js';
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
  quiet: flag('no progress bars'),
} satisfies Spec;

export interface RunConfig extends ConfigOf<typeof RUN_SPEC> {
  out: string;
}
