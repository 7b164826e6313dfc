// Builds a target model from a config and the data shape, and moves its weights to and from
// safetensors tensors (names = variable names).
import type { Variable } from '@tensorflow/tfjs-core';
import { DataError } from '../engine/errors.js';
import type { ReadTensor, WriteTensor } from '../engine/safetensors.js';
import { tf } from '../engine/tf.js';
import type { TrainRecConfig } from './config.js';
import { Mf } from './mf.js';
import type { TargetModel } from './model.js';
import { Sasrec } from './sasrec.js';
import { paramName } from './layers.js';

export function buildModel(cfg: TrainRecConfig, nItems: number, nUsers: number): TargetModel {
  if (cfg.model === 'mf') return new Mf({ nItems, nUsers, hidden: cfg.hidden, l2: cfg.l2 }, cfg.seed);
  return new Sasrec({ nItems, hidden: cfg.hidden, maxLen: cfg.maxLen, blocks: cfg.blocks, heads: cfg.heads, dropout: cfg.dropout, loss: cfg.loss }, cfg.seed);
}

export function exportWeights(vars: Variable[]): Record<string, WriteTensor> {
  return Object.fromEntries(vars.map((v) => [paramName(v), { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array }]));
}

/** Assigns saved tensors to the model's variables; a missing or mis-shaped tensor names the file. */
export function importWeights(vars: Variable[], tensors: Record<string, ReadTensor>, file: string): void {
  for (const v of vars) {
    const name = paramName(v);
    const t = tensors[name];
    if (!t) throw new DataError({ file, field: name }, 'tensor missing from the checkpoint');
    if (t.shape.join(',') !== v.shape.join(',')) throw new DataError({ file, field: name }, `shape [${t.shape}] but the model needs [${v.shape}]`);
    if (!(t.data instanceof Float32Array)) throw new DataError({ file, field: name }, `dtype ${t.dtype}, expected F32`);
    tf.tidy(() => v.assign(tf.tensor(t.data, v.shape, 'float32')));
  }
}
