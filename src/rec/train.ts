// The `train-rec` stage: trains a target model on the data's next items through the recommender
// loop (src/rec/loop.ts: Adam, checkpoint every epoch, --resume), validating every evalEvery
// epochs and stopping early on the validation NDCG@10; then evaluates the best weights on the
// test split and writes train_log.jsonl, a training chart, the embeddings (with --export-onnx also
// the user tower as model.onnx) and, last, metrics.json.
import { join } from 'node:path';
import type { Scalar } from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../engine/atomic.js';
import { initEngine } from '../engine/backend.js';
import { RunFolder } from '../engine/run_folder.js';
import { readDataset } from '../data/dataset.js';
import { lineChart } from '../report/svg.js';
import { buildModel } from './build.js';
import { shapeKeys, validateTrainRecConfig, type TrainRecConfig } from './config.js';
import { evaluate, fixedNegatives, type EvalResult } from './evaluate.js';
import { exportEmbeddings } from './export.js';
import { userTowerOnnx } from './onnx_export.js';
import { fitRec, type EpochLog } from './loop.js';
import { splitUsers } from './samples.js';

export interface TrainRecResult {
  test: EvalResult;
  valid: EvalResult;
  bestEpoch: number;
  epochsRun: number;
  secPerEpoch: number; // mean training time per epoch, evaluation excluded
  seqPerSec: number;
}

function selectMetric(v: EvalResult, cfg: TrainRecConfig): number {
  return cfg.selectOn === 'full' ? v.full['ndcg@10'] : v.sampled100['ndcg@10'];
}

export async function trainRec(cfg: TrainRecConfig): Promise<TrainRecResult> {
  validateTrainRecConfig(cfg);
  await initEngine({ backend: cfg.backend });
  const folder = new RunFolder(cfg.out);
  folder.open(cfg.resume, cfg, cfg.force);
  const data = splitUsers(readDataset(cfg.data));
  const nUsers = data.train.length;
  const model = buildModel(cfg, data.nItems, nUsers);
  folder.writeConfig(cfg);
  const negValid = fixedNegatives(data, cfg.seed + 1);
  const negTest = fixedNegatives(data, cfg.seed + 2);
  const shapes = shapeKeys(cfg, data.nItems, nUsers);
  const r = await fitRec(
    model,
    data,
    folder,
    {
      label: 'epoch',
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      maxLen: cfg.model === 'sasrec' ? cfg.maxLen : Infinity,
      lr: cfg.lr,
      seed: cfg.seed,
      resume: cfg.resume,
      quiet: cfg.quiet,
      kind: cfg.model,
      config: { ...cfg, ...shapes },
      expect: shapes,
      weightsMeta: { kind: cfg.model, config: JSON.stringify(cfg) },
    },
    (users, rng) => model.loss(users, data, rng) as Scalar,
    {
      every: cfg.evalEvery,
      patience: cfg.patience,
      name: `ndcg@10 (${cfg.selectOn})`,
      run: () => evaluate(model, data, 'valid', negValid),
      score: (v) => selectMetric(v, cfg),
    },
  );

  const valid = evaluate(model, data, 'valid', negValid);
  const test = evaluate(model, data, 'test', negTest);
  const trained = r.log.filter((e) => e.seconds > 0);
  const secPerEpoch = trained.reduce((s, e) => s + e.seconds, 0) / Math.max(1, trained.length);
  const result: TrainRecResult = {
    test,
    valid,
    bestEpoch: r.keptEpoch,
    epochsRun: r.epochsRun,
    secPerEpoch,
    seqPerSec: r.units / secPerEpoch,
  };
  writeFileAtomic(join(cfg.out, 'training.svg'), trainingChart(r.log, cfg));
  exportEmbeddings(cfg.out, model, data, cfg);
  if (cfg.exportOnnx) writeFileAtomic(join(cfg.out, 'model.onnx'), userTowerOnnx(model));
  folder.writeMetrics({
    full: test.full,
    sampled100: test.sampled100,
    valid,
    best_epoch: result.bestEpoch,
    epochs_run: result.epochsRun,
    sec_per_epoch: secPerEpoch,
    seq_per_sec: result.seqPerSec,
  });
  return result;
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
