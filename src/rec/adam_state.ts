// The state of tfjs' Adam as checkpoint tensors and back. tfjs keeps β1ᵗ and β2ᵗ as running
// products but restores them with pow(): saving them too makes a resumed run bit-identical to
// an uninterrupted one.
import type { AdamOptimizer, Variable } from '@tensorflow/tfjs-core';
import type { ReadTensor, WriteTensor } from '../engine/safetensors.js';
import { tf } from '../engine/tf.js';

type AdamInternals = { accBeta1: Variable; accBeta2: Variable };

/** "i:name" → moment tensor, plus acc_beta1 / acc_beta2 (scalars). */
export async function optimizerState(opt: AdamOptimizer): Promise<Record<string, WriteTensor>> {
  const weights = await opt.getWeights();
  const { accBeta1, accBeta2 } = opt as unknown as AdamInternals;
  const named = [
    ...weights.map((w, i) => [`${i}:${w.name}`, w.tensor] as const),
    ['acc_beta1', accBeta1] as const,
    ['acc_beta2', accBeta2] as const,
  ];
  return Object.fromEntries(named.map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: Float32Array.from(t.dataSync()) }]));
}

export async function restoreOptimizer(opt: AdamOptimizer, saved: Record<string, ReadTensor>): Promise<void> {
  const { acc_beta1, acc_beta2, ...weights } = saved;
  const entries = Object.entries(weights).sort((a, b) => parseInt(a[0]) - parseInt(b[0]));
  await opt.setWeights(entries.map(([k, t]) => ({ name: k.slice(k.indexOf(':') + 1), tensor: tf.tensor(t.data, t.shape, 'float32') })));
  const internals = opt as unknown as AdamInternals;
  if (acc_beta1 && acc_beta2) {
    tf.tidy(() => {
      internals.accBeta1.assign(tf.scalar(acc_beta1.data[0]));
      internals.accBeta2.assign(tf.scalar(acc_beta2.data[0]));
    });
  }
}
