// The one training loop of the recommender stages (train-rec, distill): Adam (β 0.9, 0.98) over
// epochBatches() of users with a pluggable per-batch loss, a progress bar, optional validation
// with early stopping, an atomic checkpoint after every epoch (a resumed run is bit-identical to
// an uninterrupted one), and the kept weights in <out>/model.safetensors: the best validated, or
// without validation the last. The model holds the kept weights when fitRec returns.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Scalar } from '@tensorflow/tfjs-core';
import { loadCheckpoint, saveCheckpoint } from '../engine/checkpoint.js';
import { UserError } from '../engine/errors.js';
import { exportWeights, importWeights } from '../engine/params.js';
import { Progress } from '../engine/progress.js';
import { Rng } from '../engine/rng.js';
import type { RunFolder } from '../engine/run_folder.js';
import { readSafetensors, writeSafetensors } from '../engine/safetensors.js';
import { tf } from '../engine/tf.js';
import { optimizerState, restoreOptimizer } from './adam_state.js';
import type { EvalResult } from './evaluate.js';
import type { TargetModel } from './model.js';
import { epochBatches, type SplitUsers } from './samples.js';

/** The loss of one batch of 0-based users; rng is the run's stream (negatives, dropout). */
export type BatchLoss = (users: readonly number[], rng: Rng) => Scalar;

export interface LoopConfig {
  label: string; // progress-bar label before "<epoch>/<epochs>", e.g. "epoch"
  epochs: number; // upper bound (0: no training, the initial weights are kept)
  batchSize: number; // users per batch
  maxLen: number; // window epochBatches groups users by (Infinity for MF)
  lr: number; // Adam
  seed: number; // batch order and the loss's random draws
  resume: boolean; // continue from the folder's checkpoint
  quiet: boolean; // no progress bars
  kind: string; // checkpoint kind, e.g. "sasrec", "sasrec-kd"
  config: object; // stored in the checkpoint (the stage config and its shapes)
  expect: Record<string, unknown>; // keys a checkpoint must match to be resumed
  weightsMeta: Record<string, string>; // __metadata__ of model.safetensors (its epoch is added)
}

export interface Validation {
  every: number; // validate every N epochs and after the last
  patience: number; // stop after N validations without improvement
  name: string; // the score's name in progress lines, e.g. "ndcg@10 (sampled100)"
  run: () => EvalResult;
  score: (v: EvalResult) => number; // higher is better
}

export interface EpochLog {
  epoch: number;
  loss: number; // mean over the epoch's batches
  seconds: number;
  seq_per_s: number;
  valid?: EvalResult;
}

export interface LoopResult {
  log: EpochLog[]; // every epoch, resumed runs included
  keptEpoch: number; // epoch of the kept weights
  epochsRun: number;
  units: number; // sequences (SASRec) or users (MF) per epoch
}

interface Progressed {
  epoch: number;
  step: number;
  best: number;
  bestEpoch: number;
  bad: number;
  rng: Rng;
}

export const WEIGHTS = 'model.safetensors';

export async function fitRec(
  model: TargetModel,
  data: SplitUsers,
  folder: RunFolder,
  cfg: LoopConfig,
  loss: BatchLoss,
  validation?: Validation,
): Promise<LoopResult> {
  const vars = model.variables();
  const opt = tf.train.adam(cfg.lr, 0.9, 0.98, 1e-8);
  const st: Progressed = { epoch: 0, step: 0, best: -Infinity, bestEpoch: 0, bad: 0, rng: new Rng(cfg.seed) };
  if (cfg.resume) {
    const ck = loadCheckpoint(folder.checkpoint, cfg.kind, cfg.expect);
    importWeights(vars, ck.tensors, folder.checkpoint);
    await restoreOptimizer(opt, ck.optimizer);
    const c = ck.counters;
    Object.assign(st, {
      epoch: ck.epoch,
      step: ck.step,
      best: c.best,
      bestEpoch: c.bestEpoch,
      bad: c.bad,
      rng: Rng.fromState(ck.rng ?? []),
    });
  }
  const log = folder.trainLog<EpochLog>(cfg.resume, (e) => e.epoch);
  const weights = join(folder.dir, WEIGHTS);
  const keep = (epoch: number) => writeSafetensors(weights, exportWeights(vars), { ...cfg.weightsMeta, epoch: String(epoch) });
  const units = model.epochUnits(data);

  while (st.epoch < cfg.epochs && st.bad < (validation?.patience ?? Infinity)) {
    const epoch = st.epoch + 1;
    const bar = new Progress({ label: `${cfg.label} ${epoch}/${cfg.epochs}`, total: units, unit: 'seq/s', quiet: cfg.quiet });
    const t0 = performance.now();
    let lossSum = 0;
    let batches = 0;
    for (const users of epochBatches(data, cfg.batchSize, cfg.maxLen, st.rng)) {
      const l = opt.minimize(() => loss(users, st.rng), true, vars)!;
      const value = (await l.data())[0];
      l.dispose();
      if (!Number.isFinite(value))
        throw new UserError(`loss is ${value} at epoch ${epoch}, step ${st.step + 1}; stopped, ${folder.lastGood()} (try a lower --lr)`);
      st.step++;
      lossSum += value;
      batches++;
      bar.tick(users.length, `loss ${value.toFixed(4)}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const entry: EpochLog = { epoch, loss: lossSum / batches, seconds, seq_per_s: units / seconds };
    bar.finish(`loss ${entry.loss.toFixed(4)}`);
    if (validation && (epoch % validation.every === 0 || epoch === cfg.epochs)) {
      entry.valid = validation.run();
      const m = validation.score(entry.valid);
      if (m > st.best) {
        st.best = m;
        st.bestEpoch = epoch;
        st.bad = 0;
        keep(epoch);
      } else st.bad++;
      if (!cfg.quiet) console.error(`  valid ${validation.name} ${m.toFixed(4)}; best ${st.best.toFixed(4)} at epoch ${st.bestEpoch}`);
    }
    st.epoch = epoch;
    const tensors = exportWeights(vars);
    folder.checkFinite(tensors, `after epoch ${epoch}`);
    log.push(entry); // before the checkpoint: a resumed run drops entries past its checkpoint
    saveCheckpoint(folder.checkpoint, {
      kind: cfg.kind,
      config: cfg.config,
      step: st.step,
      epoch,
      counters: { best: Number.isFinite(st.best) ? st.best : -1, bestEpoch: st.bestEpoch, bad: st.bad },
      tensors,
      optimizer: await optimizerState(opt),
      rng: st.rng.state(),
    });
  }
  opt.dispose();

  if (!validation || !existsSync(weights)) {
    keep(st.epoch);
    st.bestEpoch = st.epoch;
  }
  importWeights(vars, readSafetensors(weights).tensors, weights);
  return { log: log.entries, keptEpoch: st.bestEpoch, epochsRun: st.epoch, units };
}
