// Builds a target model from a config and the data shape.
import type { TrainRecConfig } from './config.js';
import { Mf } from './mf.js';
import type { TargetModel } from './model.js';
import { Sasrec } from './sasrec.js';

export function buildModel(cfg: TrainRecConfig, nItems: number, nUsers: number): TargetModel {
  if (cfg.model === 'mf') return new Mf({ nItems, nUsers, hidden: cfg.hidden, l2: cfg.l2 }, cfg.seed);
  return new Sasrec(
    { nItems, hidden: cfg.hidden, maxLen: cfg.maxLen, blocks: cfg.blocks, heads: cfg.heads, dropout: cfg.dropout, loss: cfg.loss },
    cfg.seed,
  );
}
