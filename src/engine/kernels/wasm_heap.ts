// Minimal typed access to the tfjs wasm backend's heap, for kernels written in TS or C++:
// tensors live at byte offsets inside one WebAssembly memory.
import type { TensorInfo } from '@tensorflow/tfjs-core';

export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: { HEAPU8: Uint8Array };
}

export function f32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(t);
  if (!(a instanceof Float32Array)) throw new TypeError(`expected a float32 tensor, got ${t.dtype}`);
  return a;
}

export function i32(backend: WasmBackendLike, t: TensorInfo): Int32Array {
  const a = backend.typedArrayFromHeap(t);
  if (!(a instanceof Int32Array)) throw new TypeError(`expected an int32 tensor, got ${t.dtype}`);
  return a;
}

/** Offset of a tensor in float32 elements from the start of the heap. */
export function floatOffset(backend: WasmBackendLike, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset >>> 2;
}
