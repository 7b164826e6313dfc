// Ordinary mistakes, as a user makes them: each is exit code 1 with exactly one line on stderr
// naming the problem and no stack trace, finishes quickly (no hang), and leaves every file of an
// existing --out folder byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, type CliResult } from './helpers.js';
import { trainedRing } from '../rec/fixture.js';

const { data } = await trainedRing();
const tmp = () => mkdtempSync(join(tmpdir(), 'bad-'));

let base: string | undefined;
/** A tiny pre-trained base LM folder (2 steps), made once. */
function baseModel(): string {
  if (base) return base;
  const out = join(tmp(), 'base');
  const flags = ['--layers', '1', '--hidden', '16', '--heads', '2', '--kv-heads', '2', '--ffn', '32', '--vocab', '300', '--seq-len', '32'];
  const r = cli([
    'pretrain',
    '--data',
    data,
    '--out',
    out,
    ...flags,
    '--batch-size',
    '4',
    '--steps',
    '2',
    '--warmup',
    '1',
    '--eval-every',
    '2',
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return (base = out);
}

/** Asserts the one-line error of a refused command, matching `what`. */
function refused(r: CliResult, what: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected, got ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one stderr line expected:\n${r.stderr}`);
  assert.match(lines[0], /^recexplainer: /);
  assert.match(lines[0], what);
  assert.doesNotMatch(r.stderr, /internal error|^\s+at /m);
}

/** Every file under `dir` (relative path → bytes). */
function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) files.set(join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name)));
  return files;
}

function assertUnchanged(dir: string, before: Map<string, Buffer>): void {
  const after = snapshot(dir);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), `files of ${dir} changed`);
  for (const [f, b] of before) assert.ok(b.equals(after.get(f)!), `${f} was rewritten`);
}

test('an --out that cannot be created (under /proc) is a one-line error within 2 s, not a hang', () => {
  for (const args of [
    ['data', '--source', 'movielens', '--input', '/nope', '--out', '/proc/recexplainer-x'],
    ['train-rec', '--data', data, '--out', '/proc/recexplainer-x/y', '--epochs', '1'],
  ]) {
    const t0 = Date.now();
    const r = cli(args);
    refused(r, /--out \/proc\/recexplainer-x.*cannot create/);
    assert.ok(Date.now() - t0 < 2000 + 1500, `took ${Date.now() - t0} ms`); // + the child's start-up under tsx
  }
});

test('an --out that is a file, or lies under one, is a one-line error naming it', () => {
  const dir = tmp();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'keep me');
  refused(cli(['train-rec', '--data', data, '--out', file, '--epochs', '1']), /--out .*a-file is a file, not a folder/);
  refused(cli(['train-rec', '--data', data, '--out', join(file, 'sub'), '--epochs', '1']), /a-file is a file, not a folder/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});

test('an --out folder that cannot be written is a one-line error', { skip: process.getuid?.() === 0 && 'root writes anywhere' }, () => {
  const ro = join(tmp(), 'ro');
  mkdirSync(ro, { mode: 0o555 });
  refused(cli(['train-rec', '--data', data, '--out', join(ro, 'sub'), '--epochs', '1']), /cannot write|permission/);
});

test('a missing input file or base model is a one-line error naming the path', () => {
  const dir = tmp();
  refused(
    cli([
      'data',
      '--source',
      'csv',
      '--input',
      '/nope.csv',
      '--input',
      '/nope2.csv',
      '--user-col',
      'u',
      '--item-col',
      'i',
      '--title-col',
      't',
      '--out',
      dir,
    ]),
    /\/nope\.csv/,
  );
  refused(cli(['align', '--mode', 'B', '--tasks', dir, '--base-model', '/nope-base', '--out', join(dir, 'al')]), /\/nope-base|tasks/);
});

test('export-gguf --out an existing folder: one line, and no temp file left behind', () => {
  const dir = tmp();
  const before = snapshot(dir);
  refused(cli(['export-gguf', '--model', baseModel(), '--out', dir]), /is a folder, where a file is needed \(EISDIR, from --out\)/);
  assertUnchanged(dir, before);
  assert.deepEqual(
    readdirSync(tmpdir()).filter((f) => f.includes('.tmp-') && f.startsWith('.bad-')),
    [],
  );
});

test('--hidden not divisible by --heads is a one-line error', () => {
  refused(
    cli(['train-rec', '--data', data, '--out', join(tmp(), 'r'), '--hidden', '30', '--heads', '4']),
    /--hidden 30 is not divisible by --heads 4/,
  );
});
