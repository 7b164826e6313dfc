// A training stage's output folder: the file names every stage shares (checkpoint, training log,
// config.json, metrics.json), the resume guard, the finite-weights check, and whether the stage is
// done (metrics.json present; stages write it last) or resumable (a checkpoint present). Its
// marker (out_folder.ts) names the stage and keeps the config a resume must match.
import { existsSync, rmSync } from 'node:fs';
import { checkOutFolder, claimOutFolder, finishOutFolder } from './out_folder.js';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic.js';
import { UserError } from './errors.js';
import { firstNonFinite } from './finite.js';
import { TrainLog } from './train_log.js';

export const CHECKPOINT = 'checkpoint.safetensors';
export const TRAIN_LOG = 'train_log.jsonl';
export const CONFIG = 'config.json';
export const METRICS = 'metrics.json';

export class RunFolder {
  readonly checkpoint: string; // <dir>/checkpoint.safetensors
  readonly log: string; // <dir>/train_log.jsonl

  /** holds: what kind of run the folder keeps, for messages ("a training run", "an alignment run"); kind: its stage's command. */
  constructor(
    readonly dir: string,
    private readonly holds = 'a training run',
    private readonly kind = 'train-rec',
  ) {
    this.checkpoint = join(dir, CHECKPOINT);
    this.log = join(dir, TRAIN_LOG);
  }

  /** The stage finished: its metrics.json, the last file it writes, is there. */
  get done(): boolean {
    return existsSync(join(this.dir, METRICS));
  }

  /** A killed run left a checkpoint to continue from. */
  get resumable(): boolean {
    return existsSync(this.checkpoint);
  }

  /**
   * Claims the folder for the stage's `config` (out_folder.ts) and creates it; refuses a fresh start
   * over a checkpoint (unless `force`: it is removed) and a resume without one. `defaults`: the
   * stage's option defaults, so that a run saved before an option existed still resumes at its default.
   */
  open(resume: boolean, config: object, force = false, defaults?: object): void {
    checkOutFolder(this.dir, this.kind, config, { resume, force, defaults });
    if (!resume && !force && this.resumable)
      throw new UserError(`${this.dir} already holds ${this.holds} (${CHECKPOINT}); pass --resume to continue it or choose another --out`);
    if (resume && !this.resumable) throw new UserError(`${this.dir}: nothing to resume (no ${CHECKPOINT})`);
    claimOutFolder(this.dir, this.kind, config, { resume, force, defaults });
    if (force && !resume) rmSync(this.checkpoint, { force: true });
  }

  /** The resolved stage config, written atomically beside the outputs. */
  writeConfig(cfg: object): void {
    writeJsonAtomic(join(this.dir, CONFIG), cfg);
  }

  /** The stage's results; written last, it marks the stage done. */
  writeMetrics(metrics: object): void {
    writeJsonAtomic(join(this.dir, METRICS), metrics);
    finishOutFolder(this.dir);
  }

  /** The training log (train_log.jsonl) of a fresh or resumed run; counter orders its entries. */
  trainLog<E>(resume: boolean, counter: (e: E) => number): TrainLog<E> {
    return new TrainLog<E>(this.log, resume, counter);
  }

  /** Where a stopped run can be continued from, for error messages. */
  lastGood(): string {
    return this.resumable ? `the last good checkpoint is ${this.checkpoint}` : 'no checkpoint was written yet';
  }

  /** Throws a one-line UserError naming the first weight with a NaN or ±∞ (when: "after epoch 3"). */
  checkFinite(weights: Record<string, { data: ArrayLike<number> }>, when: string): void {
    for (const [name, t] of Object.entries(weights)) {
      const i = firstNonFinite(t.data);
      if (i >= 0)
        throw new UserError(
          `weights of ${name} are not finite (element ${i} is ${t.data[i]}) ${when}; stopped, ${this.lastGood()} (try a lower --lr)`,
        );
    }
  }
}
