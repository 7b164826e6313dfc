// Identity, and Cast to the same dtype, on the wasm backend without a copy: the output shares
// the input's memory (as Reshape does). tfjs clones every tensor it saves for the backward pass
// through Identity, and Multiply's gradient casts float32 to float32; the stock wasm kernels
// copy each time. Tensors are immutable (a variable's assign swaps its data rather than writing
// into it), so sharing is safe.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs } from './override.js';

interface RefCounting {
  incRef(dataId: object): void;
}

export function sharedIdentity({ inputs, backend }: KernelArgs): TensorInfo | undefined {
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype === 'string') return undefined;
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function sharedCast(args: KernelArgs): TensorInfo | undefined {
  const { x } = args.inputs as { x: TensorInfo };
  return (args.attrs as { dtype: string }).dtype === x.dtype ? sharedIdentity(args) : undefined;
}
