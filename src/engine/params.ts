// Named trainable variables: tfjs variable names are global, so each gets a unique suffix and
// paramName() gives back its checkpoint name; initialisers; and weights moved to and from
// safetensors tensors (names = parameter names), a missing, mis-shaped or non-finite tensor naming
// the file.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { DataError } from './errors.js';
import { firstNonFinite } from './finite.js';
import type { Rng } from './rng.js';
import type { ReadTensor, WriteTensor } from './safetensors.js';
import { tf } from './tf.js';

let instances = 0;

/**
 * tfjs variable names are global: each created variable gets a unique suffix, "name__N", so
 * several models can live in one process. paramName() gives back the checkpoint name.
 */
function unique(name: string): string {
  return `${name}__${++instances}`;
}

export function paramName(v: Variable): string {
  return v.name.replace(/__\d+$/, '');
}

/** Xavier/Glorot normal, as PyTorch's xavier_normal_ on a [fanOut, fanIn] weight. */
export function xavierNormal(shape: number[], fanIn: number, fanOut: number, rng: Rng, name: string): Variable {
  const std = Math.sqrt(2 / (fanIn + fanOut));
  return tf.variable(tf.randomNormal(shape, 0, std, 'float32', rng.nextU32()), true, unique(name));
}

/** A variable filled with one value. */
export function constant(shape: number[], value: number, name: string): Variable {
  return tf.variable(tf.fill(shape, value), true, unique(name));
}

/** A frozen (not trainable) variable holding `value`, under a process-wide unique name. */
export function frozen(value: Tensor, name: string): Variable {
  return tf.variable(value, false, unique(name));
}

export function exportWeights(vars: Variable[]): Record<string, WriteTensor> {
  return Object.fromEntries(vars.map((v) => [paramName(v), { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array }]));
}

/** Throws a DataError naming the tensor and its first NaN or ±∞ element, if it has one. */
export function checkFiniteTensor(data: ArrayLike<number>, file: string, name: string): void {
  const i = firstNonFinite(data);
  if (i >= 0)
    throw new DataError({ file, field: name }, `element ${i} is ${data[i]}: the weights are not finite (a diverged or damaged run?)`);
}

/** Assigns saved tensors to the model's variables; a missing, mis-shaped or non-finite tensor names the file. */
export function importWeights(vars: Variable[], tensors: Record<string, ReadTensor>, file: string): void {
  for (const v of vars) {
    const name = paramName(v);
    const t = tensors[name];
    if (!t) throw new DataError({ file, field: name }, 'tensor missing from the checkpoint');
    if (t.shape.join(',') !== v.shape.join(','))
      throw new DataError({ file, field: name }, `shape [${t.shape}] but the model needs [${v.shape}]`);
    if (!(t.data instanceof Float32Array)) throw new DataError({ file, field: name }, `dtype ${t.dtype}, expected F32`);
    checkFiniteTensor(t.data, file, name);
  }
  for (const v of vars) {
    const t = tensors[paramName(v)];
    tf.tidy(() => v.assign(tf.tensor(t.data, v.shape, 'float32')));
  }
}
