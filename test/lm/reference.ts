// A plain-array Llama forward written straight from Hugging Face's modeling_llama / modeling_qwen2
// (one token at a time, q/k/v biases when present, rotate_half RoPE with the llama3 or linear
// inv_freq of modeling_rope_utils, repeat_kv, causal softmax attention, SwiGLU): the naive
// reference the tfjs model is tested against. Returns logits [T][V] for one sequence.
import type { Llama } from '../../src/lm/model/llama.js';
import { headDim } from '../../src/lm/model/config.js';

type M = number[][];
const mv = (w: M, x: number[], b?: number[]) => w.map((row, r) => row.reduce((s, a, j) => s + a * x[j], b ? b[r] : 0));
const rms = (x: number[], g: number[], eps: number) => {
  const r = 1 / Math.sqrt(x.reduce((s, a) => s + a * a, 0) / x.length + eps);
  return x.map((a, j) => a * r * g[j]);
};

export function referenceLogits(model: Llama, ids: readonly number[], embeds?: number[][]): number[][] {
  const cfg = model.cfg;
  const dh = headDim(cfg);
  const h = cfg.num_attention_heads;
  const group = h / cfg.num_key_value_heads;
  const arr = (t: { arraySync(): unknown }) => t.arraySync() as M;
  const vec = (t?: { arraySync(): unknown }) => t?.arraySync() as number[] | undefined;
  const E = arr(model.embedTokens);
  const head = arr(model.headWeight);
  const layers = model.layers.map((l) => ({
    n1: l.inputNorm.arraySync() as number[],
    n2: l.postNorm.arraySync() as number[],
    q: arr(l.q.w),
    k: arr(l.k.w),
    v: arr(l.v.w),
    bq: vec(l.q.b),
    bk: vec(l.k.b),
    bv: vec(l.v.b),
    o: arr(l.o.w),
    gate: arr(l.gate.w),
    up: arr(l.up.w),
    down: arr(l.down.w),
  }));
  const inv = invFreq(cfg.rope_theta, dh, cfg.rope_scaling);
  const ropeAt = (x: number[], pos: number) =>
    x.map((_, i) => {
      const d = i % dh;
      const half = dh / 2;
      const a = pos * inv[d % half];
      const rot = d < half ? -x[i + half] : x[i - half];
      return x[i] * Math.cos(a) + rot * Math.sin(a);
    });
  let xs = ids.map((t, i) => (embeds?.[i] ? [...embeds[i]] : [...E[t]]));
  for (const L of layers) {
    const keys: number[][] = [];
    const vals: number[][] = [];
    const next: number[][] = [];
    xs.forEach((x, t) => {
      const xn = rms(x, L.n1, cfg.rms_norm_eps);
      const q = ropeAt(mv(L.q, xn, L.bq), t);
      keys.push(ropeAt(mv(L.k, xn, L.bk), t));
      vals.push(mv(L.v, xn, L.bv));
      const ctx: number[] = [];
      for (let hh = 0; hh < h; hh++) {
        const kvh = Math.floor(hh / group);
        const s = keys.map((k) => k.slice(kvh * dh, (kvh + 1) * dh).reduce((acc, a, d) => acc + a * q[hh * dh + d], 0) / Math.sqrt(dh));
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < dh; d++) ctx.push(e.reduce((acc, p, j) => acc + (p / z) * vals[j][kvh * dh + d], 0));
      }
      const y = mv(L.o, ctx).map((a, j) => a + x[j]);
      const yn = rms(y, L.n2, cfg.rms_norm_eps);
      const a = mv(L.gate, yn);
      const b = mv(L.up, yn);
      const act = a.map((z, j) => (z / (1 + Math.exp(-z))) * b[j]);
      next.push(mv(L.down, act).map((v, j) => v + y[j]));
    });
    xs = next;
  }
  const g = model.norm.arraySync() as number[];
  return xs.map((x) => mv(head, rms(x, g, cfg.rms_norm_eps)));
}

/** inv_freq as transformers computes it: θ^(−2i/dh), then the llama3 rule (_compute_llama3_parameters) or ÷ factor (linear). */
function invFreq(theta: number, dh: number, scaling: Llama['cfg']['rope_scaling']): number[] {
  const base = Array.from({ length: dh / 2 }, (_, i) => 1 / Math.pow(theta, (2 * i) / dh));
  if (!scaling) return base;
  if (scaling.rope_type === 'linear') return base.map((f) => f / scaling.factor);
  if (scaling.rope_type === 'freq_factors') return base.map((f, i) => f / scaling.factors[i]);
  const { factor, low_freq_factor: lo, high_freq_factor: hi, original_max_position_embeddings: old } = scaling;
  return base.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > old / lo) return f / factor; // low frequencies: scaled
    if (wavelen < old / hi) return f; // high frequencies: kept
    const smooth = (old / wavelen - lo) / (hi - lo);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}
