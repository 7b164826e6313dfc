// Atomic file output: write to a temp file in the same folder, fsync, then rename over the
// target, so a killed process never leaves a half-written file behind; a failed write or rename
// removes its temp file.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { makeDir } from './out_dir.js';

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  makeDir(dirname(path));
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory())
    throw Object.assign(new Error(`EISDIR: ${path} is a folder`), { code: 'EISDIR', path }); // named by cli/main like Node's own
  const tmp = tempPath(path);
  const fd = openSync(tmp, 'w');
  try {
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Writes one JSON value per line, atomically. */
export function writeJsonlAtomic(path: string, rows: Iterable<unknown>): void {
  const parts: string[] = [];
  for (const r of rows) parts.push(JSON.stringify(r));
  writeFileAtomic(path, parts.length ? parts.join('\n') + '\n' : '');
}
