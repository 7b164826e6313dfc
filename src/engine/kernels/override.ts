// Replaces a registered wasm kernel with a faster one that handles the common cases and
// hands every other case to the original kernel.
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';

export type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

/** fast returns undefined to decline a call, which then goes to the original kernel. */
export function overrideKernel(name: string, fast: (args: KernelArgs) => ReturnType<KernelFunc> | undefined): void {
  const orig = tf.getKernel(name, 'wasm');
  if (!orig) throw new Error(`no wasm kernel ${name} to override`);
  const config: KernelConfig = {
    ...orig,
    kernelFunc: (args) => fast(args as KernelArgs) ?? orig.kernelFunc(args),
  };
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(config);
}
