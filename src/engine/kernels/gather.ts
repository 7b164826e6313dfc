// GatherV2 on the wasm backend for the embedding-lookup case (axis 0, no batch dims, float32):
// whole rows are copied with TypedArray.set instead of one element at a time.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs } from './override.js';
import { f32, i32, type WasmBackendLike } from './wasm_heap.js';

export function fastGather({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined {
  const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
  const { axis, batchDims } = attrs as { axis: number; batchDims: number };
  if (x.dtype !== 'float32' || indices.dtype !== 'int32' || axis !== 0 || batchDims !== 0) return undefined;
  const be = backend as WasmBackendLike;
  const rows = x.shape[0];
  const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const n = indices.shape.reduce((a, b) => a * b, 1);
  const out = be.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
  const dst = f32(be, out);
  const src = f32(be, x);
  const idx = i32(be, indices);
  for (let i = 0; i < n; i++) {
    const r = idx[i];
    if (r < 0 || r >= rows) throw new RangeError(`gather: index ${r} outside [0, ${rows})`);
    dst.set(src.subarray(r * width, (r + 1) * width), i * width);
  }
  return out;
}
