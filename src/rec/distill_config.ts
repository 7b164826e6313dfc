// Configuration of the `distill` stage (the sasrec-kd baseline): one typed object, defaults
// commented; CLI flags map 1:1 (--batch-size ↔ batchSize). The student's shape defaults to f's.
import type { BackendChoice } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import type { Positions } from './distill.js';

export interface DistillConfig {
  rec: string; // train-rec output folder of the target f (a SASRec), the teacher
  data: string; // data set folder f was trained on (from `recexplainer data`)
  out: string; // output folder for the student
  epochs: number; // default 30 (0: write and measure the untrained student)
  lr: number; // Adam, betas (0.9, 0.98); default 3e-3
  batchSize: number; // sequences per batch; default 128
  temperature: number; // τ of both softmaxes; default 2 (top-1 agreement with f 0.45, τ = 1: 0.39)
  positions: Positions; // which window positions are distilled: all or last; default all
  seed: number; // student initialisation, batch order and dropout; default 1
  hidden?: number; // default: f's
  maxLen?: number; // default: f's
  blocks?: number; // default: f's
  heads?: number; // default: f's
  dropout?: number; // default: f's
  backend: BackendChoice; // default auto
  resume: boolean; // continue from <out>/checkpoint.safetensors; default false
  quiet: boolean; // no progress bars; default false
}

// Measured on the default data (671 users, 3,496 items, hidden 256, maxLen 9, 2 CPU cores): all
// positions (6,039 per epoch) 1.3 s/epoch, top-1 agreement 0.39 after 20 epochs at τ = 1; the last
// position only (671) 0.8 s/epoch but 0.21, and 0.29 after 40 epochs; τ = 2 gave 0.45, τ = 4 less.
export const DISTILL_DEFAULTS: Readonly<Omit<DistillConfig, 'rec' | 'data' | 'out'>> = {
  epochs: 30, lr: 3e-3, batchSize: 128, temperature: 2, positions: 'all', seed: 1, backend: 'auto', resume: false, quiet: false,
};

/** Throws a one-line UserError for a value out of range. */
export function checkDistillConfig(cfg: DistillConfig): void {
  const check = (ok: boolean, msg: string) => {
    if (!ok) throw new UserError(`distill: ${msg}`);
  };
  check(Number.isInteger(cfg.epochs) && cfg.epochs >= 0, `epochs must be a non-negative integer, got ${cfg.epochs}`);
  check(Number.isInteger(cfg.batchSize) && cfg.batchSize >= 1, `batchSize must be a positive integer, got ${cfg.batchSize}`);
  check(cfg.lr > 0 && Number.isFinite(cfg.lr), `lr must be positive, got ${cfg.lr}`);
  check(cfg.temperature > 0 && Number.isFinite(cfg.temperature), `temperature must be positive, got ${cfg.temperature}`);
  check(cfg.positions === 'all' || cfg.positions === 'last', `positions must be all or last, got ${JSON.stringify(cfg.positions)}`);
  check(Number.isInteger(cfg.seed) && cfg.seed >= 0, `seed must be a non-negative integer, got ${cfg.seed}`);
}
