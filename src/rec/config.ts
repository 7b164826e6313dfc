// Configuration of `train-rec`: one typed object, defaults commented; CLI flags map 1:1
// (--max-len ↔ maxLen). Defaults are the SASRec paper's MovieLens setting, as in BENCHMARKS.md.
import type { BackendChoice } from '../engine/backend.js';
import type { ModelKind } from './model.js';

export interface TrainRecConfig {
  data: string; // data set folder (from `recexplainer data`)
  out: string; // output folder
  model: ModelKind; // default sasrec
  loss: 'bce' | 'ce'; // sasrec: bce (one sampled negative per position) or ce (full softmax); default bce
  hidden: number; // default 50
  maxLen: number; // default 200
  blocks: number; // default 2
  heads: number; // default 1
  dropout: number; // default 0.2
  l2: number; // mf only; default 1e-4
  epochs: number; // upper bound; default 200
  batchSize: number; // default 128
  lr: number; // Adam, betas (0.9, 0.98); default 1e-3
  evalEvery: number; // validate every N epochs; default 5
  patience: number; // stop after N validations without improvement; default 6
  selectOn: 'sampled100' | 'full'; // protocol of the validation NDCG@10 used for early stopping; default sampled100
  seed: number; // default 42
  backend: BackendChoice; // default auto
  resume: boolean; // continue from <out>/checkpoint.safetensors; default false
  quiet: boolean; // default false
}

export const TRAIN_REC_DEFAULTS: Omit<TrainRecConfig, 'data' | 'out'> = {
  model: 'sasrec',
  loss: 'bce',
  hidden: 50,
  maxLen: 200,
  blocks: 2,
  heads: 1,
  dropout: 0.2,
  l2: 1e-4,
  epochs: 200,
  batchSize: 128,
  lr: 1e-3,
  evalEvery: 5,
  patience: 6,
  selectOn: 'sampled100',
  seed: 42,
  backend: 'auto',
  resume: false,
  quiet: false,
};

/** The config keys that fix tensor shapes: a checkpoint must agree on them to be resumed. */
export function shapeKeys(cfg: TrainRecConfig, nItems: number, nUsers: number): Record<string, unknown> {
  return cfg.model === 'sasrec'
    ? { model: cfg.model, nItems, hidden: cfg.hidden, maxLen: cfg.maxLen, blocks: cfg.blocks, heads: cfg.heads }
    : { model: cfg.model, nItems, nUsers, hidden: cfg.hidden };
}
