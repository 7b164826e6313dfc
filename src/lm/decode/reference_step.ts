// The reference decoding step: tfjs ops on the prompt's KV cache (Llama.forward, batched
// matmuls), the better choice for many rows; the fast path (fast_step.ts) is tested against it.
import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';
import type { KvCache, Llama } from '../model/llama.js';

export interface State {
  cache: KvCache;
  lens: number[]; // prompt length per row
  pad: number[]; // left padding per row
  keyValid?: Uint8Array; // [B, cache.length] when some row is padded
}

/** Decoding steps after the prompt: one token per row in, next-token logits per row out. */
export interface Stepper {
  step(tokens: number[]): Float32Array[];
  reorder(rows: number[]): void; // keep these rows, in this order (beam search)
  dispose(): void;
}

/** Steps as tfjs ops on the prompt's KV cache: batched matmuls, the better choice for many rows. */
export function referenceStepper(model: Llama, st: State): Stepper {
  return {
    step(tokens) {
      const B = tokens.length;
      const past = st.cache.length;
      if (st.keyValid) {
        const kv = new Uint8Array(B * (past + 1));
        for (let b = 0; b < B; b++) {
          kv.set(st.keyValid.subarray(b * past, (b + 1) * past), b * (past + 1));
          kv[b * (past + 1) + past] = 1;
        }
        st.keyValid = kv;
      }
      const positions = Int32Array.from(st.pad, (p) => past - p);
      return rows(
        tf.tidy(() =>
          model.logits(model.forward(model.embed(Int32Array.from(tokens), B, 1), { cache: st.cache, keyValid: st.keyValid, positions })),
        ),
      );
    },
    reorder(r) {
      st.cache.reorder(r);
      st.pad = r.map((i) => st.pad[i]);
      if (st.keyValid) {
        const n = st.cache.length;
        const old = st.keyValid;
        const kv = new Uint8Array(r.length * n);
        r.forEach((i, b) => kv.set(old.subarray(i * n, (i + 1) * n), b * n));
        st.keyValid = kv;
      }
    },
    dispose: () => st.cache.dispose(),
  };
}

/** [B,1,V] (or [B,V]) → one Float32Array per row; disposes the tensor. */
export function rows(t: Tensor): Float32Array[] {
  const V = t.shape[t.shape.length - 1];
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return Array.from({ length: data.length / V }, (_, b) => data.subarray(b * V, (b + 1) * V));
}
