// Ordinary mistakes, as a user makes them: each is exit code 1 with exactly one line on stderr
// naming the problem and no stack trace, finishes quickly (no hang), and leaves every file of an
// existing --out folder byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, type CliResult } from './helpers.js';
import { trainedRing } from '../rec/fixture.js';
import { readSafetensors, writeSafetensors } from '../../src/engine/safetensors.js';
import { readGguf } from '../../src/lm/io/gguf_read.js';

const { data, rec } = await trainedRing();
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

let tasks: string | undefined;
/** A tasks folder on the ring, made once. */
function tasksFolder(): string {
  if (tasks) return tasks;
  const out = join(tmp(), 'tasks');
  const r = cli(['tasks', '--data', data, '--rec', rec, '--out', out, '--task5', '4,1', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  return (tasks = out);
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

test("an --out holding another stage's output is refused before anything is written", () => {
  for (const [other, kind] of [
    [tasksFolder(), 'tasks'],
    [baseModel(), 'pretrain'],
  ] as const) {
    const before = snapshot(other);
    const r = cli([
      'align',
      '--mode',
      'B',
      '--tasks',
      tasksFolder(),
      '--base-model',
      baseModel(),
      '--out',
      other,
      '--max-steps',
      '1',
      '--quiet',
    ]);
    refused(r, new RegExp(`--out .* holds the output of \`recexplainer ${kind}\``));
    assertUnchanged(other, before);
  }
});

test('an --out holding files no stage wrote is refused, and they stay as they were', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  const before = snapshot(dir);
  refused(cli(['train-rec', '--data', data, '--out', dir, '--epochs', '1']), /holds files that are not recexplainer output \(notes\.txt\)/);
  refused(cli(['tasks', '--data', data, '--rec', rec, '--out', dir]), /notes\.txt/);
  assertUnchanged(dir, before);
});

test("a stage's own finished output is refused unless --force", () => {
  const out = join(tmp(), 'tasks');
  cpSync(tasksFolder(), out, { recursive: true });
  const before = snapshot(out);
  refused(
    cli(['tasks', '--data', data, '--rec', rec, '--out', out, '--task5', '4,1']),
    /already holds a finished `recexplainer tasks` output; pass --force/,
  );
  assertUnchanged(out, before);
  assert.equal(cli(['tasks', '--data', data, '--rec', rec, '--out', out, '--task5', '4,1', '--quiet', '--force']).code, 0);
});

test('--resume with a config that differs from the saved one names the differing flags', () => {
  const out = join(tmp(), 'rec');
  cpSync(rec, out, { recursive: true });
  const before = snapshot(out);
  const flags = ['--epochs', '4', '--hidden', '16', '--max-len', '10', '--batch-size', '32', '--eval-every', '2'];
  const r = cli(['train-rec', '--data', data, '--out', out, ...flags, '--lr', '0.5', '--seed', '7', '--resume']);
  refused(r, /--resume: the config differs .*--lr \(0\.01 → 0\.5\), --seed \(42 → 7\)/);
  assertUnchanged(out, before);
});

/** A copy of `dir` with one NaN in the first tensor of its `file` (a safetensors file); returns the copy and the tensor's name. */
function poisoned(dir: string, file: string): { dir: string; tensor: string } {
  const out = join(tmp(), 'poisoned');
  cpSync(dir, out, { recursive: true });
  const path = join(out, file);
  const { tensors, metadata } = readSafetensors(path);
  const tensor = Object.keys(tensors).sort()[0];
  const t = tensors[tensor];
  if (t.dtype === 'I32') throw new Error(`${tensor} is an integer tensor`);
  t.data[t.data.length - 1] = NaN;
  writeSafetensors(path, tensors as Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>, metadata);
  return { dir: out, tensor };
}

/** The ring's tiny aligned model (B, LoRA), made once. */
let aligned: string | undefined;
function alignedModel(): string {
  if (aligned) return aligned;
  const out = join(tmp(), 'lm-B');
  const r = cli([
    'align',
    '--mode',
    'B',
    '--tasks',
    tasksFolder(),
    '--base-model',
    baseModel(),
    '--out',
    out,
    '--max-steps',
    '1',
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return (aligned = out);
}

const notFinite = (tensor: string) => new RegExp(`${tensor.replace(/\./g, '\\.')}.*element \\d+ is NaN: the weights are not finite`);

test('a recommender with one NaN weight is refused by every command that loads it', () => {
  const { dir, tensor } = poisoned(rec, 'model.safetensors');
  refused(cli(['tasks', '--data', data, '--rec', dir, '--out', join(tmp(), 't'), '--quiet']), notFinite(tensor));
  refused(cli(['distill', '--data', data, '--rec', dir, '--out', join(tmp(), 'kd'), '--epochs', '1', '--quiet']), notFinite(tensor));
});

test('a base LM (folder or GGUF) with one NaN weight is refused by every command that loads it', () => {
  const { dir, tensor } = poisoned(baseModel(), 'model.safetensors');
  refused(cli(['export-gguf', '--model', dir, '--out', join(tmp(), 'x.gguf')]), notFinite(tensor));
  const al = ['align', '--mode', 'B', '--tasks', tasksFolder(), '--max-steps', '1', '--quiet'];
  refused(cli([...al, '--base-model', dir, '--out', join(tmp(), 'al')]), notFinite(tensor));
  const gguf = join(tmp(), 'base.gguf');
  assert.equal(cli(['export-gguf', '--model', baseModel(), '--out', gguf]).code, 0);
  const g = readGguf(gguf);
  const norm = [...g.tensors.values()].find((t) => t.type === 0)!; // an F32 tensor
  writeFileSync(gguf, Buffer.from(g.bytes).fill(0xff, g.dataStart + norm.offset, g.dataStart + norm.offset + 4)); // 0xffffffff: a NaN
  const r = cli([...al, '--base-model', gguf, '--out', join(tmp(), 'al')]);
  refused(r, /base\.gguf.*element 0 is NaN: the weights are not finite/);
});

test('an aligned model with one NaN weight is refused by every command that loads it', () => {
  const { dir, tensor } = poisoned(alignedModel(), 'adapter.safetensors');
  refused(cli(['export-gguf', '--model', dir, '--out', join(tmp(), 'x.gguf')]), notFinite(tensor));
  const ev = ['--tasks', tasksFolder(), '--model', dir, '--quiet'];
  refused(cli(['eval', ...ev, '--baselines', 'none', '--users', '5', '--task4', '0', '--out', join(tmp(), 'ev')]), notFinite(tensor));
  refused(cli(['explain', ...ev, '--sample', '2', '--no-distinction', '--out', join(tmp(), 'ex')]), notFinite(tensor));
});

test('the small ones: a raw user id in a pairs file, --delimiter \\t as typed, align --lora-r 0 names model.safetensors', () => {
  const dir = tmp();
  const pairs = join(dir, 'pairs.csv');
  writeFileSync(pairs, 'A3SGXH7AUHU8GW,5\n');
  const ex = ['explain', '--tasks', tasksFolder(), '--model', alignedModel(), '--pairs', pairs, '--no-distinction', '--quiet'];
  refused(
    cli([...ex, '--out', join(dir, 'ex')]),
    /pairs\.csv:1 \(field "user"\): unknown user "A3SGXH7AUHU8GW" \(pairs use the data set's user numbers 1\.\.200; user_map\.tsv/,
  );
  writeFileSync(join(dir, 'ev.csv'), 'u\ti\tt\n' + Array.from({ length: 6 }, (_, k) => `u${k % 2}\ti${k}\t${1000 + k}`).join('\n') + '\n');
  writeFileSync(join(dir, 'it.csv'), 'i\tname\n' + Array.from({ length: 6 }, (_, k) => `i${k}\tItem ${k}`).join('\n') + '\n');
  const cols = ['--user-col', 'u', '--item-col', 'i', '--time-col', 't', '--title-col', 'name', '--kcore', '0', '--delimiter', '\\t'];
  const data = cli([
    'data',
    '--source',
    'csv',
    '--input',
    join(dir, 'ev.csv'),
    '--input',
    join(dir, 'it.csv'),
    ...cols,
    '--out',
    join(dir, 'd'),
    '--quiet',
  ]);
  assert.equal(data.code, 0, data.stderr);
  const al = ['align', '--mode', 'B', '--tasks', tasksFolder(), '--base-model', baseModel(), '--max-steps', '1', '--quiet'];
  const full = cli([...al, '--lora-r', '0', '--out', join(dir, 'full')]);
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /written to .*full \(model\.safetensors, align\.json/);
  assert.ok(readdirSync(join(dir, 'full')).includes('model.safetensors'));
});
