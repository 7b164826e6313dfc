// Resuming an eval: each method's rows, once scored, are kept in <out>/scored/<method>.json with the
// key of what they rest on (the settings that change a score, and the method's source: its name, or
// its folder or file with the time its stage last wrote its marker). A rerun on the same folder
// reads a row whose key matches instead of scoring it again, so a killed `run` loses at most the
// method it was scoring; `eval --force` starts over (cli/eval.ts removes the folder).
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../engine/atomic.js';
import { readJson } from '../engine/json.js';
import { configHash, MARKER } from '../engine/out_folder.js';
import type { EvalConfig } from './config.js';
import type { MethodMetrics } from './evaluate.js';

export const SCORED_DIR = 'scored';

/** A method's rows: by the run's decoding, and its free decoding for a grounded run's LM methods. */
export interface Scored<F = MethodMetrics> {
  key: string;
  metrics: MethodMetrics;
  free?: F;
}

/** A folder or file as a source of scores: its path and when it (its marker, for a stage folder) was last written. */
function identity(path: string): string {
  const marker = join(path, MARKER);
  const at = existsSync(marker) ? marker : path;
  return `${resolve(path)}@${statSync(at).mtimeMs}`;
}

/** The key of one method's rows under `cfg`: `source` is its folder or file, or undefined for a baseline needing none. */
export function scoredKey(cfg: EvalConfig, name: string, source?: string): string {
  const { tasks, users, task4, decoding, engine, seed, freeToo } = cfg;
  return configHash({ name, tasks: resolve(tasks), users, task4, decoding, engine, seed, freeToo, source: source && identity(source) });
}

const file = (out: string, name: string) => join(out, SCORED_DIR, `${name}.json`);

/** The rows kept for `name` under `key`, or undefined (none, or kept under another key). */
export function readScored<F>(out: string, name: string, key: string): Scored<F> | undefined {
  const s = readJson<Scored<F>>(file(out, name));
  return s?.key === key ? s : undefined;
}

export function writeScored<F>(out: string, name: string, s: Scored<F>): void {
  writeJsonAtomic(file(out, name), s);
}

/** Forgets every kept row (a forced eval starts over). */
export function clearScored(out: string): void {
  rmSync(join(out, SCORED_DIR), { recursive: true, force: true });
}
