// Differentiable building blocks of the Llama model with closed-form gradients (tfjs' generic
// gradients of mean(), broadcasts and sum-over-rows are slow on wasm): batched matmul with a
// shared 2-D operand, a bias on head columns, RMSNorm, rotary embedding on [N,dh,T] columns,
// SwiGLU, column sums.
import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';

type Args = (Tensor | GradSaveFunc)[];

/** A variable excluded from training (frozen base weight under LoRA): its gradient is never used. */
function frozen(t: Tensor): boolean {
  return t instanceof tf.Variable && !t.trainable;
}

/** Σ over the rows of x [N,...] → [...], as one matmul with a row of ones (tf.sum over axis 0 transposes first). */
export function colSum(x: Tensor): Tensor {
  const n = x.shape[0];
  const rest = x.shape.slice(1);
  return tf.reshape(tf.matMul(tf.ones([1, n]), tf.reshape(x, [n, -1])), rest);
}

/** Mean over the last axis, keeping it: [..., H] → [..., 1], as a matmul with a column of ones. */
function rowMean(x: Tensor): Tensor {
  const h = x.shape[x.shape.length - 1];
  const col = tf.matMul(tf.reshape(x, [-1, h]), tf.ones([1, h]), false, true); // [N,1]
  return tf.reshape(tf.mul(col, 1 / h), [...x.shape.slice(0, -1), 1]);
}

/**
 * y[b] = op(a[b])·op(b[b]) where one operand may be 2-D and shared by every batch item (a
 * weight): its gradient is summed over the batch. Frozen variables get a zero gradient without
 * any computation.
 */
export function bmm(a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  const skip = [frozen(a), frozen(b)]; // saved tensors are copies: ask the inputs themselves
  const f = tf.customGrad((...args: Args) => {
    const [x, w, save] = args as [Tensor, Tensor, GradSaveFunc];
    save([x, w]);
    const lift = (t: Tensor) => (t.rank === 2 ? tf.reshape(t, [1, ...t.shape]) : t);
    return {
      value: tf.matMul(lift(x), lift(w), ta, tb),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [x0, w0] = saved;
        const grad = (i: number, t: Tensor, compute: () => Tensor): Tensor => {
          if (skip[i]) return tf.zerosLike(t);
          const g = compute();
          return t.rank === 2 && g.rank === 3 ? colSum(g) : g;
        };
        const A = lift(x0);
        const B = lift(w0);
        if (!ta && !tb) return [grad(0, x0, () => tf.matMul(dy, B, false, true)), grad(1, w0, () => tf.matMul(A, dy, true, false))];
        if (!ta && tb) return [grad(0, x0, () => tf.matMul(dy, B, false, false)), grad(1, w0, () => tf.matMul(dy, A, true, false))];
        if (ta && !tb) return [grad(0, x0, () => tf.matMul(B, dy, false, true)), grad(1, w0, () => tf.matMul(A, dy, false, false))];
        return [grad(0, x0, () => tf.matMul(B, dy, true, true)), grad(1, w0, () => tf.matMul(dy, A, true, true))];
      },
    };
  });
  return f(a, b);
}

/** Head columns y [B,out,T] plus a bias b [out] on every column; db = Σ over B and T of dy (zero when b is frozen). */
export function addBias(y: Tensor, b: Tensor): Tensor {
  const bFrozen = frozen(b);
  const f = tf.customGrad((...args: Args) => {
    const [yy, bb] = args as [Tensor, Tensor];
    const [B, out, T] = yy.shape;
    return {
      value: tf.add(yy, tf.reshape(bb, [out, 1])),
      gradFunc: (dy: Tensor) => {
        if (bFrozen) return [dy, tf.zeros([out])];
        const perRow = tf.reshape(tf.matMul(tf.reshape(dy, [B * out, T]), tf.ones([T, 1])), [B, out]);
        return [dy, colSum(perRow)];
      },
    };
  });
  return f(y, b);
}

/**
 * RMSNorm over the last axis: y = g·x·r, r = 1/√(mean(x²) + eps). Gradient in closed form:
 * dx = r·(dx̂ − x̂·mean(dx̂·x̂)) with x̂ = x·r, dx̂ = dy·g; dg = Σ_rows dy·x̂.
 */
export function rmsNorm(x: Tensor, g: Tensor, eps: number): Tensor {
  const gFrozen = frozen(g);
  const f = tf.customGrad((...args: Args) => {
    const [xx, gg, save] = args as [Tensor, Tensor, GradSaveFunc];
    const r = tf.rsqrt(tf.add(rowMean(tf.square(xx)), eps)); // [...,1]
    const xhat = tf.mul(xx, r);
    save([xhat, r, gg]);
    return {
      value: tf.mul(xhat, gg),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xh, r0, g0] = saved;
        const h = xh.shape[xh.shape.length - 1];
        const dxhat = tf.mul(dy, g0);
        const dx = tf.mul(r0, tf.sub(dxhat, tf.mul(xh, rowMean(tf.mul(dxhat, xh)))));
        const dg = gFrozen ? tf.zerosLike(g0) : tf.reshape(colSum(tf.reshape(tf.mul(dy, xh), [-1, h])), [h]);
        return [dx, dg];
      },
    };
  });
  return f(x, g);
}

const rotations = new Map<number, Tensor>();

/** R [dh,dh] with R·x = rotate_half(x) = concat(−x[dh/2:], x[:dh/2]) along the head axis. */
function rotateHalfMatrix(dh: number): Tensor {
  let r = rotations.get(dh);
  if (!r) {
    const half = dh / 2;
    const m = new Float32Array(dh * dh);
    for (let i = 0; i < half; i++) {
      m[i * dh + i + half] = -1;
      m[(i + half) * dh + i] = 1;
    }
    rotations.set(dh, (r = tf.keep(tf.tensor2d(m, [dh, dh]))));
  }
  return r;
}

/**
 * Rotary position embedding (Hugging Face's rotate_half convention) on head columns
 * x [B,n,dh,T]: y = x·cos + rotate_half(x)·sin, tables [Bp,1,dh,T] (Bp = 1 or B).
 * rotate_half is a matmul with a fixed signed permutation R, so dx = dy·cos + Rᵀ(dy·sin).
 */
export function rope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const [B, n, dh, T] = x.shape;
  const R = rotateHalfMatrix(dh);
  const rot = (t: Tensor, transpose: boolean) =>
    tf.reshape(tf.matMul(tf.reshape(R, [1, dh, dh]), tf.reshape(t, [B * n, dh, T]), transpose, false), [B, n, dh, T]);
  const f = tf.customGrad((...args: Args) => {
    const [xx, save] = args as [Tensor, GradSaveFunc];
    save([cos, sin]); // the tables may be created in the forward scope, which ends before the backward pass
    return {
      value: tf.add(tf.mul(xx, cos), tf.mul(rot(xx, false), sin)),
      gradFunc: (dy: Tensor, [c, s]: Tensor[]) => [tf.add(tf.mul(dy, c), rot(tf.mul(dy, s), true))],
    };
  });
  return f(x);
}

/** SwiGLU gate: silu(a)·b, silu(a) = a·σ(a); dsilu/da = σ(a)·(1 + a·(1 − σ(a))). */
export function swiglu(a: Tensor, b: Tensor): Tensor {
  const f = tf.customGrad((...args: Args) => {
    const [aa, bb, save] = args as [Tensor, Tensor, GradSaveFunc];
    const sg = tf.sigmoid(aa);
    const s = tf.mul(aa, sg);
    save([aa, bb, sg, s]);
    return {
      value: tf.mul(s, bb),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [a0, b0, sg0, s0] = saved;
        const dsilu = tf.mul(sg0, tf.add(tf.sub(a0, s0), 1)); // σ·(1 + a − a·σ)
        return [tf.mul(tf.mul(dy, b0), dsilu), tf.mul(dy, s0)];
      },
    };
  });
  return f(a, b);
}
