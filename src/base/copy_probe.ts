// The copy probe written to the pre-training metrics: the share of held-out probes (copy.ts) that
// greedy decoding reproduces exactly. Greedy decoding gives a target exactly when every target token
// is the argmax after the true prefix, so one teacher-forced forward pass per batch scores it.
import { tf } from '../engine/tf.js';
import type { Llama } from '../lm/model/llama.js';
import { copyVocab, spanProbes, titleProbes, type CopyProbe } from './copy.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';

export interface CopyProbeResult {
  span8: number; // exact greedy copies of random PROBE_SPAN-token spans, rate in [0,1]
  titles9: number; // exact greedy copies of PROBE_TITLES-title lists, rate in [0,1]
}

export const PROBES = 64; // per set
const PROBE_SEED = 0x0c09; // the probes depend on this and the tokenizer only, not on the run's seed
const BATCH = 16;

/** Share of probes whose predicted tokens equal their target exactly. */
export function exactRate(predicted: readonly (readonly number[])[], probes: readonly CopyProbe[]): number {
  if (predicted.length !== probes.length) throw new RangeError(`exactRate: ${predicted.length} predictions for ${probes.length} probes`);
  if (probes.length === 0) return 0;
  const hits = probes.filter((p, i) => p.target.length === predicted[i].length && p.target.every((t, j) => predicted[i][j] === t));
  return hits.length / probes.length;
}

/** Per probe, the argmax token at each target position given the true prefix (prompt + target so far). */
export function teacherForcedArgmax(model: Llama, probes: readonly CopyProbe[]): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < probes.length; s += BATCH) {
    const batch = probes.slice(s, s + BATCH);
    const seqs = batch.map((p) => [...p.prompt, ...p.target.slice(0, -1)]);
    const T = Math.max(...seqs.map((q) => q.length));
    const ids = new Int32Array(batch.length * T); // right-padded: causal attention never sees the padding
    seqs.forEach((q, b) => ids.set(q, b * T));
    const rows = batch.flatMap((p, b) => p.target.map((_, j) => b * T + p.prompt.length - 1 + j));
    const best = tf.tidy(() => {
      const h = tf.reshape(model.forward(model.embed(ids, batch.length, T)), [batch.length * T, -1]);
      return tf.argMax(model.logits(tf.gather(h, tf.tensor1d(rows, 'int32'))), 1);
    });
    const flat = best.dataSync();
    best.dispose();
    let k = 0;
    for (const p of batch) out.push(Array.from(flat.subarray(k, (k += p.target.length))));
  }
  return out;
}

/** The probe on its fixed held-out sets (PROBES of each) for this tokenizer and catalogue. */
export function copyProbe(model: Llama, tok: Tokenizer, titles: readonly string[]): CopyProbeResult {
  const v = copyVocab(tok, titles);
  const spans = spanProbes(v, PROBES, PROBE_SEED);
  const lists = titleProbes(v, PROBES, PROBE_SEED + 1);
  return {
    span8: exactRate(teacherForcedArgmax(model, spans), spans),
    titles9: exactRate(teacherForcedArgmax(model, lists), lists),
  };
}
