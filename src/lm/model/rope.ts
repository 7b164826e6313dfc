// Rotary position embedding frequencies: base θ (rope_theta) and the scalings that real models
// carry, under Hugging Face's rope_scaling names: "llama3" (Llama 3.1/3.2: low frequencies divided
// by factor, a smooth ramp between), "linear" (every frequency divided by factor), and
// "freq_factors" (ours: a GGUF's rope_freqs.weight, frequency i divided by factors[i], as llama.cpp
// applies it). One table of cos/sin serves every forward path (training, both decoding steps).
import { UserError } from '../../engine/errors.js';

export type RopeScaling =
  | {
      rope_type: 'llama3';
      factor: number;
      low_freq_factor: number;
      high_freq_factor: number;
      original_max_position_embeddings: number;
    }
  | { rope_type: 'linear'; factor: number }
  | { rope_type: 'freq_factors'; factors: number[] };

const KEYS: Record<RopeScaling['rope_type'], string[]> = {
  llama3: ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'],
  linear: ['factor'],
  freq_factors: ['factors'],
};

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * A rope_scaling object (HF config.json's, whose type may be under "type" in older files; or ours)
 * → RopeScaling, or null for none/"default". Other types and missing or bad fields are UserErrors.
 */
export function ropeScalingFrom(value: unknown, source: string): RopeScaling | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${source}: rope_scaling must be an object or null`);
  const o = value as Record<string, unknown>;
  const type = o.rope_type ?? o.type;
  if (type === undefined || type === 'default') return null;
  if (typeof type !== 'string' || !(type in KEYS))
    throw new UserError(`${source}: rope_scaling type ${JSON.stringify(type)} is not supported (llama3, linear)`);
  const out: Record<string, unknown> = { rope_type: type };
  for (const k of KEYS[type as RopeScaling['rope_type']]) {
    const v = o[k];
    const ok = k === 'factors' ? Array.isArray(v) && v.length > 0 && v.every(positive) : positive(v);
    if (!ok)
      throw new UserError(`${source}: rope_scaling.${k} must be ${k === 'factors' ? 'a list of positive numbers' : 'a positive number'}`);
    out[k] = k === 'factors' ? [...(v as number[])] : v;
  }
  const s = out as RopeScaling;
  if (s.rope_type === 'llama3' && s.high_freq_factor <= s.low_freq_factor)
    throw new UserError(`${source}: rope_scaling.high_freq_factor must exceed low_freq_factor`);
  return s;
}

/** Llama 3's divisor of each of the dh/2 frequencies θ^(−2i/dh) (llama.cpp's rope_freqs.weight; HF's _compute_llama3_parameters). */
export function llama3Factors(s: Extract<RopeScaling, { rope_type: 'llama3' }>, theta: number, dh: number): number[] {
  const lowWavelen = s.original_max_position_embeddings / s.low_freq_factor;
  const highWavelen = s.original_max_position_embeddings / s.high_freq_factor;
  return Array.from({ length: dh / 2 }, (_, i) => {
    const wavelen = (2 * Math.PI) / Math.pow(theta, (-2 * i) / dh);
    if (wavelen < highWavelen) return 1;
    if (wavelen > lowWavelen) return s.factor;
    const smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    return 1 / ((1 - smooth) / s.factor + smooth);
  });
}

/** The divisor of each frequency (all 1 without scaling); a freq_factors list of the wrong length is a UserError. */
export function ropeFactors(scaling: RopeScaling | null, theta: number, dh: number, source: string): number[] {
  if (!scaling) return new Array<number>(dh / 2).fill(1);
  if (scaling.rope_type === 'linear') return new Array<number>(dh / 2).fill(scaling.factor);
  if (scaling.rope_type === 'llama3') return llama3Factors(scaling, theta, dh);
  if (scaling.factors.length !== dh / 2)
    throw new UserError(`${source}: rope_scaling.factors has ${scaling.factors.length} entries, the head size ${dh} needs ${dh / 2}`);
  return scaling.factors;
}

/** cos/sin(p·θ^(−2i/dh)/factor_i) for p < maxPos, each frequency twice (HF: emb = cat(freqs, freqs)): [maxPos, dh] each. */
export function ropeTables(
  theta: number,
  dh: number,
  maxPos: number,
  factors: readonly number[],
): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(maxPos * dh);
  const sin = new Float32Array(maxPos * dh);
  const inv = factors.map((f, i) => Math.pow(theta, (-2 * i) / dh) / f);
  for (let p = 0; p < maxPos; p++) {
    for (let i = 0; i < dh / 2; i++) {
      const a = p * inv[i];
      cos[p * dh + i] = cos[p * dh + i + dh / 2] = Math.cos(a);
      sin[p * dh + i] = sin[p * dh + i + dh / 2] = Math.sin(a);
    }
  }
  return { cos, sin };
}
