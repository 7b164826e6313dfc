// Finite-difference gradient check: compares tfjs' analytic gradient of a scalar function
// of a variable with central differences at a few coordinates (float32, so eps ≈ 1e-2).
import type { Scalar, Variable } from '@tensorflow/tfjs-core';
import { tf } from './tf.js';
import { Rng } from './rng.js';

export interface GradCheck {
  maxRelError: number; // max over the checked coordinates of |a − n| / max(|a|, |n|, floor)
  checked: number;
}

export function gradCheck(
  f: () => Scalar,
  v: Variable,
  opts: { coords?: number; eps?: number; seed?: number; floor?: number } = {},
): GradCheck {
  const { coords = 12, eps = 1e-2, seed = 1, floor = 1e-3 } = opts;
  const { grads } = tf.variableGrads(f, [v]);
  const analytic = grads[v.name].dataSync() as Float32Array;
  tf.dispose(grads);
  const base = Float32Array.from(v.dataSync() as Float32Array);
  const rng = new Rng(seed);
  // prefer coordinates with a non-zero gradient, so the check is not vacuous
  const nonzero = [...analytic.keys()].filter((i) => Math.abs(analytic[i]) > floor);
  const pool = nonzero.length >= coords ? nonzero : [...analytic.keys()];
  const picks = rng.sampleIndices(pool.length, coords).map((k) => pool[k]);
  const at = (i: number, delta: number): number => {
    const x = Float32Array.from(base);
    x[i] += delta;
    tf.tidy(() => v.assign(tf.tensor(x, v.shape, 'float32')));
    return tf.tidy(() => f().dataSync()[0]);
  };
  let maxRel = 0;
  for (const i of picks) {
    const numeric = (at(i, eps) - at(i, -eps)) / (2 * eps);
    const a = analytic[i];
    maxRel = Math.max(maxRel, Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), floor));
  }
  tf.tidy(() => v.assign(tf.tensor(base, v.shape, 'float32')));
  return { maxRelError: maxRel, checked: picks.length };
}
