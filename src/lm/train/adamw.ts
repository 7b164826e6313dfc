// AdamW (Loshchilov & Hutter; PyTorch's update with decoupled weight decay on matrices only),
// the linear warm-up + linear decay schedule, and the global gradient norm for clipping.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number; // applied to weights of rank ≥ 2 (not to norm gains or biases)
}

export const ADAMW_DEFAULTS: Readonly<AdamWConfig> = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

export class AdamW {
  private readonly m = new Map<Variable, Tensor>();
  private readonly v = new Map<Variable, Tensor>();
  steps = 0;

  constructor(
    readonly vars: readonly Variable[],
    readonly cfg: AdamWConfig = ADAMW_DEFAULTS,
  ) {
    for (const x of vars) {
      this.m.set(x, tf.keep(tf.zerosLike(x)));
      this.v.set(x, tf.keep(tf.zerosLike(x)));
    }
  }

  /**
   * One update with learning rate lr; grads[i] belongs to vars[i] and is multiplied by
   * gradScale first (clipping). A variable without a gradient (undefined) is left alone, as
   * PyTorch skips a parameter whose .grad is None.
   */
  step(grads: readonly (Tensor | undefined)[], lr: number, gradScale = 1): void {
    const { beta1: b1, beta2: b2, eps, weightDecay } = this.cfg;
    this.steps++;
    const bc1 = 1 - Math.pow(b1, this.steps);
    const bc2 = 1 - Math.pow(b2, this.steps);
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[i];
        if (!g) return;
        const m = tf.add(tf.mul(this.m.get(x)!, b1), tf.mul(g, (1 - b1) * gradScale));
        const v = tf.add(tf.mul(this.v.get(x)!, b2), tf.mul(tf.square(g), (1 - b2) * gradScale * gradScale));
        const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), eps);
        const decayed = weightDecay > 0 && x.rank >= 2 ? tf.mul(x, 1 - lr * weightDecay) : x;
        x.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
        this.swap(this.m, x, m);
        this.swap(this.v, x, v);
      });
    });
  }

  /** The moments as flat arrays, keyed "m.<name>" / "v.<name>" with names from `nameOf`. */
  moments(nameOf: (x: Variable) => string): Record<string, { shape: number[]; data: Float32Array }> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [key, store] of [
      ['m', this.m],
      ['v', this.v],
    ] as const) {
      for (const [x, t] of store) out[`${key}.${nameOf(x)}`] = { shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
    }
    return out;
  }

  /**
   * Replaces the moments with saved ones (as written by moments()); `missing` is called with
   * the key of an absent or mis-shaped entry and must throw.
   */
  loadMoments(
    saved: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    nameOf: (x: Variable) => string,
    missing: (key: string) => never,
  ): void {
    for (const [key, store] of [
      ['m', this.m],
      ['v', this.v],
    ] as const) {
      for (const x of this.vars) {
        const t = saved[`${key}.${nameOf(x)}`];
        if (!t || t.shape.join(',') !== x.shape.join(',')) missing(`${key}.${nameOf(x)}`);
        this.swap(store, x, tf.tensor(Float32Array.from(t.data), x.shape, 'float32'));
      }
    }
  }

  private swap(store: Map<Variable, Tensor>, x: Variable, t: Tensor): void {
    store.get(x)!.dispose();
    store.set(x, tf.keep(t));
  }

  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
    this.m.clear();
    this.v.clear();
  }
}

/** √(Σ‖g‖²) over all gradients. */
export function globalNorm(grads: readonly (Tensor | undefined)[]): number {
  const present = grads.filter((g): g is Tensor => g !== undefined);
  if (present.length === 0) return 0;
  const total = tf.tidy(() => tf.addN(present.map((g) => tf.sum(tf.square(g)))));
  const value = total.dataSync()[0];
  total.dispose();
  return Math.sqrt(value);
}

/**
 * Learning rate at optimizer step s (0-based) of `total`: linear warm-up to `peak` over the
 * first `warmup` steps ((s+1)/warmup), then linear decay towards 0 at step `total`.
 */
export function linearSchedule(s: number, total: number, warmup: number, peak: number): number {
  if (s < warmup) return (peak * (s + 1)) / warmup;
  return (peak * Math.max(0, total - s)) / Math.max(1, total - warmup);
}
