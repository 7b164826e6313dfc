// Seeded inverted dropout for any model trained on the engine.
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';
import { tf } from './tf.js';

/**
 * Inverted dropout: x · mask, mask ∈ {0, 1/(1−rate)}, drawn from a seed of our RNG with an
 * inline xorshift32 (tfjs' own dropout draws through a JS PRNG about 10× slower). Identity
 * when not training.
 */
export function dropout(x: Tensor, rate: number, training: boolean, rng: Rng): Tensor {
  if (!training || rate <= 0) return x;
  const n = x.size;
  const mask = new Float32Array(n);
  const keep = 1 / (1 - rate);
  const threshold = Math.floor(rate * 4294967296);
  let s = rng.nextU32() | 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    mask[i] = s >>> 0 >= threshold ? keep : 0;
  }
  return tf.mul(x, tf.tensor(mask, x.shape, 'float32'));
}
