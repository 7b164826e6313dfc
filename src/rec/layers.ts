// Building blocks shared by the target models: initialisers, layer norm, linear layers on
// [B,T,C] tensors (as 2-D matmuls), seeded dropout, and the additive attention mask.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../engine/tf.js';
import type { Rng } from '../engine/rng.js';

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

export function constant(shape: number[], value: number, name: string): Variable {
  return tf.variable(tf.fill(shape, value), true, unique(name));
}

/** Layer norm over the last axis: g·(x − μ)/√(σ² + eps) + b. */
export function layerNorm(x: Tensor, g: Tensor, b: Tensor, eps: number): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

/** x [..., in] · w [in, out] + b [out] → [..., out], computed as one 2-D matmul. */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const inDim = x.shape[x.shape.length - 1] as number;
  const outDim = w.shape[1] as number;
  const lead = x.shape.slice(0, -1);
  let y = tf.matMul(tf.reshape(x, [-1, inDim]), w);
  if (b) y = tf.add(y, b);
  return tf.reshape(y, [...lead, outDim]);
}

/** Inverted dropout with a seed from our RNG (reproducible); identity when not training. */
export function dropout(x: Tensor, rate: number, training: boolean, rng: Rng): Tensor {
  return training && rate > 0 ? tf.dropout(x, rate, undefined, rng.nextU32()) : x;
}

/**
 * Additive attention mask [B,1,T,T] (0 = may attend, −1e9 = may not): causal, and keys at
 * padding positions (item id 0) hidden. A padding query row sees nothing and so attends
 * uniformly; its output is zeroed by the caller.
 */
export function attentionMask(seq: Int32Array, batch: number, len: number): Tensor {
  const m = new Float32Array(batch * len * len);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < len; i++) {
      const row = (b * len + i) * len;
      for (let j = 0; j < len; j++) m[row + j] = j <= i && seq[b * len + j] !== 0 ? 0 : -1e9;
    }
  }
  return tf.tensor4d(m, [batch, 1, len, len]);
}
