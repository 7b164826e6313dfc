// Dequantisation throughput of the GGUF block types (million weights/s, output Float32) on one
// 4096×4096 tensor, as the GGUF reader runs it at load; F16 beside them for reference. The blocks are
// a quantised 256×4096 slice of uniform noise, tiled. Prints a table and writes bench/out/dequant.json.
// Run: npm run bench -- dequant
import { f16ToF32, floatToHalf } from '../src/engine/half.js';
import { Rng } from '../src/engine/rng.js';
import { BLOCK_CODECS, dequantize, quantize } from '../src/lm/io/ggml_quants.js';
import { timeCall, writeResult } from './common.js';

const [ROWS, COLS, SLICE_ROWS] = [4096, 4096, 256];
const n = ROWS * COLS;

function tile(slice: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(slice.length * times);
  for (let k = 0; k < times; k++) out.set(slice, k * slice.length);
  return out;
}

const rng = new Rng(1);
const slice = Float32Array.from({ length: SLICE_ROWS * COLS }, () => rng.next() * 2 - 1);
const result: Record<string, number> = { rows: ROWS, cols: COLS };
const f16 = new Uint16Array(tile(new Uint8Array(Uint16Array.from(slice, floatToHalf).buffer), ROWS / SLICE_ROWS).buffer);
const report = (name: string, sec: number): void => {
  result[`${name}_mweights_per_s`] = Math.round(n / sec / 1e5) / 10;
  console.log(
    `${name.padEnd(6)}${(n / sec / 1e6).toFixed(1).padStart(9)} M weights/s${((4 * n) / sec / 1e6).toFixed(0).padStart(8)} MB/s out`,
  );
};
report(
  'f16',
  timeCall(1, () => f16ToF32(f16)),
);
for (const c of BLOCK_CODECS.values()) {
  const blocks = tile(quantize(c, slice), ROWS / SLICE_ROWS);
  report(
    c.name.toLowerCase(),
    timeCall(1, () => dequantize(c, blocks, n)),
  );
}
writeResult('dequant', result);
