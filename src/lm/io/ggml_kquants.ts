// ggml's 256-value "K" super-blocks Q4_K, Q5_K and Q6_K as BlockCodecs (see ggml_quants.ts): the
// byte layouts of llama.cpp's ggml-common.h, its dequantize_row_q*_K and its reference quantisers
// quantize_row_q*_K_ref (with make_qkx2_quants, make_qx_quants and the 6-bit scale packing of
// get_scale_min_k4), rewritten here. The quantisers round every step to float32 (f) as ggml's C does.
import { readHalf, writeHalf } from '../../engine/half.js';
import type { BlockCodec } from './ggml_quants.js';

const QK_K = 256;
const f = Math.fround;

/** ggml's nearest_int: round to nearest, ties to even. */
function nearestInt(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));
const int8 = (byte: number): number => (byte << 24) >> 24;

// Q4_K/Q5_K's 12 scale bytes hold 8 six-bit scales and 8 six-bit mins (get_scale_min_k4): sub-blocks
// 0-3 in the low 6 bits of bytes 0-3 (scale) and 4-7 (min); sub-blocks 4-7 in the nibbles of bytes
// 8-11 (scale low, min high) with their top 2 bits in the top 2 bits of bytes 0-3 (scale) and 4-7 (min).

/** Six-bit scale of sub-block j from the 12 scale bytes at s. */
function subScale(b: Uint8Array, s: number, j: number): number {
  return j < 4 ? b[s + j] & 63 : (b[s + j + 4] & 0xf) | ((b[s + j - 4] >> 6) << 4);
}

/** Six-bit min of sub-block j from the 12 scale bytes at s. */
function subMin(b: Uint8Array, s: number, j: number): number {
  return j < 4 ? b[s + j + 4] & 63 : (b[s + j + 4] >> 4) | ((b[s + j] >> 6) << 4);
}

/** Packs scale ls and min lm (< 64) of sub-block j; bytes 0-7 must already hold sub-blocks 0-3. */
function packScaleMin(b: Uint8Array, s: number, j: number, ls: number, lm: number): void {
  if (j < 4) {
    b[s + j] = ls;
    b[s + j + 4] = lm;
    return;
  }
  b[s + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
  b[s + j - 4] |= (ls >> 4) << 6;
  b[s + j] |= (lm >> 4) << 6;
}

/**
 * make_qkx2_quants: levels L[i] ∈ [0, nmax] with x ≈ scale·L − min for a sub-block, minimising the
 * weighted squared error over nstep+1 trial scales (nmax + rmin + rdelta·is)/(max − min) with the
 * least-squares scale and min of each; min ≥ 0 (a block without negatives gets min 0).
 */
function makeQkx2Quants(
  nmax: number,
  x: Float32Array,
  w: Float32Array,
  L: Uint8Array,
  rmin: number,
  rdelta: number,
  nstep: number,
): { scale: number; min: number } {
  const n = x.length;
  let [min, max, sumW, sumX] = [x[0], x[0], w[0], f(w[0] * x[0])];
  for (let i = 1; i < n; i++) {
    min = Math.min(min, x[i]);
    max = Math.max(max, x[i]);
    sumW = f(sumW + w[i]);
    sumX = f(sumX + f(w[i] * x[i]));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0);
    return { scale: 0, min: -min };
  }
  const levels = (iscale: number, into: Uint8Array): void => {
    for (let i = 0; i < n; i++) into[i] = clamp(nearestInt(f(iscale * f(x[i] - min))), 0, nmax);
  };
  const error = (scale: number, min: number, levels: Uint8Array): number => {
    let e = 0;
    for (let i = 0; i < n; i++) {
      const diff = f(f(f(scale * levels[i]) + min) - x[i]);
      e = f(e + f(w[i] * f(diff * diff)));
    }
    return e;
  };
  let scale = f(1 / f(nmax / f(max - min)));
  levels(f(nmax / f(max - min)), L);
  let bestError = error(scale, min, L);
  const aux = new Uint8Array(n);
  for (let is = 0; is <= nstep; is++) {
    levels(f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min)), aux); // min: the best fit's so far
    let [sumL, sumL2, sumXL] = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const wl = f(w[i] * aux[i]);
      [sumL, sumL2, sumXL] = [f(sumL + wl), f(sumL2 + f(wl * aux[i])), f(sumXL + f(wl * x[i]))];
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
    let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
    if (thisMin > 0) [thisMin, thisScale] = [0, f(sumXL / sumL2)];
    const e = error(thisScale, thisMin, aux);
    if (e < bestError) {
      L.set(aux);
      [bestError, scale, min] = [e, thisScale, thisMin];
    }
  }
  return { scale, min: -min };
}

/**
 * make_qx_quants with rmse_type 1 (weights x²), as Q6_K calls it: signed levels L[i] − nmax ∈
 * [−nmax, nmax − 1], scale chosen among 19 trials around −nmax/max by weighted least squares.
 */
function makeQxQuants(nmax: number, x: Float32Array, L: Uint8Array): number {
  let [max, amax] = [0, 0];
  for (const v of x)
    if (Math.abs(v) > amax) {
      amax = Math.abs(v);
      max = v;
    }
  if (amax < 1e-15) {
    L.fill(0);
    return 0;
  }
  const fit = (iscale: number, store: boolean): [number, number] => {
    let [sumLX, sumL2] = [0, 0];
    x.forEach((v, i) => {
      const l = clamp(nearestInt(f(iscale * v)), -nmax, nmax - 1);
      if (store) L[i] = l + nmax;
      const w = f(v * v);
      sumLX = f(sumLX + f(f(w * v) * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
    });
    return [sumLX, sumL2];
  };
  const [sumLX, sumL2] = fit(f(-nmax / max), true);
  let scale = sumL2 ? f(sumLX / sumL2) : 0;
  let best = f(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    const iscale = f(-f(nmax + f(f(0.1) * is)) / max);
    const [lx, l2] = fit(iscale, false);
    if (l2 > 0 && f(lx * lx) > f(best * l2)) {
      fit(iscale, true);
      scale = f(lx / l2);
      best = f(scale * lx);
    }
  }
  return scale;
}

/**
 * The asymmetric K encoders' shared part (Q4_K, Q5_K): per 32-value sub-block a make_qkx2_quants fit
 * (weights: the sub-block's RMS + |x|), scales and mins packed to 6 bits under the f16 super-scales
 * d = max scale/63 and dmin = max min/63, then every value requantised against its packed scale.
 */
function encodeScaledMin(x: Float32Array, o: number, b: Uint8Array, at: number, nmax: number, rmin: number, nstep: number): Uint8Array {
  const L = new Uint8Array(QK_K);
  const w = new Float32Array(32);
  const fits = Array.from({ length: QK_K / 32 }, (_, j) => {
    const sub = x.subarray(o + 32 * j, o + 32 * j + 32);
    const avX = f(Math.sqrt(f(sub.reduce((a, v) => f(a + f(v * v)), 0) / 32)));
    sub.forEach((v, l) => (w[l] = avX + Math.abs(v)));
    return makeQkx2Quants(nmax, sub, w, L.subarray(32 * j, 32 * j + 32), rmin, f(0.1), nstep);
  });
  const maxScale = Math.max(0, ...fits.map((fit) => fit.scale));
  const maxMin = Math.max(0, ...fits.map((fit) => fit.min));
  const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
  const level6 = (inv: number, v: number): number => Math.min(63, nearestInt(f(inv * v)) & 0xff);
  fits.forEach((fit, j) => packScaleMin(b, at + 4, j, level6(invScale, fit.scale), level6(invMin, fit.min)));
  writeHalf(b, at, maxScale / 63);
  writeHalf(b, at + 2, maxMin / 63);
  for (let j = 0; j < QK_K / 32; j++) {
    const d = readHalf(b, at) * subScale(b, at + 4, j);
    if (!d) continue;
    const dm = readHalf(b, at + 2) * subMin(b, at + 4, j);
    for (let i = 32 * j; i < 32 * j + 32; i++) L[i] = clamp(nearestInt(f(f(x[o + i] + dm) / d)), 0, nmax);
  }
  return L;
}

/** Q4_K/Q5_K: scale and min of sub-blocks 2c and 2c + 1 (the header's d, dmin times their 6-bit factors). */
function pairScales(b: Uint8Array, at: number, c: number): [d1: number, m1: number, d2: number, m2: number] {
  const [d, dmin] = [readHalf(b, at), readHalf(b, at + 2)];
  return [
    d * subScale(b, at + 4, 2 * c),
    dmin * subMin(b, at + 4, 2 * c),
    d * subScale(b, at + 4, 2 * c + 1),
    dmin * subMin(b, at + 4, 2 * c + 1),
  ];
}

/** Q4_K, 144 bytes: f16 d, f16 dmin, 12 scale bytes, 128 bytes of nibbles (value 64c+l low, 64c+32+l high). */
export const Q4_K: BlockCodec = {
  name: 'Q4_K',
  values: QK_K,
  bytes: 144,
  decode(b, at, out, o) {
    for (let c = 0; c < 4; c++) {
      const [d1, m1, d2, m2] = pairScales(b, at, c);
      for (let l = 0; l < 32; l++) {
        const q = b[at + 16 + 32 * c + l];
        out[o + 64 * c + l] = d1 * (q & 0xf) - m1;
        out[o + 64 * c + 32 + l] = d2 * (q >> 4) - m2;
      }
    }
  },
  encode(x, o, b, at) {
    const L = encodeScaledMin(x, o, b, at, 15, -1, 20);
    for (let c = 0; c < 4; c++) for (let l = 0; l < 32; l++) b[at + 16 + 32 * c + l] = L[64 * c + l] | (L[64 * c + 32 + l] << 4);
  },
};

/** Q5_K, 176 bytes: Q4_K's header, 32 bytes qh (bit 2c / 2c+1 of qh[l]: fifth bit of value 64c+l / 64c+32+l), 128 bytes of nibbles. */
export const Q5_K: BlockCodec = {
  name: 'Q5_K',
  values: QK_K,
  bytes: 176,
  decode(b, at, out, o) {
    for (let c = 0; c < 4; c++) {
      const [d1, m1, d2, m2] = pairScales(b, at, c);
      for (let l = 0; l < 32; l++) {
        const q = b[at + 48 + 32 * c + l];
        const h = b[at + 16 + l] >> (2 * c);
        out[o + 64 * c + l] = d1 * ((q & 0xf) | ((h & 1) << 4)) - m1;
        out[o + 64 * c + 32 + l] = d2 * ((q >> 4) | ((h & 2) << 3)) - m2;
      }
    }
  },
  encode(x, o, b, at) {
    const L = encodeScaledMin(x, o, b, at, 31, -0.5, 15);
    for (let c = 0; c < 4; c++)
      for (let l = 0; l < 32; l++) {
        const [l1, l2] = [L[64 * c + l], L[64 * c + 32 + l]];
        b[at + 16 + l] |= ((l1 >> 4) << (2 * c)) | ((l2 >> 4) << (2 * c + 1));
        b[at + 48 + 32 * c + l] = (l1 & 0xf) | ((l2 & 0xf) << 4);
      }
  },
};

/**
 * Q6_K, 210 bytes: 128 bytes ql (low nibbles), 64 bytes qh (top 2 bits), 16 int8 scales, f16 d last.
 * Half h (128 values) uses ql[64h..], qh[32h..], scales[8h..]; for l < 32 its values l, l+32, l+64,
 * l+96 are ql[l] low, ql[l+32] low, ql[l] high, ql[l+32] high nibble, with bits 0-1, 2-3, 4-5, 6-7
 * of qh[l] on top, minus 32, times d·scale[l/16 + 0, 2, 4, 6].
 */
export const Q6_K: BlockCodec = {
  name: 'Q6_K',
  values: QK_K,
  bytes: 210,
  decode(b, at, out, o) {
    const d = readHalf(b, at + 208);
    for (let h = 0; h < 2; h++)
      for (let l = 0; l < 32; l++) {
        const lo = b[at + 64 * h + l];
        const hi = b[at + 64 * h + l + 32];
        const top = b[at + 128 + 32 * h + l];
        const s = at + 192 + 8 * h + (l >> 4);
        const y = o + 128 * h + l;
        out[y] = d * int8(b[s]) * ((lo & 0xf) + ((top & 3) << 4) - 32);
        out[y + 32] = d * int8(b[s + 2]) * ((hi & 0xf) + (((top >> 2) & 3) << 4) - 32);
        out[y + 64] = d * int8(b[s + 4]) * ((lo >> 4) + (((top >> 4) & 3) << 4) - 32);
        out[y + 96] = d * int8(b[s + 6]) * ((hi >> 4) + ((top >> 6) << 4) - 32);
      }
  },
  encode(x, o, b, at) {
    const L = new Uint8Array(QK_K);
    const scales = Array.from({ length: QK_K / 16 }, (_, i) =>
      makeQxQuants(32, x.subarray(o + 16 * i, o + 16 * i + 16), L.subarray(16 * i, 16 * i + 16)),
    );
    const maxScale = scales.reduce((m, s) => (Math.abs(s) > Math.abs(m) ? s : m), 0);
    if (Math.abs(maxScale) < 1e-15) return; // an all-zero block: zero bytes, d = 0
    const iscale = f(-128 / maxScale);
    writeHalf(b, at + 208, 1 / iscale);
    scales.forEach((s, i) => (b[at + 192 + i] = Math.min(127, nearestInt(f(iscale * s))) & 0xff));
    for (let j = 0; j < QK_K / 16; j++) {
      const d = readHalf(b, at + 208) * int8(b[at + 192 + j]);
      if (!d) continue;
      for (let i = 16 * j; i < 16 * j + 16; i++) L[i] = clamp(nearestInt(f(x[o + i] / d)), -32, 31) + 32;
    }
    for (let h = 0; h < 2; h++)
      for (let l = 0; l < 32; l++) {
        const [q1, q2, q3, q4] = [0, 32, 64, 96].map((k) => L[128 * h + l + k]);
        b[at + 64 * h + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
        b[at + 64 * h + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
        b[at + 128 + 32 * h + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
  },
};
