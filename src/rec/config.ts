// Configuration of `train-rec`, one spec (src/engine/options.ts) for the config, its defaults and
// its flags (--max-len ↔ maxLen), and the check of its combinations. Defaults are the SASRec
// paper's MovieLens setting, as in BENCHMARKS.md.
import { BACKEND_CHOICES } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { choice, defaultsOf, flag, float, int, opt, req, text, type ConfigOf, type Spec } from '../engine/options.js';
import type { ModelKind } from './model.js';

export const TRAIN_REC_SPEC = {
  data: req(text('<dir>'), 'data set folder (from `recexplainer data`)'),
  out: req(text('<dir>'), 'output folder'),
  model: opt('sasrec', choice<ModelKind>(['sasrec', 'mf'], '<m>'), 'sasrec or mf'),
  loss: opt('bce', choice(['bce', 'ce'], '<l>'), 'sasrec loss: bce (one negative per position) or ce (full softmax)'),
  hidden: opt(50, int(1), 'embedding size'),
  maxLen: opt(200, int(1), 'sasrec: history window'),
  blocks: opt(2, int(1), 'sasrec: attention blocks'),
  heads: opt(1, int(1), 'sasrec: attention heads (must divide --hidden)'),
  dropout: opt(0.2, float(0, 0.95, '<p>'), 'sasrec: dropout rate'),
  l2: opt(1e-4, float(0), 'mf: L2 penalty'),
  epochs: opt(200, int(1), 'maximum epochs'),
  batchSize: opt(128, int(1), 'sequences per batch'),
  lr: opt(1e-3, float(0), 'Adam learning rate (betas 0.9, 0.98)'),
  evalEvery: opt(5, int(1), 'validate every N epochs'),
  patience: opt(6, int(1), 'stop after N validations without improvement'),
  selectOn: opt('sampled100', choice(['sampled100', 'full'], '<p>'), 'validation NDCG@10 protocol for early stopping: sampled100 or full'),
  seed: opt(42, int(0), 'random seed'),
  backend: opt('auto', choice(BACKEND_CHOICES, '<b>'), `tensor backend: ${BACKEND_CHOICES.join(', ')}`),
  exportOnnx: flag('also write the user tower as <out>/model.onnx (read back with --rec-onnx)'),
  resume: flag('continue the run in --out from its last checkpoint'),
  quiet: flag('no progress bars'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export type TrainRecConfig = ConfigOf<typeof TRAIN_REC_SPEC>;

export const TRAIN_REC_DEFAULTS = defaultsOf(TRAIN_REC_SPEC);

/** Combinations the flags' own checks cannot see, as one-line UserErrors naming the flags. */
export function validateTrainRecConfig(cfg: TrainRecConfig): void {
  if (cfg.model === 'sasrec' && cfg.hidden % cfg.heads !== 0)
    throw new UserError(`--hidden ${cfg.hidden} is not divisible by --heads ${cfg.heads}`);
}

/** The config keys that fix tensor shapes: a checkpoint must agree on them to be resumed. */
export function shapeKeys(cfg: TrainRecConfig, nItems: number, nUsers: number): Record<string, unknown> {
  return cfg.model === 'sasrec'
    ? { model: cfg.model, nItems, hidden: cfg.hidden, maxLen: cfg.maxLen, blocks: cfg.blocks, heads: cfg.heads }
    : { model: cfg.model, nItems, nUsers, hidden: cfg.hidden };
}
