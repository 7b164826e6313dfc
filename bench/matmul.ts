// Native sgemm throughput (GFLOP/s) on the models' matmul shapes, each with its transpose variants, on 1 and 2
// threads; prints a table and writes bench/out/matmul.json. Run: npm run bench -- matmul (after npm run setup).
import { loadNative } from '../src/engine/native.js';
import { timeCall, writeResult } from './common.js';
import { Rng } from '../src/engine/rng.js';

const REF_GFLOPS_1024_2T = 60; // PyTorch + OpenBLAS, 2 threads, on the 2-core development machine

interface Shape {
  name: string;
  batch: number;
  m: number;
  n: number;
  k: number;
}

const SHAPES: Shape[] = [
  { name: '1024', batch: 1, m: 1024, n: 1024, k: 1024 },
  { name: '25600x50x50', batch: 1, m: 25600, n: 50, k: 50 },
  { name: '2048x256x256', batch: 1, m: 2048, n: 256, k: 256 },
  { name: '2048x8192x256', batch: 1, m: 2048, n: 8192, k: 256 },
  { name: '2048x256x688', batch: 1, m: 2048, n: 256, k: 688 },
  { name: '128b_200x200x50', batch: 128, m: 200, n: 200, k: 50 },
  { name: '128b_200x50x200', batch: 128, m: 200, n: 50, k: 200 },
  { name: '64b_128x128x64', batch: 64, m: 128, n: 128, k: 64 },
];
const VARIANTS: [string, boolean, boolean][] = [
  ['nn', false, false],
  ['tn', true, false],
  ['nt', false, true],
  ['tt', true, true],
];

const native = loadNative();
if (!native) {
  console.log('native kernels not built: npm run build:native');
  process.exit(0);
}

const floats = Math.max(...SHAPES.map((s) => s.batch * (s.m * s.k + s.k * s.n + s.m * s.n)));
const buf = new ArrayBuffer(floats * 4);
const view = new Float32Array(buf);
const rng = new Rng(1);
for (let i = 0; i < view.length; i++) view[i] = rng.next() * 2 - 1;

const result: Record<string, number> = {};
const defaultThreads = native.getThreads();
console.log('shape'.padEnd(18) + VARIANTS.flatMap(([v]) => [1, 2].map((t) => `${v} ${t}t`.padStart(9))).join(''));
for (const s of SHAPES) {
  const aSize = s.m * s.k;
  const bSize = s.k * s.n;
  const [aOff, bOff, cOff] = [0, s.batch * aSize, s.batch * (aSize + bSize)];
  const flops = 2 * s.batch * s.m * s.n * s.k;
  let line = s.name.padEnd(18);
  for (const [v, ta, tb] of VARIANTS) {
    for (const threads of [1, 2]) {
      native.setThreads(threads);
      const sec = timeCall(0.25, () => native.sgemm(buf, s.batch, s.m, s.n, s.k, aOff, aSize, ta, bOff, bSize, tb, cOff, s.m * s.n, 1, 0));
      const gflops = Math.round(flops / sec / 1e8) / 10;
      result[`gflops_${s.name}_${v}_${threads}t`] = gflops;
      line += gflops.toFixed(1).padStart(9);
    }
  }
  console.log(line);
}
native.setThreads(defaultThreads);

const ours = result['gflops_1024_nn_2t'];
result.ref_gflops_1024_2t = REF_GFLOPS_1024_2T;
result.ratio_gflops_1024_2t = Math.round((ours / REF_GFLOPS_1024_2T) * 1000) / 1000;
console.log(`1024² on 2 threads: ${ours} GFLOP/s = ${result.ratio_gflops_1024_2t}× the PyTorch+OpenBLAS reference (${REF_GFLOPS_1024_2T})`);
writeResult('matmul', result);
