// Resuming a long stage part by part: what one part produced (an eval method's rows, an explainer's
// texts) is kept in <out>/<folder>/<name>.json with the key of what it rests on — the settings that
// change it and its sources, each a folder or file named with the time its stage last wrote its
// marker. A rerun over the same unfinished folder reads a part whose key matches instead of
// producing it again, so a killed `run` loses at most the part it was on.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from './atomic.js';
import { readJson } from './json.js';
import { configHash, MARKER } from './out_folder.js';

/** A folder or file as a source: its path and when it (its marker, for a stage folder) was last written. */
export function sourceIdentity(path: string): string {
  const marker = join(path, MARKER);
  const at = existsSync(marker) ? marker : path;
  return `${resolve(path)}@${statSync(at).mtimeMs}`;
}

/** A part's key: its settings (paths given resolved by the caller), and its source when it has one. */
export function keptKey(settings: object, source?: string): string {
  return configHash({ ...settings, source: source && sourceIdentity(source) });
}

/** The parts of one stage's folder, under <out>/<folder>/: each file is the part's fields and its key. */
export class KeptParts<T extends object> {
  constructor(
    private readonly out: string,
    readonly folder: string,
  ) {}

  private file(name: string): string {
    return join(this.out, this.folder, `${name}.json`);
  }

  /** The part kept for `name` under `key`, or undefined (none, or kept under another key). */
  read(name: string, key: string): T | undefined {
    const s = readJson<T & { key: string }>(this.file(name));
    if (s?.key !== key) return undefined;
    const { key: _, ...part } = s;
    return part as unknown as T;
  }

  write(name: string, key: string, part: T): void {
    writeJsonAtomic(this.file(name), { ...part, key });
  }

  /** Forgets every kept part (a forced rerun starts over). */
  clear(): void {
    rmSync(join(this.out, this.folder), { recursive: true, force: true });
  }

  where(name: string): string {
    return this.file(name);
  }
}
