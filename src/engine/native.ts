// Optional native kernels (native/build/Release/recx_kernels.node, from `npm run build:native`): loadNative()
// gives them, or undefined when not built. naiveSgemm is the plain-TS reference that sgemm is tested against.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** The sgemm arguments after the buffer: sizes, then A, B and C as offset / batch stride (/ transpose), then alpha, beta. */
export type SgemmShape = [
  batch: number,
  m: number,
  n: number,
  k: number,
  aOff: number,
  aBatchStride: number,
  transA: boolean,
  bOff: number,
  bBatchStride: number,
  transB: boolean,
  cOff: number,
  cBatchStride: number,
  alpha: number,
  beta: number,
];

export interface NativeKernels {
  /**
   * For b in [0, batch): C_b[m×n] = alpha·op(A_b)·op(B_b) + beta·C_b on a Float32Array view of buf, in place.
   * Row-major; offsets and batch strides in floats (stride 0 broadcasts); op(A) is A[m×k], or A stored [k×m]
   * when transA; op(B) is B[k×n], or B stored [n×k] when transB. beta = 0 writes C without reading it.
   * Throws TypeError/RangeError on bad arguments (out of bounds, C overlapping A or B).
   */
  sgemm(buf: ArrayBuffer, ...shape: SgemmShape): void;
  /** Threads used by later calls (1..256); default: the number of online cores. */
  setThreads(n: number): void;
  getThreads(): number;
}

let cached: { kernels: NativeKernels | undefined } | undefined;

/** The native kernels, or undefined when the addon has not been built. Throws if it exists but fails to load. */
export function loadNative(): NativeKernels | undefined {
  if (cached) return cached.kernels;
  const file = join(repoRoot(), 'native', 'build', 'Release', 'recx_kernels.node');
  if (!existsSync(file)) return (cached = { kernels: undefined }).kernels;
  try {
    return (cached = { kernels: createRequire(import.meta.url)(file) as NativeKernels }).kernels;
  } catch (err) {
    throw new Error(`${file} failed to load (rebuild it with npm run build:native): ${(err as Error).message}`);
  }
}

/** Reference for NativeKernels.sgemm with the same arguments, on a Float32Array; sums in double precision. */
export function naiveSgemm(buf: Float32Array, ...shape: SgemmShape): void {
  const [batch, m, n, k, aOff, aBatchStride, transA, bOff, bBatchStride, transB, cOff, cBatchStride, alpha, beta] = shape;
  for (let b = 0; b < batch; b++) {
    const a0 = aOff + b * aBatchStride;
    const b0 = bOff + b * bBatchStride;
    const c0 = cOff + b * cBatchStride;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        if (alpha !== 0) {
          for (let p = 0; p < k; p++) {
            const x = buf[transA ? a0 + p * m + i : a0 + i * k + p];
            const y = buf[transB ? b0 + j * k + p : b0 + p * n + j];
            s += x * y;
          }
        }
        const c = c0 + i * n + j;
        buf[c] = alpha * s + (beta === 0 ? 0 : beta * buf[c]);
      }
    }
  }
}
