// Causal-LM loss with the output head fused in: Σ −log softmax(h·Wᵀ)[target] / denom over the given
// rows; gradient (softmax − onehot)·dy/denom straight into the head matmuls, its one-hot part as a
// row gather / segment sum. Probabilities from tf.softmax (one fast wasm kernel; exp() is slow).
// A row may be restricted to allowed tokens (a decoding constraint applied in training): the
// softmax runs over those only, so the loss is over valid continuations and the gradient keeps
// the same form (the masked probabilities are exactly 0).
import type { GradSaveFunc, Scalar, Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';

/** The smallest probability a loss term reads; caps one token's loss at −log(1e-38) ≈ 87.5. */
const TINY = 1e-38;
const MASKED = -1e9; // added to the logit of a token a row does not allow

/** Per row, the allowed tokens (undefined: all). */
export type AllowedRows = readonly (readonly number[] | undefined)[];

/** The additive [N,V] mask of the restricted rows, or null when no row is restricted. */
function maskOf(allowed: AllowedRows | undefined, targets: Int32Array, V: number): Float32Array | null {
  if (!allowed?.some(Boolean)) return null;
  if (allowed.length !== targets.length)
    throw new RangeError(`headCrossEntropy: ${allowed.length} allowed sets for ${targets.length} rows`);
  const mask = new Float32Array(targets.length * V);
  allowed.forEach((a, i) => {
    if (!a) return;
    if (!a.includes(targets[i])) throw new RangeError(`headCrossEntropy: row ${i}'s target ${targets[i]} is not among its allowed tokens`);
    const row = mask.subarray(i * V, (i + 1) * V).fill(MASKED);
    for (const t of a) row[t] = 0;
  });
  return mask;
}

/**
 * hidden [N,H] (only the rows that carry a loss), head [V,H], targets [N] → scalar
 * Σ −log p(target) / denom, p over each row's allowed tokens. Gradients reach both hidden and head.
 */
export function headCrossEntropy(hidden: Tensor, head: Tensor, targets: Int32Array, denom: number, allowed?: AllowedRows): Scalar {
  const [n] = hidden.shape;
  const V = head.shape[0];
  if (targets.length !== n) throw new RangeError(`headCrossEntropy: ${targets.length} targets for ${n} rows`);
  const flat = new Int32Array(n);
  targets.forEach((t, i) => {
    if (!(t >= 0 && t < V)) throw new RangeError(`headCrossEntropy: target ${t} outside the vocabulary [0, ${V})`);
    flat[i] = i * V + t;
  });
  const headFrozen = head instanceof tf.Variable && !head.trainable; // saved tensors are copies: ask the input
  const mask = maskOf(allowed, targets, V);
  const f = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [h, w, save] = args as [Tensor, Tensor, GradSaveFunc];
    const z = tf.matMul(h, w, false, true); // [N,V]
    const p = tf.softmax(mask ? tf.add(z, tf.tensor2d(mask, [n, V])) : z);
    const picked = tf.gather(tf.reshape(p, [-1]), tf.tensor1d(flat, 'int32')); // [N]
    save([p, h, w]);
    return {
      value: tf.div(tf.neg(tf.sum(tf.log(tf.maximum(picked, TINY)))), denom),
      // dz = p − onehot(t), applied without materialising the [N,V] one-hot:
      // dh = p·W − W[t], dW = pᵀ·h − Σ_{i: t_i = v} h_i
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [p0, h0, w0] = saved;
        const tgt = tf.tensor1d(targets, 'int32');
        const scale = tf.div(dy, denom);
        const dh = tf.mul(tf.sub(tf.matMul(p0, w0), tf.gather(w0, tgt)), scale);
        const dw = headFrozen ? tf.zerosLike(w0) : tf.mul(tf.sub(tf.matMul(p0, h0, true, false), tf.unsortedSegmentSum(h0, tgt, V)), scale);
        return [dh, dw];
      },
    };
  });
  return f(hidden, head) as Scalar;
}

/**
 * Distillation onto item tokens: hidden [M,H] (the rows whose next token is an item), items [N,H]
 * (the item rows of the head), teacher [M·N] (per row a distribution over the N items) → scalar
 * Σ_m Σ_n −q_mn · log softmax_n(h_m · items_n) / denom, the cross-entropy to the teacher (its KL
 * divergence up to the teacher's constant entropy). Gradients reach both hidden and items.
 */
export function itemDistillation(hidden: Tensor, items: Tensor, teacher: Float32Array, denom: number): Scalar {
  const [m] = hidden.shape;
  const n = items.shape[0];
  if (teacher.length !== m * n) throw new RangeError(`itemDistillation: ${teacher.length} teacher values for ${m} rows × ${n} items`);
  const logp = tf.logSoftmax(tf.matMul(hidden, items, false, true)); // [M,N]
  return tf.div(tf.neg(tf.sum(tf.mul(logp, tf.tensor2d(teacher, [m, n])))), denom) as Scalar;
}
