// Training losses of the target models, on hidden states h [B,T,d] and the item table [V+1,d]:
// the original SASRec BCE (one sampled negative per position) and full-softmax cross-entropy.
// Positions whose target is 0 (padding) carry no loss.
import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../engine/tf.js';
import { rowDot } from './layers.js';

/** mean softplus(−h·e_pos) + mean softplus(h·e_neg), over positions with pos ≠ 0. */
export function bceLoss(h: Tensor, itemEmb: Tensor, pos: Int32Array, neg: Int32Array, shape: [number, number]): Tensor {
  const P = tf.tensor2d(pos, shape, 'int32');
  const N = tf.tensor2d(neg, shape, 'int32');
  const valid = tf.cast(tf.notEqual(P, 0), 'float32'); // [B,T]
  const count = Math.max(
    1,
    pos.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0),
  );
  const posLogit = rowDot(h, tf.gather(itemEmb, P));
  const negLogit = rowDot(h, tf.gather(itemEmb, N));
  const lp = tf.sum(tf.mul(tf.softplus(tf.neg(posLogit)), valid));
  const ln = tf.sum(tf.mul(tf.softplus(negLogit), valid));
  return tf.div(tf.add(lp, ln), count);
}

/** Mean cross-entropy of softmax(h·Eᵀ) against pos, over positions with pos ≠ 0. */
export function softmaxCeLoss(h: Tensor, itemEmb: Tensor, pos: Int32Array): Tensor {
  const d = h.shape[h.shape.length - 1] as number;
  const rows: number[] = [];
  const targets: number[] = [];
  pos.forEach((p, i) => {
    if (p !== 0) (rows.push(i), targets.push(p));
  });
  const hv = tf.gather(tf.reshape(h, [-1, d]), tf.tensor1d(rows, 'int32')); // [N,d]
  const logits = tf.matMul(hv, itemEmb, false, true); // [N,V+1]
  return crossEntropy(logits, tf.tensor1d(targets, 'int32'));
}

/** Mean softmax cross-entropy with a fused gradient (softmax − onehot)/N. */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  const f = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [zz, t, save] = args as [Tensor, Tensor, GradSaveFunc];
    const lse = tf.logSumExp(zz, -1); // [N]
    const picked = tf.sum(tf.mul(zz, tf.oneHot(t, zz.shape[1] as number)), -1);
    save([zz, t]);
    return {
      value: tf.mean(tf.sub(lse, picked)),
      gradFunc: (dy, saved) => {
        const [z0, t0] = saved;
        const n = z0.shape[0] as number;
        const g = tf.div(tf.sub(tf.softmax(z0), tf.oneHot(t0, z0.shape[1] as number)), n);
        return [tf.mul(g, dy), tf.zerosLike(t0)];
      },
    };
  });
  return f(logits, targets);
}
