// Atomic file output: write to a temp file in the same folder, fsync, then rename over the
// target, so a killed process never leaves a half-written file behind.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
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
