// Engine start-up: picks the tfjs backend (--backend auto|wasm|node), registers our kernel
// patches (UnsortedSegmentSum for wasm; native matmul when the addon is built) and reports
// what it chose. Call initEngine() once before any tensor work.
import { UserError } from './errors.js';
import { tf, wasmBinaryDir } from './tf.js';
import { segmentSumKernel } from './kernels/segment_sum.js';
import { fastGather } from './kernels/gather.js';
import { sharedCast, sharedIdentity } from './kernels/identity.js';
import { overrideKernel } from './kernels/override.js';
import { nativeMatMul } from './kernels/matmul.js';
import { loadNative, type NativeKernels } from './native.js';

export type BackendChoice = 'auto' | 'wasm' | 'node';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'wasm', 'node'];

export interface EngineOptions {
  backend: BackendChoice; // default auto: tfjs-node when installed, else wasm
  native?: boolean; // wasm: use the native kernels when built (npm run build:native); default true
}

export interface EngineInfo {
  backend: string; // the tfjs backend name in use
  native: boolean; // native kernels in use (wasm only)
}

let current: EngineInfo | undefined;

async function tryNode(): Promise<boolean> {
  try {
    // optional: present only where its install could download libtensorflow
    await import(/* @vite-ignore */ '@tensorflow/tfjs-node' as string);
    return tf.findBackend('tensorflow') !== null && (await tf.setBackend('tensorflow'));
  } catch {
    return false;
  }
}

/** The native kernels, or undefined with a one-line warning when the built addon fails to load. */
function nativeOrWarn(): NativeKernels | undefined {
  try {
    return loadNative();
  } catch (err) {
    console.error(`recexplainer: warning: ${(err as Error).message}; using tfjs' own kernels`);
    return undefined;
  }
}

async function useWasm(withNative: boolean): Promise<boolean> {
  tf.setWasmPaths(wasmBinaryDir());
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) tf.registerKernel(segmentSumKernel);
  if (!(await tf.setBackend('wasm'))) throw new UserError('the tfjs wasm backend failed to start');
  overrideKernel('GatherV2', fastGather);
  overrideKernel('Identity', sharedIdentity);
  overrideKernel('Cast', sharedCast);
  const native = withNative ? nativeOrWarn() : undefined;
  if (native) overrideKernel('BatchMatMul', nativeMatMul(native));
  return native !== undefined;
}

export async function initEngine(opts: EngineOptions = { backend: 'auto' }): Promise<EngineInfo> {
  if (current) return current;
  if (opts.backend === 'node' || opts.backend === 'auto') {
    if (await tryNode()) return (current = { backend: 'tensorflow', native: false });
    if (opts.backend === 'node')
      throw new UserError(
        '--backend node: @tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node on a machine that can download libtensorflow)',
      );
  }
  const native = await useWasm(opts.native ?? true);
  await tf.ready();
  return (current = { backend: tf.getBackend(), native });
}
