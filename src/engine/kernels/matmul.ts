// BatchMatMul on the wasm backend through the native sgemm (src/engine/native.ts), which
// multiplies in place inside the wasm heap: all transpose variants and batch broadcasting
// (one side with batch 1). Declines (→ the original kernel) for non-float32 or other shapes.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeKernels } from '../native.js';
import type { KernelArgs } from './override.js';
import { floatOffset, type WasmBackendLike } from './wasm_heap.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

export function nativeMatMul(native: NativeKernels): (args: KernelArgs) => TensorInfo | undefined {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k !== kb) return undefined; // let tfjs report the shape error
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    const na = prod(batchA);
    const nb = prod(batchB);
    let outBatch: number[];
    if (na === nb && (batchA.length === batchB.length || na === 1)) outBatch = batchA.length >= batchB.length ? batchA : batchB;
    else if (na === 1) outBatch = batchB;
    else if (nb === 1) outBatch = batchA;
    else return undefined;
    const batch = Math.max(na, nb);
    const be = backend as WasmBackendLike;
    const out = be.makeOutput([...outBatch, m, n], 'float32');
    if (batch * m * n === 0) return out;
    const heap = be.wasm.HEAPU8.buffer as ArrayBuffer; // after makeOutput, which may grow the heap
    native.sgemm(
      heap,
      batch,
      m,
      n,
      k,
      floatOffset(be, a),
      na === 1 ? 0 : m * k,
      transposeA,
      floatOffset(be, b),
      nb === 1 ? 0 : k * n,
      transposeB,
      floatOffset(be, out),
      m * n,
      1,
      0,
    );
    return out;
  };
}
