// The tensor library: @tensorflow/tfjs-core with its gradient registrations and the wasm
// backend, bundled once by esbuild into <repo>/.cache/tf/ (tfjs' ESM files are not valid Node
// ESM, and its CommonJS build leaves the gradients out). Exports the tfjs-core API as `tf`.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { makeDir } from './out_dir.js';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TFCore from '@tensorflow/tfjs-core';
import { repoRoot } from './paths.js';

interface WasmExtras {
  setWasmPaths(prefix: string): void;
}
export type TF = typeof TFCore & WasmExtras;

const ENTRY = `export * from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
`;

// esbuild's ESM output needs require/__dirname for the Emscripten glue code.
const BANNER = `import { createRequire as __cr } from 'node:module';
import { fileURLToPath as __fu } from 'node:url';
const require = __cr(import.meta.url);
const __filename = __fu(import.meta.url);
const __dirname = __filename.replace(/[\\\\/][^\\\\/]*$/, '');`;

function tfVersion(root: string): string {
  const pkg = join(root, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Path of the bundle, building it first when it is missing (about 0.3 s). */
export async function ensureBundle(): Promise<string> {
  const root = repoRoot();
  const out = join(root, '.cache', 'tf', `tf-${tfVersion(root)}.mjs`);
  if (existsSync(out)) return out;
  makeDir(dirname(out));
  const esbuild = await import('esbuild');
  const tmp = `${out}.tmp-${process.pid}`;
  await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    outfile: tmp,
    logLevel: 'error',
  });
  renameSync(tmp, out);
  return out;
}

const bundle = await ensureBundle();
export const tf = (await import(pathToFileURL(bundle).href)) as TF;

/** Folder holding the wasm backend's .wasm binaries (with a trailing slash). */
export function wasmBinaryDir(): string {
  const pkg = join(repoRoot(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  return pkg + '/';
}
