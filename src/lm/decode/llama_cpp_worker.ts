// node-llama-cpp (an optional package) in a worker thread behind SyncWorker, for whoever runs
// llama.cpp (the text engine, llama_cpp.ts; the chat back-end, openai/llama_cpp_chat.ts). The
// worker's handler is plain JavaScript that defines `async function handleOp(request)`; before it
// runs, `nlc` (node-llama-cpp's module) and `llama` (its CPU build: gpu false, build never, errors
// only in its log) are set. A missing package or one that cannot be loaded is one UserError.
import { UserError } from '../../engine/errors.js';
import { SyncWorker } from '../../engine/sync_worker.js';

// Plain JavaScript, in the worker: the first request ({ op: 'init' }) loads the library.
const PRELUDE = `
let nlc;
let llama;
async function handle(r) {
  if (r.op !== 'init') return handleOp(r);
  nlc = await import(data.url);
  llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  return null;
}
`;

/**
 * llama.cpp's threads, one by default: its threads spin-wait at every op's barrier, which collapses on a busy
 * machine (the same small eval took 243 s on 2 threads, 0.33 s on 1, at load 6 to 9 on 2 cores).
 */
export const THREADS = 1;

/** The first line of an error's message. */
export const firstLine = (e: unknown) => String((e as Error).message ?? e).split('\n')[0];

/** A worker with node-llama-cpp loaded, running `handler`; `who` starts its errors, e.g. 'the llama-cpp engine'. */
export function startLlamaWorker(handler: string, who: string): SyncWorker {
  let url: string;
  try {
    url = import.meta.resolve('node-llama-cpp');
  } catch {
    throw new UserError(`${who} needs the node-llama-cpp package (npm install node-llama-cpp@3.21.1)`);
  }
  const worker = new SyncWorker(PRELUDE + handler, { url });
  try {
    worker.call({ op: 'init' });
  } catch (e) {
    worker.close();
    throw new UserError(`${who}: node-llama-cpp cannot be loaded: ${firstLine(e)}`);
  }
  return worker;
}
