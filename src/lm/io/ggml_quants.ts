// ggml's quantised block formats as BlockCodecs, keyed by ggml type id: the 32-value blocks Q4_0,
// Q4_1, Q5_0, Q5_1 and Q8_0 here, the 256-value super-blocks Q4_K, Q5_K and Q6_K in ggml_kquants.ts.
// Byte layouts are llama.cpp's ggml-common.h (little-endian, f16 scales); decode is its
// dequantize_row_*, encode its reference quantize_row_*_ref (what llama-quantize runs without an
// importance matrix), rewritten here with every step rounded to float32 as ggml's C computes it, so
// bytes and floats are ggml's to the bit. dequantize/quantize take n values, a multiple of the block size.
import { readHalf, writeHalf } from '../../engine/half.js';
import { Q4_K, Q5_K, Q6_K } from './ggml_kquants.js';

/** One block format: `values` floats ⇄ `bytes` bytes. encode writes into zeroed bytes. */
export interface BlockCodec {
  name: string;
  values: number;
  bytes: number;
  decode(b: Uint8Array, at: number, out: Float32Array, o: number): void;
  encode(x: Float32Array, o: number, b: Uint8Array, at: number): void;
}

const f = Math.fround; // the reference quantisers compute in float32
const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
function setU32(b: Uint8Array, at: number, v: number): void {
  for (let k = 0; k < 4; k++) b[at + k] = (v >>> (8 * k)) & 0xff;
}

/** The value of largest magnitude (the first such), with its sign. */
function signedAbsMax(x: Float32Array, o: number, n: number): number {
  let [amax, max] = [0, 0];
  for (let j = o; j < o + n; j++)
    if (Math.abs(x[j]) > amax) {
      amax = Math.abs(x[j]);
      max = x[j];
    }
  return max;
}

function minMax(x: Float32Array, o: number, n: number): [number, number] {
  let [min, max] = [Infinity, -Infinity];
  for (let j = o; j < o + n; j++) [min, max] = [Math.min(min, x[j]), Math.max(max, x[j])];
  return [min, max];
}

/**
 * The 4-/5-bit 32-blocks: a header of f16 d (and f16 m when `withMin`), for 5 bits a u32 qh whose
 * bit j (j+16) is the fifth bit of value j (j+16), then 16 bytes whose low/high nibble is value j/j+16.
 * Symmetric (Q4_0, Q5_0): value = (q − 2^(bits−1))·d, d = (signed abs max)/−2^(bits−1), so the largest
 * magnitude maps to level 0 exactly; asymmetric (Q4_1, Q5_1): value = q·d + m, m = min, d = range/(2^bits − 1).
 */
function nibbleCodec(name: string, bits: 4 | 5, withMin: boolean): BlockCodec {
  const qh = withMin ? 4 : 2;
  const qs = qh + (bits === 5 ? 4 : 0);
  const top = (1 << bits) - 1;
  const offset = withMin ? 0 : 1 << (bits - 1);
  return {
    name,
    values: 32,
    bytes: qs + 16,
    decode(b, at, out, o) {
      const d = readHalf(b, at);
      const m = withMin ? readHalf(b, at + 2) : -0; // v + −0 is v, so a symmetric 0·(−d) stays −0 as in ggml
      const high = bits === 5 ? u32(b, at + qh) : 0;
      for (let j = 0; j < 16; j++) {
        const q = b[at + qs + j];
        out[o + j] = ((q & 0xf) + (((high >>> j) & 1) << 4) - offset) * d + m;
        out[o + j + 16] = ((q >> 4) + (((high >>> (j + 16)) & 1) << 4) - offset) * d + m;
      }
    },
    encode(x, o, b, at) {
      const [lo, hi] = withMin ? minMax(x, o, 32) : [0, 0];
      const d = f(withMin ? f(hi - lo) / top : signedAbsMax(x, o, 32) / -offset);
      const id = d ? f(1 / d) : 0;
      writeHalf(b, at, d);
      if (withMin) writeHalf(b, at + 2, lo);
      // ggml truncates (x − min)·id + ½ (asymmetric) or x·id + offset + ½ (symmetric) toward zero
      const level = (v: number): number => Math.min(top, Math.trunc(f(f(f(v - lo) * id) + offset + 0.5)));
      let high = 0;
      for (let j = 0; j < 16; j++) {
        const [q0, q1] = [level(x[o + j]), level(x[o + j + 16])];
        b[at + qs + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
        high |= ((q0 >> 4) << j) | ((q1 >> 4) << (j + 16));
      }
      if (bits === 5) setU32(b, at + qh, high >>> 0);
    },
  };
}

/** Q8_0, 34 bytes: f16 d, 32 int8 q; value = q·d, d = abs max/127, q = round(x/d) (halves away from 0). */
const Q8_0: BlockCodec = {
  name: 'Q8_0',
  values: 32,
  bytes: 34,
  decode(b, at, out, o) {
    const d = readHalf(b, at);
    for (let j = 0; j < 32; j++) out[o + j] = ((b[at + 2 + j] << 24) >> 24) * d;
  },
  encode(x, o, b, at) {
    const d = f(Math.abs(signedAbsMax(x, o, 32)) / 127);
    const id = d ? f(1 / d) : 0;
    writeHalf(b, at, d);
    for (let j = 0; j < 32; j++) {
      const v = f(x[o + j] * id);
      b[at + 2 + j] = (Math.sign(v) * Math.round(Math.abs(v))) & 0xff;
    }
  },
};

/** The supported quantised ggml types by id (ggml.h's enum ggml_type). */
export const BLOCK_CODECS: ReadonlyMap<number, BlockCodec> = new Map([
  [2, nibbleCodec('Q4_0', 4, false)],
  [3, nibbleCodec('Q4_1', 4, true)],
  [6, nibbleCodec('Q5_0', 5, false)],
  [7, nibbleCodec('Q5_1', 5, true)],
  [8, Q8_0],
  [12, Q4_K],
  [13, Q5_K],
  [14, Q6_K],
]);

/** n values (a multiple of c.values) from n / c.values blocks of bytes. */
export function dequantize(c: BlockCodec, raw: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n / c.values; k++) c.decode(raw, k * c.bytes, out, k * c.values);
  return out;
}

/** x (length a multiple of c.values) as blocks. */
export function quantize(c: BlockCodec, x: Float32Array): Uint8Array {
  const out = new Uint8Array((x.length / c.values) * c.bytes);
  for (let k = 0; k < x.length / c.values; k++) c.encode(x, k * c.values, out, k * c.bytes);
  return out;
}
