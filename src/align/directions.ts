// Where a near-linear projector looks (align --projector-draw linear): the top principal directions
// of f's item table, so that a rank-k projection keeps as much of f's u·e as k directions can.
// items [n,d] (f's item vectors, × the item input scale) → [k,d]: the first min(k, d) rows
// orthonormal (block power iteration on itemsᵀ·items, seeded), divided by the RMS of the items'
// coordinates along them (so the projected items have unit RMS per coordinate); rows beyond d zero.
import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../engine/tf.js';

const ITERATIONS = 60;

export function principalDirections(items: Tensor, scale: number, k: number, seed: number): Tensor {
  return tf.tidy(() => {
    const x = tf.mul(items, scale); // [n,d]
    const d = x.shape[1]!;
    const m = Math.min(k, d);
    const gram = tf.matMul(x, x, true, false); // [d,d]
    let v = tf.linalg.qr(tf.randomNormal([d, m], 0, 1, 'float32', seed))[0]; // [d,m]
    for (let i = 0; i < ITERATIONS; i++) v = tf.linalg.qr(tf.matMul(gram, v))[0];
    const rms = tf.sqrt(tf.mean(tf.square(tf.matMul(x, v))));
    const rows = tf.div(tf.transpose(v), rms); // [m,d]
    return m < k ? tf.concat([rows, tf.zeros([k - m, d])], 0) : rows;
  });
}
