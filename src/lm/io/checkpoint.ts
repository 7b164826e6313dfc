// A Llama on disk: weights under their Hugging Face names in model.safetensors (or shards listed
// by model.safetensors.index.json, as large HF models ship) and the architecture as an HF-style
// config.json. A foreign or mis-shaped file is a one-line DataError.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../engine/atomic.js';
import { DataError, UserError } from '../../engine/errors.js';
import { readSafetensors, writeSafetensors, type ReadTensor, type WriteTensor } from '../../engine/safetensors.js';
import { tf } from '../../engine/tf.js';
import { configFromHf, type LlamaConfig } from '../model/config.js';
import { Llama } from '../model/llama.js';
import { checkFiniteTensor, exportWeights } from '../../engine/params.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';
export const CONFIG_FILE = 'config.json';

/** Every weight of the model under its HF name, as F32. */
export function lmWeights(model: Llama): Record<string, WriteTensor> {
  return exportWeights(model.variables());
}

/** Assigns `tensors` (by HF name) to the model; a missing, extra, mis-shaped or non-finite tensor is a DataError naming it. */
export function setLmWeights(model: Llama, tensors: Record<string, ReadTensor>, file: string): void {
  const vars = model.namedVariables();
  for (const name of Object.keys(tensors)) {
    if (!vars.has(name))
      throw new DataError({ file, field: name }, 'unexpected tensor: not a weight of this Llama (a foreign checkpoint?)');
  }
  for (const [name, v] of vars) {
    const t = tensors[name];
    if (!t) throw new DataError({ file, field: name }, 'missing weight (a foreign checkpoint?)');
    if (t.dtype === 'I32') throw new DataError({ file, field: name }, 'integer tensor, expected floating point');
    if (t.shape.join(',') !== v.shape.join(','))
      throw new DataError({ file, field: name }, `shape [${t.shape}], the config gives [${v.shape}]`);
    checkFiniteTensor(t.data, file, name);
  }
  for (const [name, v] of vars) tf.tidy(() => v.assign(tf.tensor(tensors[name].data, v.shape, 'float32')));
}

/** The config as a Hugging Face config.json: LlamaForCausalLM, or Qwen2ForCausalLM for q/k/v biases (qkv_bias is implied by the type). */
export function hfConfig(cfg: LlamaConfig): Record<string, unknown> {
  const { qkv_bias, ...rest } = cfg;
  const [arch, type] = qkv_bias ? ['Qwen2ForCausalLM', 'qwen2'] : ['LlamaForCausalLM', 'llama'];
  return { architectures: [arch], model_type: type, hidden_act: 'silu', torch_dtype: 'float32', ...rest };
}

/** Writes <dir>/model.safetensors and <dir>/config.json. */
export function saveLm(dir: string, model: Llama, metadata: Record<string, string> = {}): void {
  writeSafetensors(join(dir, WEIGHTS_FILE), lmWeights(model), { format: 'pt', ...metadata });
  writeJsonAtomic(join(dir, CONFIG_FILE), hfConfig(model.cfg));
}

/** The tensors of a model folder: model.safetensors, or every shard its index names (each read once). */
export function readLmTensors(dir: string): { tensors: Record<string, ReadTensor>; file: string } {
  const single = join(dir, WEIGHTS_FILE);
  if (existsSync(single)) return { tensors: readSafetensors(single).tensors, file: single };
  const index = join(dir, INDEX_FILE);
  if (!existsSync(index)) throw new UserError(`${dir}: no ${WEIGHTS_FILE} or ${INDEX_FILE} (not a model folder)`);
  let map: unknown;
  try {
    map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch {
    throw new DataError({ file: index }, 'is not valid JSON');
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new DataError({ file: index, field: 'weight_map' }, 'missing or not an object');
  const tensors: Record<string, ReadTensor> = {};
  for (const shard of new Set(Object.values(map as Record<string, unknown>))) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\'))
      throw new DataError({ file: index, field: 'weight_map' }, `shard ${JSON.stringify(shard)} is not a file name`);
    const path = join(dir, shard);
    if (!existsSync(path)) throw new DataError({ file: index, field: 'weight_map' }, `shard ${shard} is missing`);
    for (const [name, t] of Object.entries(readSafetensors(path).tensors)) {
      if ((map as Record<string, unknown>)[name] !== shard)
        throw new DataError(
          { file: path, field: name },
          `the index puts this tensor in ${JSON.stringify((map as Record<string, unknown>)[name] ?? null)}`,
        );
      tensors[name] = t;
    }
  }
  return { tensors, file: index };
}

/** Reads a model written by saveLm (or any HF Llama/Mistral/Qwen2 folder with F32/F16/BF16 safetensors weights, sharded or not). */
export function loadLm(dir: string): Llama {
  const cfgPath = join(dir, CONFIG_FILE);
  if (!existsSync(cfgPath)) throw new UserError(`${dir}: no ${CONFIG_FILE} (not a model folder)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch {
    throw new DataError({ file: cfgPath }, 'is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new DataError({ file: cfgPath }, 'is not a JSON object');
  const { tensors, file } = readLmTensors(dir);
  const model = new Llama(configFromHf(json as Record<string, unknown>, cfgPath));
  try {
    setLmWeights(model, tensors, file);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
