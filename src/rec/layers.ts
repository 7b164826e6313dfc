// Building blocks of the target models: layer norm, linear layers on [B,T,C] tensors (as 2-D
// matmuls), the row-wise dot product and the additive attention mask.
import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../engine/tf.js';

/**
 * Layer norm over the last axis: g·x̂ + b, x̂ = (x − μ)/√(σ² + eps), with the closed-form
 * gradient dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g (tfjs' generic gradient of
 * mean() materialises a tensor of ones per call).
 */
export function layerNorm(x: Tensor, g: Tensor, b: Tensor, eps: number): Tensor {
  const f = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [xx, gg, bb, save] = args as [Tensor, Tensor, Tensor, GradSaveFunc];
    const mu = tf.mean(xx, -1, true);
    const xc = tf.sub(xx, mu);
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd, gg]);
    return {
      value: tf.add(tf.mul(xhat, gg), bb),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xh, rs, g0] = saved;
        const d = xh.shape[xh.shape.length - 1] as number;
        const dxhat = tf.mul(dy, g0);
        const dx = tf.mul(rs, tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), -1, true))));
        const rows = tf.reshape(dy, [-1, d]);
        return [dx, tf.sum(tf.mul(rows, tf.reshape(xh, [-1, d])), 0), tf.sum(rows, 0)];
      },
    };
  });
  return f(x, g, b);
}

/** Row-wise dot product over the last axis, [..., d]·[..., d] → [...], with a direct gradient. */
export function rowDot(a: Tensor, b: Tensor): Tensor {
  const f = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [aa, bb, save] = args as [Tensor, Tensor, GradSaveFunc];
    save([aa, bb]);
    return {
      value: tf.sum(tf.mul(aa, bb), -1),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const g = tf.expandDims(dy, -1);
        return [tf.mul(g, saved[1]), tf.mul(g, saved[0])];
      },
    };
  });
  return f(a, b);
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

const causalCache = new Map<number, Tensor>();

/**
 * Additive attention mask, broadcastable to [B,h,T,T] (0 = may attend, −1e9 = may not):
 * causal, and keys at padding positions (item id 0) hidden. Returned as the causal part
 * [1,1,T,T] (cached per T) and the key part [B,1,1,T]. A padding query row sees nothing and so
 * attends uniformly; its output is zeroed by the caller.
 */
export function attentionMask(seq: Int32Array, batch: number, len: number): [Tensor, Tensor] {
  let causal = causalCache.get(len);
  if (!causal) {
    const c = new Float32Array(len * len);
    for (let i = 0; i < len; i++) for (let j = i + 1; j < len; j++) c[i * len + j] = -1e9;
    causal = tf.keep(tf.tensor4d(c, [1, 1, len, len]));
    causalCache.set(len, causal);
  }
  const keys = new Float32Array(batch * len);
  for (let i = 0; i < keys.length; i++) keys[i] = seq[i] === 0 ? -1e9 : 0;
  return [causal, tf.tensor4d(keys, [batch, 1, 1, len])];
}
