// The `train-rec` stage: trains a target model with Adam, validates every evalEvery epochs,
// stops early on the validation NDCG@10, checkpoints atomically after every epoch (--resume
// continues from there), then evaluates the best weights on the test split and writes
// metrics.json, train_log.jsonl, a training chart and the embeddings for the explainer.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdamOptimizer, Scalar, Variable } from '@tensorflow/tfjs-core';
import { writeFileAtomic, writeJsonAtomic, writeJsonlAtomic } from '../engine/atomic.js';
import { initEngine } from '../engine/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../engine/checkpoint.js';
import { UserError } from '../engine/errors.js';
import { Progress } from '../engine/progress.js';
import { Rng } from '../engine/rng.js';
import { readSafetensors, writeSafetensors, type ReadTensor } from '../engine/safetensors.js';
import { tf } from '../engine/tf.js';
import { readDataset } from '../data/dataset.js';
import { lineChart } from '../report/svg.js';
import { buildModel } from './build.js';
import { exportWeights, importWeights } from '../engine/params.js';
import { shapeKeys, validateTrainRecConfig, type TrainRecConfig } from './config.js';
import { evaluate, fixedNegatives, type EvalResult } from './evaluate.js';
import { exportEmbeddings } from './export.js';
import type { TargetModel } from './model.js';
import { epochBatches, splitUsers, type SplitUsers } from './samples.js';

export interface EpochLog {
  epoch: number;
  loss: number;
  seconds: number;
  seq_per_s: number;
  valid?: EvalResult;
}

export interface TrainRecResult {
  test: EvalResult;
  valid: EvalResult;
  bestEpoch: number;
  epochsRun: number;
  secPerEpoch: number; // mean training time per epoch, evaluation excluded
  seqPerSec: number;
}

interface Progressed {
  epoch: number;
  step: number;
  best: number;
  bestEpoch: number;
  bad: number;
  rng: Rng;
  log: EpochLog[];
}

const CKPT = 'checkpoint.safetensors';
const BEST = 'model.safetensors';

function selectMetric(v: EvalResult, cfg: TrainRecConfig): number {
  return cfg.selectOn === 'full' ? v.full['ndcg@10'] : v.sampled100['ndcg@10'];
}

// tfjs' Adam keeps β1ᵗ and β2ᵗ as running products but restores them with pow(): saving them
// too makes a resumed run bit-identical to an uninterrupted one.
type AdamInternals = { accBeta1: Variable; accBeta2: Variable };

async function optimizerState(opt: AdamOptimizer): Promise<Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>> {
  const weights = await opt.getWeights();
  const { accBeta1, accBeta2 } = opt as unknown as AdamInternals;
  const named = [...weights.map((w, i) => [`${i}:${w.name}`, w.tensor] as const), ['acc_beta1', accBeta1] as const, ['acc_beta2', accBeta2] as const];
  return Object.fromEntries(named.map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: Float32Array.from(t.dataSync()) }]));
}

async function restoreOptimizer(opt: AdamOptimizer, saved: Record<string, ReadTensor>): Promise<void> {
  const { acc_beta1, acc_beta2, ...weights } = saved;
  const entries = Object.entries(weights).sort((a, b) => parseInt(a[0]) - parseInt(b[0]));
  await opt.setWeights(entries.map(([k, t]) => ({ name: k.slice(k.indexOf(':') + 1), tensor: tf.tensor(t.data, t.shape, 'float32') })));
  const internals = opt as unknown as AdamInternals;
  if (acc_beta1 && acc_beta2) {
    tf.tidy(() => {
      internals.accBeta1.assign(tf.scalar(acc_beta1.data[0]));
      internals.accBeta2.assign(tf.scalar(acc_beta2.data[0]));
    });
  }
}

async function restore(cfg: TrainRecConfig, model: TargetModel, opt: AdamOptimizer, data: SplitUsers): Promise<Progressed> {
  const path = join(cfg.out, CKPT);
  const ck = loadCheckpoint(path, cfg.model, shapeKeys(cfg, data.nItems, data.train.length));
  importWeights(model.variables(), ck.tensors, path);
  await restoreOptimizer(opt, ck.optimizer);
  const logPath = join(cfg.out, 'train_log.jsonl');
  const log = existsSync(logPath)
    ? readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochLog).filter((e) => e.epoch <= ck.epoch)
    : [];
  const c = ck.counters;
  return { epoch: ck.epoch, step: ck.step, best: c.best, bestEpoch: c.bestEpoch, bad: c.bad, rng: Rng.fromState(ck.rng ?? []), log };
}

export async function trainRec(cfg: TrainRecConfig): Promise<TrainRecResult> {
  validateTrainRecConfig(cfg);
  await initEngine({ backend: cfg.backend });
  const ds = readDataset(cfg.data);
  const data = splitUsers(ds);
  const nUsers = data.train.length;
  const model = buildModel(cfg, data.nItems, nUsers);
  const opt = tf.train.adam(cfg.lr, 0.9, 0.98, 1e-8);
  const ckptPath = join(cfg.out, CKPT);
  if (!cfg.resume && existsSync(ckptPath)) {
    throw new UserError(`${cfg.out} already holds a training run (${CKPT}); pass --resume to continue it or choose another --out`);
  }
  const st: Progressed = cfg.resume
    ? await restore(cfg, model, opt, data)
    : { epoch: 0, step: 0, best: -Infinity, bestEpoch: 0, bad: 0, rng: new Rng(cfg.seed), log: [] };
  writeJsonAtomic(join(cfg.out, 'config.json'), cfg);
  const negValid = fixedNegatives(data, cfg.seed + 1);
  const negTest = fixedNegatives(data, cfg.seed + 2);
  const units = model.epochUnits(data);

  while (st.epoch < cfg.epochs && st.bad < cfg.patience) {
    const epoch = st.epoch + 1;
    const bar = new Progress({ label: `epoch ${epoch}/${cfg.epochs}`, total: units, unit: 'seq/s', quiet: cfg.quiet });
    const t0 = performance.now();
    let lossSum = 0;
    let batches = 0;
    for (const users of epochBatches(data, cfg.batchSize, cfg.model === 'sasrec' ? cfg.maxLen : Infinity, st.rng)) {
      const loss = opt.minimize(() => model.loss(users, data, st.rng) as Scalar, true)!;
      const value = (await loss.data())[0];
      loss.dispose();
      if (!Number.isFinite(value)) throw new UserError(`loss is ${value} at epoch ${epoch}, step ${st.step + 1}; stopped, ${lastGood(ckptPath)} (try a lower --lr)`);
      st.step++;
      lossSum += value;
      batches++;
      bar.tick(users.length, `loss ${value.toFixed(4)}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const entry: EpochLog = { epoch, loss: lossSum / batches, seconds, seq_per_s: units / seconds };
    bar.finish(`loss ${entry.loss.toFixed(4)}`);
    if (epoch % cfg.evalEvery === 0 || epoch === cfg.epochs) {
      entry.valid = evaluate(model, data, 'valid', negValid);
      const m = selectMetric(entry.valid, cfg);
      if (m > st.best) {
        st.best = m;
        st.bestEpoch = epoch;
        st.bad = 0;
        writeSafetensors(join(cfg.out, BEST), exportWeights(model.variables()), { kind: cfg.model, config: JSON.stringify(cfg), epoch: String(epoch) });
      } else st.bad++;
      if (!cfg.quiet) console.error(`  valid ndcg@10 ${m.toFixed(4)} (${cfg.selectOn}); best ${st.best.toFixed(4)} at epoch ${st.bestEpoch}`);
    }
    st.epoch = epoch;
    st.log.push(entry);
    const weights = exportWeights(model.variables());
    const bad = Object.entries(weights).find(([, t]) => !t.data.every(Number.isFinite));
    if (bad) throw new UserError(`weights of ${bad[0]} are not finite after epoch ${epoch}; stopped, ${lastGood(ckptPath)} (try a lower --lr)`);
    saveCheckpoint(ckptPath, {
      kind: cfg.model,
      config: { ...cfg, ...shapeKeys(cfg, data.nItems, nUsers) },
      step: st.step,
      epoch,
      counters: { best: Number.isFinite(st.best) ? st.best : -1, bestEpoch: st.bestEpoch, bad: st.bad },
      tensors: weights,
      optimizer: await optimizerState(opt),
      rng: st.rng.state(),
    });
    writeJsonlAtomic(join(cfg.out, 'train_log.jsonl'), st.log);
  }

  if (!existsSync(join(cfg.out, BEST))) {
    writeSafetensors(join(cfg.out, BEST), exportWeights(model.variables()), { kind: cfg.model, config: JSON.stringify(cfg), epoch: String(st.epoch) });
    st.bestEpoch = st.epoch;
  }
  importWeights(model.variables(), readSafetensors(join(cfg.out, BEST)).tensors, join(cfg.out, BEST));
  const valid = evaluate(model, data, 'valid', negValid);
  const test = evaluate(model, data, 'test', negTest);
  const trained = st.log.filter((e) => e.seconds > 0);
  const secPerEpoch = trained.reduce((s, e) => s + e.seconds, 0) / Math.max(1, trained.length);
  const result: TrainRecResult = { test, valid, bestEpoch: st.bestEpoch, epochsRun: st.epoch, secPerEpoch, seqPerSec: units / secPerEpoch };
  writeJsonAtomic(join(cfg.out, 'metrics.json'), {
    full: test.full,
    sampled100: test.sampled100,
    valid,
    best_epoch: result.bestEpoch,
    epochs_run: result.epochsRun,
    sec_per_epoch: secPerEpoch,
    seq_per_sec: result.seqPerSec,
  });
  writeFileAtomic(join(cfg.out, 'training.svg'), trainingChart(st.log, cfg));
  exportEmbeddings(cfg.out, model, data, cfg);
  return result;
}

function lastGood(ckptPath: string): string {
  return existsSync(ckptPath) ? `the last good checkpoint is ${ckptPath}` : 'no checkpoint was written yet';
}

function trainingChart(log: EpochLog[], cfg: TrainRecConfig): string {
  const evals = log.filter((e) => e.valid);
  return lineChart({
    title: `${cfg.model} training`,
    xLabel: 'epoch',
    series: [
      { name: 'loss', points: log.map((e) => [e.epoch, e.loss]) },
      { name: `valid ndcg@10 (${cfg.selectOn})`, points: evals.map((e) => [e.epoch, selectMetric(e.valid!, cfg)]) },
    ],
  });
}
