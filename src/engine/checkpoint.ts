// Training checkpoints as one safetensors file, written atomically: weights under "model/",
// optimizer state under "optimizer/", kind/config/counters/rng as JSON strings in __metadata__.
// loadCheckpoint refuses a file of another kind or one whose shape-relevant config differs.
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { DataError, UserError } from './errors.js';
import { readSafetensors, writeSafetensors, type ReadTensor, type WriteTensor } from './safetensors.js';

const FORMAT = 'recexplainer-checkpoint/1';
const MODEL = 'model/';
const OPTIMIZER = 'optimizer/';

export interface CheckpointState {
  kind: string; // what was trained: 'sasrec', 'mf', 'lora', …
  config: object; // the resolved stage config, JSON-serialisable
  step: number; // optimizer steps done
  epoch: number; // epochs done
  counters?: Record<string, number>; // other numbers a resumed run needs (best metric, bad epochs, …)
  tensors: Record<string, WriteTensor>; // model weights
  optimizer?: Record<string, WriteTensor>; // optimizer state, e.g. Adam moments
  rng?: number[]; // generator state (uint32 words) to resume the same random stream
}

export interface LoadedCheckpoint {
  kind: string;
  config: Record<string, unknown>;
  step: number;
  epoch: number;
  counters: Record<string, number>;
  tensors: Record<string, ReadTensor>;
  optimizer: Record<string, ReadTensor>;
  rng?: number[];
}

/** Writes the checkpoint atomically: a crash leaves the previous file in place. */
export function saveCheckpoint(path: string, state: CheckpointState): void {
  if (state.kind === '') throw new RangeError('saveCheckpoint: kind is empty');
  if (!isRecord(state.config)) throw new RangeError('saveCheckpoint: config must be a plain object');
  for (const [k, v] of Object.entries({ step: state.step, epoch: state.epoch, ...state.counters })) {
    if (!Number.isFinite(v)) throw new RangeError(`saveCheckpoint: counter "${k}" is ${v}`);
  }
  if (state.counters && ('step' in state.counters || 'epoch' in state.counters)) {
    throw new RangeError('saveCheckpoint: counters may not be named step or epoch');
  }
  if (state.rng && !state.rng.every(isU32)) throw new RangeError('saveCheckpoint: rng state must be uint32 words');
  const tensors = Object.fromEntries([
    ...Object.entries(state.tensors).map(([k, t]) => [MODEL + k, t] as const),
    ...Object.entries(state.optimizer ?? {}).map(([k, t]) => [OPTIMIZER + k, t] as const),
  ]);
  const metadata: Record<string, string> = {
    format: FORMAT,
    kind: state.kind,
    config: JSON.stringify(state.config),
    counters: JSON.stringify({ ...state.counters, step: state.step, epoch: state.epoch }),
  };
  if (state.rng) metadata.rng = JSON.stringify(state.rng);
  writeSafetensors(path, tensors, metadata);
}

/**
 * Loads a checkpoint written by saveCheckpoint. expectConfig holds the keys that must match
 * (the shape-relevant ones, e.g. { nItems, hidden, layers, maxLen }); other keys may differ.
 */
export function loadCheckpoint(path: string, expectKind: string, expectConfig?: object): LoadedCheckpoint {
  if (!existsSync(path)) throw new UserError(`no checkpoint at ${path}`);
  const file = readSafetensors(path);
  const fail = (field: string, message: string) => new DataError({ file: path, field }, message);
  const md = file.metadata;
  if (md.format !== FORMAT) {
    throw fail('__metadata__.format', `not a RecExplainer checkpoint (format ${JSON.stringify(md.format)}, expected "${FORMAT}")`);
  }
  if (md.kind !== expectKind) throw fail('kind', `checkpoint is a ${md.kind}, expected ${expectKind}`);

  const config = parseJson(md.config, 'config', fail);
  if (!isRecord(config)) throw fail('config', 'is not a JSON object');
  if (expectConfig) {
    const diffs = Object.entries(expectConfig)
      .filter(([k, v]) => !isDeepStrictEqual(config[k], v))
      .map(([k, v]) => `${k} (checkpoint ${show(config[k])}, expected ${show(v)})`);
    if (diffs.length) throw fail('config', `config differs from the checkpoint's: ${diffs.join(', ')}`);
  }

  const counters = parseJson(md.counters, 'counters', fail);
  if (!isRecord(counters) || !Object.values(counters).every(Number.isFinite)) {
    throw fail('counters', 'is not an object of numbers');
  }
  const { step, epoch, ...rest } = counters as Record<string, number>;
  if (step === undefined || epoch === undefined) throw fail('counters', 'lacks step or epoch');

  let rng: number[] | undefined;
  if (md.rng !== undefined) {
    const r = parseJson(md.rng, 'rng', fail);
    if (!Array.isArray(r) || !r.every(isU32)) throw fail('rng', 'is not a list of uint32 words');
    rng = r;
  }

  const tensors: [string, ReadTensor][] = [];
  const optimizer: [string, ReadTensor][] = [];
  for (const [name, t] of Object.entries(file.tensors)) {
    if (name.startsWith(MODEL)) tensors.push([name.slice(MODEL.length), t]);
    else if (name.startsWith(OPTIMIZER)) optimizer.push([name.slice(OPTIMIZER.length), t]);
    else throw fail(name, `tensor name has neither the "${MODEL}" nor the "${OPTIMIZER}" prefix`);
  }
  return {
    kind: md.kind,
    config,
    step,
    epoch,
    counters: rest,
    tensors: Object.fromEntries(tensors),
    optimizer: Object.fromEntries(optimizer),
    ...(rng && { rng }),
  };
}

function parseJson(text: string | undefined, field: string, fail: (field: string, message: string) => DataError): unknown {
  if (text === undefined) throw fail(field, 'is missing from __metadata__');
  try {
    return JSON.parse(text);
  } catch {
    throw fail(field, 'is not valid JSON');
  }
}

function show(v: unknown): string {
  return v === undefined ? '(missing)' : JSON.stringify(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isU32(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
}
