// Output folders: created one level at a time (Node 20's recursive mkdir spins forever on a path
// it cannot create, such as one under /proc), and checked once, up front, for being writable.
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors.js';

/** The path's stat, or undefined when it or a folder above it is missing (or is a file: ENOTDIR). */
export function statIfAny(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Creates the folder `d` unless a folder is already there (another process may make it between a
 *  stat and the mkdir: parallel jobs share the run's output folders); a file there is EEXIST. */
export function mkdirUnlessThere(d: string): void {
  try {
    mkdirSync(d);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST' || !statIfAny(d)?.isDirectory()) throw err;
  }
}

/** Creates `dir` and any missing folders above it; a failure is Node's own error (ENOENT, ENOTDIR, …). */
export function makeDir(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = statIfAny(d);
    if (st) break;
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirUnlessThere(d);
}

/** Refuses, naming the flag, an output folder that is a file, lies under a file, or cannot be written; then creates it. */
export function prepareOutDir(dir: string, flag = '--out'): void {
  let d = resolve(dir);
  let st = statIfAny(d);
  while (!st && dirname(d) !== d) st = statIfAny((d = dirname(d)));
  if (!st) throw new UserError(`${flag} ${dir}: no folder above it exists`);
  if (!st.isDirectory())
    throw new UserError(d === resolve(dir) ? `${flag} ${dir} is a file, not a folder` : `${flag} ${dir}: ${d} is a file, not a folder`);
  try {
    accessSync(d, constants.W_OK | constants.X_OK);
  } catch {
    throw new UserError(`${flag} ${dir}: cannot write in ${d} (permission denied)`);
  }
  try {
    makeDir(dir);
  } catch (err) {
    const code = (err as { code?: string }).code ?? String(err);
    throw new UserError(`${flag} ${dir}: cannot create the folder (${code})`);
  }
}
