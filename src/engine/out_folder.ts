// Every stage's output folder belongs to one stage: a marker (.recexplainer.json: kind, version,
// config hash, config) is written into it first. Before anything is written, a stage refuses a
// folder holding another stage's marker or unknown files, its own finished output unless --force
// (or, for `run`, reuse), and a --resume whose config differs from the saved one.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic.js';
import { UserError } from './errors.js';
import { flagName } from './options.js';
import { prepareOutDir, statIfAny } from './out_dir.js';
import { repoRoot } from './paths.js';

export const MARKER = '.recexplainer.json';

export interface Marker {
  kind: string; // the stage: data, train-rec, distill, pretrain, tasks, align, eval, explain, run
  version: string; // recexplainer's version that wrote it
  config_hash: string; // of the config without the keys below
  config: Record<string, unknown>;
  finished?: string; // ISO time the stage finished
}

/** Settings that may change between a run and its resume: how and where it runs, not what it computes. */
const VOLATILE = new Set(['out', 'resume', 'force', 'quiet', 'backend', 'jobs']);

export interface ClaimHow {
  resume?: boolean; // continue the stage's unfinished output: the config must be the saved one
  force?: boolean; // overwrite the stage's own finished output
  reuse?: boolean; // the stage keeps its finished parts itself (`run`)
  defaults?: object; // the stage's option defaults: a key the saved config lacks (an option added since) counts as its default
}

let version: string | undefined;
function ownVersion(): string {
  return (version ??= (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version);
}

function stable(config: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k, v]) => !VOLATILE.has(k) && v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export function configHash(config: object): string {
  return createHash('sha256')
    .update(JSON.stringify(stable(config)))
    .digest('hex')
    .slice(0, 16);
}

/** The folder's marker, or undefined when there is none. */
export function readMarker(dir: string): Marker | undefined {
  const file = join(dir, MARKER);
  if (!statSync(file, { throwIfNoEntry: false })) return undefined;
  const m = JSON.parse(readFileSync(file, 'utf8')) as Partial<Marker>;
  if (typeof m.kind !== 'string' || typeof m.config !== 'object') throw new UserError(`${file}: not a recexplainer folder marker`);
  return m as Marker;
}

/**
 * The flags whose values differ between a saved config and a new one, e.g. "--lr (0.001 → 0.01)";
 * a key of `now` that `saved` lacks is compared as its value in `defaults` (an option added since).
 */
export function configChanges(saved: object, now: object, defaults: object = {}): string[] {
  const added = Object.entries(defaults).filter(([k]) => k in now && !(k in saved));
  const a = stable({ ...Object.fromEntries(added), ...saved });
  const b = stable(now);
  const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${flagName(k)} (${show(a[k])} → ${show(b[k])})`);
}

/** Refuses, writing nothing, a `dir` that may not take `kind`'s output (see the top of this file); returns its marker. */
export function checkOutFolder(dir: string, kind: string, config: object, how: ClaimHow = {}, flag = '--out'): Marker | undefined {
  const st = statIfAny(dir);
  const m = st?.isDirectory() ? readMarker(dir) : undefined;
  if (m && m.kind !== kind) throw new UserError(`${flag} ${dir} holds the output of \`recexplainer ${m.kind}\`; choose another ${flag}`);
  if (!m && st?.isDirectory()) {
    const files = readdirSync(dir);
    if (files.length)
      throw new UserError(
        `${flag} ${dir} holds files that are not recexplainer output (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}); choose a new or empty folder`,
      );
  }
  if (m && how.resume) {
    const changed = configChanges(m.config, config, how.defaults);
    if (changed.length)
      throw new UserError(
        `--resume: the config differs from the one saved in ${dir} in ${changed.join(', ')}; resume with the same flags or choose another ${flag}`,
      );
  }
  if (m?.finished && !how.resume && !how.force && !how.reuse)
    throw new UserError(
      `${flag} ${dir} already holds a finished \`recexplainer ${kind}\` output; pass --force to overwrite it or choose another ${flag}`,
    );
  return m;
}

/** checkOutFolder, then creates the folder and writes the marker (kept as it is on a resume or reuse). */
export function claimOutFolder(dir: string, kind: string, config: object, how: ClaimHow = {}, flag = '--out'): void {
  const m = checkOutFolder(dir, kind, config, how, flag);
  prepareOutDir(dir, flag);
  if (m && (how.resume || how.reuse)) return;
  writeJsonAtomic(join(dir, MARKER), {
    kind,
    version: ownVersion(),
    config_hash: configHash(config),
    config: stable(config),
  } satisfies Marker);
}

/** Marks the stage's output finished (its last write). */
export function finishOutFolder(dir: string): void {
  const m = readMarker(dir);
  if (!m) throw new Error(`${dir}: no ${MARKER} to finish (the stage did not claim its folder)`);
  writeJsonAtomic(join(dir, MARKER), { ...m, finished: new Date().toISOString() });
}
