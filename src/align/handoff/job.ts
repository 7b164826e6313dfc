// `export-job`: a tasks folder and its target model f → a folder the reference implementation trains
// from on GPUs (RecAI RecExplainer/src/sft_training.py): the samples of one form in its layout
// (data.ts), f's vectors as its target model (embeddings.ts), the accelerate + DeepSpeed ZeRO-2
// configs (configs.ts), the launch script (launch.ts), job.json for import-adapter (manifest.ts)
// and a README (readme.ts). The input scales are our projectors' (√d / mean norm, the user one over
// the training histories, as `align` computes them).
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../engine/atomic.js';
import { initEngine } from '../../engine/backend.js';
import { DataError, UserError } from '../../engine/errors.js';
import { claimOutFolder, finishOutFolder } from '../../engine/out_folder.js';
import { writeSafetensors } from '../../engine/safetensors.js';
import { openRecommender } from '../../rec/open.js';
import type { RecSource } from '../../rec/source.js';
import { readTaskRecords, taskFile, tasksSources } from '../../tasks/records.js';
import { SoftVectors } from '../soft.js';
import type { ExportJobConfig } from './config.js';
import { ACCELERATE_FILE, accelerateConfig, DEEPSPEED_FILE, deepspeedConfig } from './configs.js';
import { DATA_DIR, HistoryTable, referenceSample, samplesJson, SEQUENTIAL_FILE, splitCounts, TRAIN_FILE, VALID_FILE } from './data.js';
import { CHECKPOINT_PY, CHECKPOINT_SCRIPT, REC_CONFIG_FILE, REC_DIR, recConfig, recTables, TABLES_FILE } from './embeddings.js';
import { LAUNCH_FILE, launchScript } from './launch.js';
import { CONNECTOR_MODULES, JOB_FILE, JOB_FORMAT, REFERENCE_TARGET_MODULES, TASK_TYPE, type JobManifest } from './manifest.js';
import { jobReadme } from './readme.js';

/** The reference's trainer reads Llama, Mistral and Phi-3; import-adapter reads Llama: a local base folder must be one. */
function checkBaseModel(path: string): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return; // a hub id, or a path on the GPU machine
  if (!st.isDirectory())
    throw new UserError(`--base-model ${path}: the reference's trainer loads an HF model folder or hub id, not a file`);
  const file = join(path, 'config.json');
  if (!existsSync(file)) throw new UserError(`--base-model ${path}: no config.json (not an HF model folder)`);
  let arch: unknown;
  try {
    arch = (JSON.parse(readFileSync(file, 'utf8')) as { architectures?: unknown[] }).architectures?.[0];
  } catch {
    throw new DataError({ file }, 'is not valid JSON');
  }
  if (arch !== 'LlamaForCausalLM')
    throw new DataError(
      { file, field: 'architectures' },
      `is ${JSON.stringify(arch)}; the hand-off needs LlamaForCausalLM (import-adapter reads Llama only)`,
    );
}

export async function exportJob(cfg: ExportJobConfig): Promise<JobManifest> {
  checkBaseModel(cfg.baseModel);
  claimOutFolder(cfg.out, 'export-job', cfg, { force: cfg.force });
  await initEngine({ backend: 'auto' });
  const src = tasksSources(cfg.tasks);
  const rec: RecSource = cfg.rec !== undefined ? { kind: 'folder', dir: resolve(cfg.rec) } : src.rec;
  const trainFile = taskFile(cfg.tasks, 'train', cfg.mode);
  const validFile = taskFile(cfg.tasks, 'test', cfg.mode);
  const train = readTaskRecords(trainFile);
  const valid = readTaskRecords(validFile);
  const vectors = new SoftVectors(await openRecommender(rec));
  vectors.prepare(train.flatMap((r) => r.soft));
  const scale = vectors.inputScales();
  vectors.prepare(valid.flatMap((r) => r.soft));

  const histories = new HistoryTable();
  const trainSamples = train.map((r) => referenceSample(r, histories, trainFile));
  const validSamples = valid.map((r) => referenceSample(r, histories, validFile));
  const out = (...parts: string[]) => join(cfg.out, ...parts);
  writeFileAtomic(out(DATA_DIR, TRAIN_FILE), samplesJson(trainSamples));
  writeFileAtomic(out(DATA_DIR, VALID_FILE), samplesJson(validSamples));
  writeFileAtomic(out(DATA_DIR, SEQUENTIAL_FILE), histories.sequentialFile());

  const tables = recTables(vectors, histories, scale);
  const users = tables['user_embedding.weight'].shape[0];
  const items = tables['item_embedding.weight'].shape[0];
  writeSafetensors(out(REC_DIR, TABLES_FILE), tables, { format: 'pt' });
  writeJsonAtomic(out(REC_DIR, REC_CONFIG_FILE), recConfig(users, items, vectors.dim));
  writeFileAtomic(out(REC_DIR, CHECKPOINT_SCRIPT), CHECKPOINT_PY);

  const manifest: JobManifest = {
    format: JOB_FORMAT,
    mode: cfg.mode,
    task_type: TASK_TYPE[cfg.mode],
    tasks: resolve(cfg.tasks),
    rec,
    base_model: cfg.baseModel,
    template: cfg.template,
    max_history: src.maxHistory,
    connector: { modules: CONNECTOR_MODULES, in: vectors.dim, scale },
    tables: { users, items, dim: vectors.dim },
    lora: { r: cfg.loraR, alpha: cfg.loraAlpha, dropout: cfg.loraDropout, target_modules: REFERENCE_TARGET_MODULES },
    launch: { gpus: cfg.gpus, nodes: cfg.nodes, processes: cfg.gpus * cfg.nodes },
    counts: { train: splitCounts(trainSamples), valid: splitCounts(validSamples) },
  };
  writeFileAtomic(out(ACCELERATE_FILE), accelerateConfig(cfg));
  writeJsonAtomic(out(DEEPSPEED_FILE), deepspeedConfig());
  writeFileAtomic(out(LAUNCH_FILE), launchScript(cfg, manifest));
  chmodSync(out(LAUNCH_FILE), 0o755);
  writeJsonAtomic(out(JOB_FILE), manifest);
  writeFileAtomic(out('README.md'), jobReadme(cfg, manifest));
  finishOutFolder(cfg.out);
  return manifest;
}
