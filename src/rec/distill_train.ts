// The `distill` stage: a SASRec student trained to imitate f (the sasrec-kd baseline) through the
// recommender loop (src/rec/loop.ts: Adam, checkpoint every epoch, --resume) with the KL loss of
// src/rec/distill.ts, no validation (the last weights are kept). Writes <out>/model.json +
// model.safetensors (the train-rec layout, so Recommender.load(out) works; model.json also names
// `distilled_from`), embeddings.safetensors, config.json, train_log.jsonl and, last, metrics.json:
// kl_final / top1_agreement / top5_overlap (src/rec/distill.ts), `untrained` (the same for the
// student before training), `full` / `sampled100` (the student's own test accuracy with f's test
// negatives), loss_final, positions_per_epoch, seconds (the whole call). Same seed → same weights.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../engine/atomic.js';
import { initEngine } from '../engine/backend.js';
import { DataError, UserError } from '../engine/errors.js';
import { RunFolder } from '../engine/run_folder.js';
import { readDataset } from '../data/dataset.js';
import { buildModel } from './build.js';
import { shapeKeys, type TrainRecConfig } from './config.js';
import { agreement, klToTeacher, testTopK, type Agreement } from './distill.js';
import { checkDistillConfig, type DistillConfig } from './distill_config.js';
import { evaluate, fixedNegatives, type EvalResult } from './evaluate.js';
import { exportEmbeddings } from './export.js';
import { fitRec } from './loop.js';
import { Recommender } from './recommender.js';
import { splitUsers } from './samples.js';
import { Sasrec } from './sasrec.js';

export interface DistillResult extends Agreement {
  untrained: Agreement; // the student before training
  test: EvalResult; // the student's own leave-one-out accuracy on the test items (train-rec's protocol, f's negatives)
  lossFinal: number; // mean distillation loss over the last epoch's batches (NaN when epochs = 0)
  epochs: number;
  seconds: number;
  secPerEpoch: number;
  positionsPerEpoch: number;
}

/** The student's train-rec config: f's shape unless overridden, the distillation's schedule. */
function studentConfig(cfg: DistillConfig, tc: Sasrec['cfg']): TrainRecConfig {
  const s: TrainRecConfig = {
    data: cfg.data,
    out: cfg.out,
    model: 'sasrec',
    loss: tc.loss,
    hidden: cfg.hidden ?? tc.hidden,
    maxLen: cfg.maxLen ?? tc.maxLen,
    blocks: cfg.blocks ?? tc.blocks,
    heads: cfg.heads ?? tc.heads,
    dropout: cfg.dropout ?? tc.dropout,
    l2: 0,
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    lr: cfg.lr,
    evalEvery: Math.max(1, cfg.epochs),
    patience: 1,
    selectOn: 'sampled100',
    seed: cfg.seed,
    backend: cfg.backend,
    exportOnnx: false,
    resume: cfg.resume,
    force: cfg.force,
    quiet: cfg.quiet,
  };
  const ok = Number.isInteger(s.hidden) && s.hidden >= 1 && Number.isInteger(s.heads) && s.heads >= 1 && s.hidden % s.heads === 0;
  if (!ok) throw new UserError(`distill: hidden ${s.hidden} must be a positive multiple of heads ${s.heads}`);
  if (!(Number.isInteger(s.maxLen) && s.maxLen >= 1 && Number.isInteger(s.blocks) && s.blocks >= 1))
    throw new UserError('distill: maxLen and blocks must be positive integers');
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new UserError(`distill: dropout must be in [0, 1), got ${s.dropout}`);
  return s;
}

/** Trains a SASRec student to imitate f's full-catalogue softmax; writes `out`. */
export async function distillRec(cfg: DistillConfig): Promise<DistillResult> {
  const t0 = performance.now();
  checkDistillConfig(cfg);
  if (resolve(cfg.out) === resolve(cfg.rec)) throw new UserError(`distill: --out ${cfg.out} is f's folder (--rec); choose another`);
  const folder = new RunFolder(cfg.out, 'a distillation run', 'distill');
  await initEngine({ backend: cfg.backend });
  const teacher = await Recommender.load(cfg.rec, cfg.backend);
  const modelJson = join(cfg.rec, 'model.json');
  if (!(teacher.model instanceof Sasrec))
    throw new DataError({ file: modelJson, field: 'kind' }, `the teacher is a ${teacher.kind} model; distillation needs a SASRec teacher`);
  const tm = teacher.model;
  const data = splitUsers(readDataset(cfg.data));
  if (data.nItems !== teacher.nItems) {
    throw new DataError(
      { file: modelJson, field: 'n_items' },
      `the teacher knows ${teacher.nItems} items but ${cfg.data} has ${data.nItems}; pass the data set it was trained on`,
    );
  }
  // f's test negatives (train-rec draws them from its seed + 2), so the student's accuracy compares
  const teacherSeed = (JSON.parse(readFileSync(modelJson, 'utf8')) as { config: { seed?: number } }).config.seed ?? 42;
  const scfg = studentConfig(cfg, tm.cfg);
  folder.open(cfg.resume, cfg, cfg.force);
  const nUsers = data.train.length;
  const student = buildModel(scfg, data.nItems, nUsers) as Sasrec;
  const studentRec = () => Recommender.of(student, nUsers, scfg.hidden);
  folder.writeConfig(cfg);

  const kl = klToTeacher(tm, student, data, cfg.temperature, cfg.positions);
  const teacherTop5 = testTopK(teacher, data, 5);
  const untrained = agreement(teacher, studentRec(), data, teacherTop5);
  const shapes = { ...shapeKeys(scfg, data.nItems, nUsers), temperature: cfg.temperature, positions: cfg.positions };
  const r = await fitRec(
    student,
    data,
    folder,
    {
      label: 'distill',
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      maxLen: scfg.maxLen,
      lr: cfg.lr,
      seed: cfg.seed,
      resume: cfg.resume,
      quiet: cfg.quiet,
      kind: 'sasrec-kd',
      config: { ...cfg, ...shapes },
      expect: shapes,
      weightsMeta: { kind: 'sasrec', config: JSON.stringify(scfg), distilled_from: cfg.rec },
    },
    kl.loss,
  );
  kl.dispose();

  exportEmbeddings(cfg.out, student, data, scfg); // also writes model.json (train-rec layout) …
  writeJsonAtomic(join(cfg.out, 'model.json'), {
    kind: 'sasrec',
    config: scfg,
    n_items: data.nItems,
    n_users: nUsers,
    weights: 'model.safetensors',
    distilled_from: cfg.rec,
    temperature: cfg.temperature,
    positions: cfg.positions,
  }); // … named here
  const final = cfg.epochs === 0 ? untrained : agreement(teacher, studentRec(), data, teacherTop5);
  const test = evaluate(student, data, 'test', fixedNegatives(data, teacherSeed + 2));
  teacher.dispose();
  student.dispose();
  const trainSeconds = r.log.reduce((s, e) => s + e.seconds, 0);
  const last = r.log[r.log.length - 1];
  const result: DistillResult = {
    ...final,
    untrained,
    test,
    lossFinal: last ? last.loss : NaN,
    epochs: cfg.epochs,
    seconds: (performance.now() - t0) / 1000,
    secPerEpoch: r.log.length ? trainSeconds / r.log.length : 0,
    positionsPerEpoch: kl.positionsPerEpoch,
  };
  folder.writeMetrics({
    kl_final: final.kl,
    top1_agreement: final.top1_agreement,
    top5_overlap: final.top5_overlap,
    untrained: { kl: untrained.kl, top1_agreement: untrained.top1_agreement, top5_overlap: untrained.top5_overlap },
    full: test.full,
    sampled100: test.sampled100,
    loss_final: last ? last.loss : null,
    temperature: cfg.temperature,
    positions: cfg.positions,
    positions_per_epoch: kl.positionsPerEpoch,
    epochs: cfg.epochs,
    sec_per_epoch: result.secPerEpoch,
    seconds: result.seconds,
    teacher: cfg.rec,
  });
  return result;
}
