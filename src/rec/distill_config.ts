// Configuration of the `distill` stage (the sasrec-kd baseline), one spec (src/engine/options.ts) for
// the config, its defaults and its flags (--batch-size ↔ batchSize). The student's shape defaults to f's.
import { BACKEND_CHOICES } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { choice, defaultsOf, flag, float, int, maybe, opt, req, text, type ConfigOf, type Spec } from '../engine/options.js';

// Measured on the default data (671 users, 3,496 items, hidden 256, maxLen 9, 2 CPU cores): all
// positions (6,039 per epoch) 1.3 s/epoch, top-1 agreement 0.39 after 20 epochs at τ = 1; the last
// position only (671) 0.8 s/epoch but 0.21, and 0.29 after 40 epochs; τ = 2 gave 0.45, τ = 4 less.
export const DISTILL_SPEC = {
  rec: req(text('<dir>'), 'train-rec output folder of f (a SASRec), the teacher'),
  data: req(text('<dir>'), 'data set folder f was trained on'),
  out: req(text('<dir>'), 'output folder for the student'),
  epochs: opt(30, int(0), 'epochs (0: the untrained student)'),
  lr: opt(3e-3, float(0), 'Adam learning rate (betas 0.9, 0.98)'),
  batchSize: opt(128, int(1), 'sequences per batch'),
  temperature: opt(2, float(0), 'τ of both softmaxes (top-1 agreement with f: 0.45 at τ 2, 0.39 at τ 1)'),
  positions: opt('all', choice(['all', 'last'], '<p>'), 'distilled window positions: all or last'),
  seed: opt(1, int(0), 'student initialisation, batch order and dropout'),
  hidden: maybe(int(1), "student embedding size (default: f's)"),
  maxLen: maybe(int(1), "student history window (default: f's)"),
  blocks: maybe(int(1), "student attention blocks (default: f's)"),
  heads: maybe(int(1), "student attention heads (default: f's)"),
  dropout: maybe(float(0, 0.95, '<p>'), "student dropout rate (default: f's)"),
  backend: opt('auto', choice(BACKEND_CHOICES, '<b>'), `tensor backend: ${BACKEND_CHOICES.join(', ')}`),
  resume: flag('continue the run in --out from its last checkpoint'),
  quiet: flag('no progress bars'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export type DistillConfig = ConfigOf<typeof DISTILL_SPEC>;
export const DISTILL_DEFAULTS = defaultsOf(DISTILL_SPEC);

/** Throws a one-line UserError for a value out of range (the library may be called without the CLI's parsers). */
export function checkDistillConfig(cfg: DistillConfig): void {
  const check = (ok: boolean, msg: string) => {
    if (!ok) throw new UserError(`distill: ${msg}`);
  };
  check(Number.isInteger(cfg.epochs) && cfg.epochs >= 0, `--epochs must be a non-negative integer, got ${cfg.epochs}`);
  check(Number.isInteger(cfg.batchSize) && cfg.batchSize >= 1, `--batch-size must be a positive integer, got ${cfg.batchSize}`);
  check(cfg.lr > 0 && Number.isFinite(cfg.lr), `--lr must be positive, got ${cfg.lr}`);
  check(cfg.temperature > 0 && Number.isFinite(cfg.temperature), `--temperature must be positive, got ${cfg.temperature}`);
  check(cfg.positions === 'all' || cfg.positions === 'last', `--positions must be all or last, got ${JSON.stringify(cfg.positions)}`);
  check(Number.isInteger(cfg.seed) && cfg.seed >= 0, `--seed must be a non-negative integer, got ${cfg.seed}`);
}
