// The embedding tables of an f brought from elsewhere, read from .safetensors or .npy: a 2-D
// float array [rows, d]. A .safetensors file may hold several tensors: the one with the asked
// name (item_emb / user_emb, as in train-rec's embeddings.safetensors), else its only tensor.
// F16/BF16 arrive as float32, a .npy's float64 is narrowed. Anything else is a one-line error.
import { extname } from 'node:path';
import { DataError, UserError } from '../engine/errors.js';
import { readNpy } from '../engine/npy.js';
import { readSafetensors } from '../engine/safetensors.js';

export interface Table {
  rows: number;
  dim: number;
  data: Float32Array; // row-major [rows, dim]
}

export function readTable(path: string, name: 'item_emb' | 'user_emb'): Table {
  const ext = extname(path).toLowerCase();
  let shape: number[];
  let data: Float32Array;
  if (ext === '.npy') ({ shape, data } = readNpy(path));
  else if (ext === '.safetensors') {
    const tensors = readSafetensors(path).tensors;
    const names = Object.keys(tensors);
    const pick = name in tensors ? name : names.length === 1 ? names[0] : undefined;
    if (pick === undefined)
      throw new DataError({ file: path }, `holds ${names.length} tensors (${names.join(', ') || 'none'}) and none named ${name}`);
    const t = tensors[pick];
    if (t.dtype === 'I32') throw new DataError({ file: path, field: pick }, 'is I32; an embedding table must be floating point');
    ({ shape, data } = t);
  } else throw new UserError(`${path}: an embedding table must be a .safetensors or .npy file`);
  if (shape.length !== 2 || shape[0] < 1 || shape[1] < 1)
    throw new DataError({ file: path }, `has shape [${shape.join(', ')}]; expected a table [rows, d]`);
  return { rows: shape[0], dim: shape[1], data };
}
