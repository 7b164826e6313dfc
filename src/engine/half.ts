// 16-bit floats shared by the safetensors and GGUF readers and writers: IEEE half (F16) and
// bfloat16 (BF16) to float32, subnormals, ±Inf and NaN included; float32 to half, rounding to nearest even.

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | undefined; // [65536], halfToFloat of every bit pattern

export function f16ToF32(src: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = halfTable[src[i]];
  return out;
}

/** bfloat16 is the top half of a float32: shift the bits up. */
export function bf16ToF32(src: Uint16Array): Float32Array {
  const bits = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return new Float32Array(bits.buffer);
}

/** The little-endian half at byte `at` of b, as a float. */
export function readHalf(b: Uint8Array, at: number): number {
  return halfToFloat(b[at] | (b[at + 1] << 8));
}

/** Writes v (rounded to float32, then to half) little-endian at byte `at` of b. */
export function writeHalf(b: Uint8Array, at: number, v: number): void {
  const h = floatToHalf(v);
  b[at] = h & 0xff;
  b[at + 1] = h >> 8;
}

/** float32 → IEEE half bits, round to nearest even (overflow → ±Inf). */
export function floatToHalf(f: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  const x = buf.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h; // a carry into the exponent is the correct rounding (up to Inf)
}
