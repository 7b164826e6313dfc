// `import-adapter`: the adapter the reference trained from an export-job folder, onto the base model,
// as an aligned model folder (src/align/model.ts) that eval, explain, export-gguf and serve load.
// A LoRA-only adapter stays an adapter (adapter.safetensors under our names); one that also carries
// PEFT's modules_to_save copies of embed_tokens / lm_head (as the reference's always does) is
// merged — W + (alpha/r)·B·A, the trained embeddings and head — into full weights
// (model.safetensors, align.json's lora null). A base whose tokenizer lacks <user> / <item> gets them
// appended at V, V + 1 as the reference appends them (src/align/specials.ts), and their trained rows
// come from those copies ([V+2,H]); other tokens we append after them keep their mean rows. The
// connectors become our projectors, and align.json records how their outputs enter (--connector;
// the reference adds them to the placeholder tokens).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initEngine } from '../../engine/backend.js';
import { DataError } from '../../engine/errors.js';
import { claimOutFolder, finishOutFolder } from '../../engine/out_folder.js';
import { checkFiniteTensor, importWeights } from '../../engine/params.js';
import { readSafetensors, type ReadTensor } from '../../engine/safetensors.js';
import { tf } from '../../engine/tf.js';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { Llama } from '../../lm/model/llama.js';
import { SPECIALS } from '../../lm/tokenizer/tokenizer.js';
import { Surrogate, type AlignMeta } from '../model.js';
import type { ImportAdapterConfig } from './config.js';
import { connectorProjectors, connectorTensors } from './connectors.js';
import { readJobManifest } from './manifest.js';
import { readPeftAdapter, type PeftAdapter, type TableRows } from './peft.js';

/** Steps and seconds from the HF Trainer's trainer_state.json beside the adapter, 0 where it is absent. */
function trainerStats(dir: string): { steps: number; seconds: number } {
  const file = join(dir, 'trainer_state.json');
  if (!existsSync(file)) return { steps: 0, seconds: 0 };
  let s: { global_step?: unknown; log_history?: { train_runtime?: unknown }[] };
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as typeof s;
  } catch {
    throw new DataError({ file }, 'is not valid JSON');
  }
  const runtime = s.log_history?.map((e) => e.train_runtime).find((t) => typeof t === 'number');
  return { steps: typeof s.global_step === 'number' ? s.global_step : 0, seconds: typeof runtime === 'number' ? runtime : 0 };
}

/**
 * The rows the reference's embed_tokens / lm_head copies have on this base: the base model's, or,
 * where <user> and <item> were appended (ids V, V + 1), V + 2 when that outgrows them (the reference
 * resizes the embeddings only then).
 */
function referenceRows(s: Surrogate): TableRows {
  const a = s.appended;
  const base = a?.base_rows ?? s.model.cfg.vocab_size;
  const soft = a !== null && a.tokens[0] === SPECIALS.user && a.tokens[1] === SPECIALS.item && a.first + 2 > base;
  return soft ? { base, withSoft: a.first + 2 } : { base };
}

/** Puts t [r,H] into the first r rows of v; rows beyond (tokens appended after the reference's) stay. */
function assignRows(v: Variable, t: Tensor): void {
  const r = t.shape[0];
  v.assign(r === v.shape[0] ? t : tf.concat([t, tf.slice(v, [r, 0], [-1, -1])]));
}

/** Folds the adapter into the base weights: W += (alpha/r)·B·A per LoRA pair, then the trained embeddings and head. */
function mergeAdapter(model: Llama, a: PeftAdapter): void {
  const embed = a.embed?.data ?? (model.embedTokens.dataSync() as Float32Array);
  if (a.head && !model.lmHead && a.head.data.some((x, i) => x !== embed[i]))
    throw new DataError(
      { file: a.file, field: 'base_model.model.lm_head.weight' },
      'differs from embed_tokens, but the base model ties its head to its embeddings (tie_word_embeddings): import onto an untied base',
    );
  const tensor = (t: ReadTensor, name: string) => {
    checkFiniteTensor(t.data, a.file, name);
    return tf.tensor(t.data, t.shape, 'float32');
  };
  const weights = model.namedVariables();
  const scale = a.lora.alpha / a.lora.r;
  for (const [name, A] of Object.entries(a.loraTensors)) {
    if (!name.endsWith('.lora_A.weight')) continue;
    const module = name.slice(0, -'.lora_A.weight'.length);
    const bName = `${module}.lora_B.weight`;
    const w = weights.get(`${module}.weight`)!;
    tf.tidy(() => w.assign(tf.add(w, tf.mul(tf.matMul(tensor(a.loraTensors[bName], bName), tensor(A, name)), scale))));
  }
  if (a.embed) tf.tidy(() => assignRows(model.embedTokens, tensor(a.embed!, 'model.embed_tokens.weight')));
  if (a.head && model.lmHead) tf.tidy(() => assignRows(model.lmHead!, tensor(a.head!, 'lm_head.weight')));
}

export async function importAdapter(cfg: ImportAdapterConfig): Promise<{ meta: AlignMeta; merged: boolean }> {
  await initEngine({ backend: 'auto' });
  const job = readJobManifest(cfg.job);
  claimOutFolder(cfg.out, 'import-adapter', cfg, { force: cfg.force });
  const s = await Surrogate.base(cfg.baseModel);
  let aligned: Surrogate | undefined;
  try {
    const adapter = readPeftAdapter(cfg.peft, s.model, referenceRows(s));
    const projFile = cfg.projectors ?? adapter.file;
    // a behaviour (B) job's connectors exist in the reference's model but were never trained: not imported
    const projectors =
      job.mode === 'B'
        ? {}
        : connectorProjectors(
            cfg.projectors ? connectorTensors(readSafetensors(cfg.projectors).tensors) : adapter.connectors,
            projFile,
            job.connector.in,
            s.model.cfg.hidden_size,
            job.connector.scale,
          );
    aligned = new Surrogate(s.model, s.tok, projectors, undefined, undefined, s.appended);
    const merged = adapter.embed !== undefined || adapter.head !== undefined;
    if (merged) mergeAdapter(s.model, adapter);
    else {
      s.model.enableLora(adapter.lora);
      importWeights(
        s.model.adapters().flatMap((a) => a.variables()),
        adapter.loraTensors,
        adapter.file,
      );
    }
    const meta = {
      mode: job.mode,
      base_model: cfg.baseModel,
      rec: job.mode === 'B' ? null : job.rec,
      ...trainerStats(cfg.peft),
      item_titles: null,
      connector: cfg.connector,
      imported: { peft: resolve(cfg.peft), job: resolve(cfg.job) },
    };
    aligned.save(cfg.out, meta);
    finishOutFolder(cfg.out);
    return { meta: Surrogate.readMeta(cfg.out), merged };
  } finally {
    (aligned ?? s).dispose();
  }
}
