// UnsortedSegmentSum for the wasm backend, which lacks it; tfjs uses it for the gradient of
// gather (embedding lookup). out[s] = Σ_{i: ids[i] = s} x[i]; ids outside [0, numSegments) are dropped.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { f32, i32, type WasmBackendLike } from './wasm_heap.js';

export const segmentSumKernel: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const numSegments = (attrs as { numSegments: number }).numSegments;
    const be = backend as unknown as WasmBackendLike;
    if (x.dtype !== 'float32') throw new TypeError(`UnsortedSegmentSum (wasm): float32 only, got ${x.dtype}`);
    const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
    const total = x.shape.reduce((a, b) => a * b, 1);
    const width = rows > 0 ? total / rows : 0; // elements per segment row
    const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
    const out = be.makeOutput(outShape, 'float32');
    // views are taken after makeOutput: an allocation may grow (and replace) the heap buffer
    const dst = f32(be, out);
    const src = f32(be, x);
    const ids = i32(be, segmentIds);
    dst.fill(0);
    for (let r = 0; r < rows; r++) {
      const s = ids[r];
      if (s < 0 || s >= numSegments) continue;
      const o = s * width;
      const i0 = r * width;
      for (let j = 0; j < width; j++) dst[o + j] += src[i0 + j];
    }
    return out;
  },
};
