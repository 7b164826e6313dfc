// A training stage's output folder: the file names every stage shares (checkpoint, training log,
// config.json, metrics.json), the resume guard, the finite-weights check, and whether the stage is
// done (metrics.json present; stages write it last) or resumable (a checkpoint present).
import { existsSync } from 'node:fs';
import { prepareOutDir } from './out_dir.js';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic.js';
import { UserError } from './errors.js';
import { TrainLog } from './train_log.js';

export const CHECKPOINT = 'checkpoint.safetensors';
export const TRAIN_LOG = 'train_log.jsonl';
export const CONFIG = 'config.json';
export const METRICS = 'metrics.json';

export class RunFolder {
  readonly checkpoint: string; // <dir>/checkpoint.safetensors
  readonly log: string; // <dir>/train_log.jsonl

  /** holds: what kind of run the folder keeps, for messages ("a training run", "an alignment run"). */
  constructor(
    readonly dir: string,
    private readonly holds = 'a training run',
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

  /** Creates the folder; refuses a fresh start over a checkpoint and a resume without one. */
  open(resume: boolean): void {
    if (!resume && this.resumable)
      throw new UserError(`${this.dir} already holds ${this.holds} (${CHECKPOINT}); pass --resume to continue it or choose another --out`);
    if (resume && !this.resumable) throw new UserError(`${this.dir}: nothing to resume (no ${CHECKPOINT})`);
    prepareOutDir(this.dir);
  }

  /** The resolved stage config, written atomically beside the outputs. */
  writeConfig(cfg: object): void {
    writeJsonAtomic(join(this.dir, CONFIG), cfg);
  }

  /** The stage's results; written last, it marks the stage done. */
  writeMetrics(metrics: object): void {
    writeJsonAtomic(join(this.dir, METRICS), metrics);
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
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i]))
          throw new UserError(
            `weights of ${name} are not finite (element ${i} is ${t.data[i]}) ${when}; stopped, ${this.lastGood()} (try a lower --lr)`,
          );
      }
    }
  }
}
