// Node's file-system errors (ENOENT, EEXIST, ENOTDIR, EACCES, EPERM, ENOSPC, EISDIR) as one-line
// UserErrors naming the path and, when a command-line value leads to it, the flag it came from.
import { isAbsolute, resolve, sep } from 'node:path';
import { UserError } from './errors.js';

const MEANING: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists (as a file where a folder is needed?)',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EISDIR: 'is a folder, where a file is needed',
  EROFS: 'read-only file system',
};

interface NodeFsError {
  code?: string;
  path?: string;
  dest?: string; // a rename's target: named rather than the temp file it came from
}

/** The flag (of `argv`) whose value is `path` or a folder above it, e.g. --out for <out>/config.json. */
export function flagOfPath(path: string, argv: readonly string[]): string | undefined {
  const target = resolve(path);
  let best: { flag: string; len: number } | undefined;
  argv.forEach((a, i) => {
    const eq = a.match(/^(--[\w-]+)=(.+)$/);
    const [flag, value] = eq ? [eq[1], eq[2]] : a.startsWith('--') && i + 1 < argv.length ? [a, argv[i + 1]] : [];
    if (!flag || !value || value.startsWith('--')) return;
    const v = resolve(value);
    if ((target === v || target.startsWith(v.endsWith(sep) ? v : v + sep)) && v.length > (best?.len ?? 0)) best = { flag, len: v.length };
  });
  return best?.flag;
}

/** The one-line UserError for a Node file-system error, or undefined when `err` is not one. */
export function fsUserError(err: unknown, argv: readonly string[] = []): UserError | undefined {
  const e = err as NodeFsError | undefined;
  const path = e?.dest ?? e?.path;
  if (!e || typeof e.code !== 'string' || !(e.code in MEANING) || typeof path !== 'string') return undefined;
  const flag = flagOfPath(path, argv);
  const shown = isAbsolute(path) ? path : resolve(path);
  return new UserError(`${shown}: ${MEANING[e.code]} (${e.code}${flag ? `, from ${flag}` : ''})`);
}
