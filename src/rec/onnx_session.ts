// onnxruntime-node behind a synchronous interface: its InferenceSession lives in a worker thread
// (SyncWorker), so open() and run() block until the worker has answered and f's methods stay
// synchronous. A model onnxruntime cannot load, or a run it refuses, is a one-line DataError
// naming the file.
import { createRequire } from 'node:module';
import { DataError } from '../engine/errors.js';
import { SyncWorker } from '../engine/sync_worker.js';

/** An input or output of the graph as onnxruntime describes it (shape: sizes, or names of symbolic dims). */
export interface ValueInfo {
  name: string;
  isTensor: boolean;
  type?: string; // int64, int32, float32, bool …
  shape?: (number | string)[];
}

export type FeedType = 'int64' | 'int32' | 'float32' | 'bool';
export type FeedData = BigInt64Array | Int32Array | Float32Array | Uint8Array;

export interface Feed {
  type: FeedType;
  data: FeedData;
  dims: number[];
}

export interface Fetched {
  type: string;
  dims: number[];
  data: unknown;
}

// Plain JavaScript: it runs in the worker (see SyncWorker), where `data.ort` is onnxruntime-node's entry.
const HANDLER = `
let ort;
let session;
async function handle(r) {
  if (r.op === 'open') {
    ort = require(data.ort);
    ort.env.logLevel = 'fatal';
    session = await ort.InferenceSession.create(r.path, { logSeverityLevel: 4 });
    return { inputs: session.inputMetadata, outputs: session.outputMetadata };
  }
  const feeds = {};
  for (const [name, t] of Object.entries(r.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  const y = (await session.run(feeds, [r.output], { logSeverityLevel: 4 }))[r.output];
  return { type: y.type, dims: Array.from(y.dims), data: y.data };
}
`;

const firstLine = (e: unknown) => String((e as Error).message ?? e).split('\n')[0];

export class OnnxSession {
  private constructor(
    private readonly worker: SyncWorker,
    readonly file: string,
    readonly inputs: ValueInfo[],
    readonly outputs: ValueInfo[],
  ) {}

  static open(file: string): OnnxSession {
    const worker = new SyncWorker(HANDLER, { ort: createRequire(import.meta.url).resolve('onnxruntime-node') });
    try {
      const io = worker.call<{ inputs: ValueInfo[]; outputs: ValueInfo[] }>({ op: 'open', path: file });
      return new OnnxSession(worker, file, io.inputs, io.outputs);
    } catch (e) {
      worker.close();
      throw new DataError({ file }, `onnxruntime cannot load it: ${firstLine(e)}`);
    }
  }

  /** One run of the graph: the named output for these feeds. */
  run(feeds: Record<string, Feed>, output: string): Fetched {
    try {
      return this.worker.call<Fetched>({ op: 'run', feeds, output });
    } catch (e) {
      throw new DataError({ file: this.file }, `onnxruntime failed to run it: ${firstLine(e)}`);
    }
  }

  close(): void {
    this.worker.close();
  }
}
