// Checkpoints: round trip, kind/config checks, bad files, and crash safety of the atomic write.
import { after, test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs, { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, UserError } from '../../src/engine/errors.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointState } from '../../src/engine/checkpoint.js';
import { writeSafetensors } from '../../src/engine/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function tmp(): string {
  return join(dir, `${counter++}.ckpt.safetensors`);
}

const config = { nItems: 100, hidden: 8, layers: 2, maxLen: 50, lr: 1e-3, dropout: 0.2 };

function state(step: number): CheckpointState {
  return {
    kind: 'sasrec',
    config,
    step,
    epoch: Math.floor(step / 10),
    counters: { bestNdcg: 0.125, badEpochs: 1 },
    tensors: {
      'item.emb': { dtype: 'F32', shape: [101, 8], data: new Float32Array(808).map((_, i) => i * 0.5 + step) },
      'pos.emb': { dtype: 'F32', shape: [50, 8], data: new Float32Array(400).fill(-1) },
    },
    optimizer: {
      'item.emb.m': { dtype: 'F32', shape: [101, 8], data: new Float32Array(808).fill(0.01) },
      t: { dtype: 'I32', shape: [], data: Int32Array.from([step]) },
    },
    rng: [1, 0xffffffff, 123456789, 0],
  };
}

/** Asserts a one-line DataError naming `path` and matching `re`. */
function throwsData(fn: () => unknown, path: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    assert.ok(e.message.startsWith(path), e.message);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

test('round trip keeps kind, config, counters, weights, optimizer state and rng', () => {
  const p = tmp();
  const s = state(42);
  saveCheckpoint(p, s);
  const c = loadCheckpoint(p, 'sasrec', { nItems: 100, hidden: 8 });
  assert.equal(c.kind, 'sasrec');
  assert.deepEqual(c.config, config);
  assert.equal(c.step, 42);
  assert.equal(c.epoch, 4);
  assert.deepEqual(c.counters, { bestNdcg: 0.125, badEpochs: 1 });
  assert.deepEqual(c.rng, s.rng);
  assert.deepEqual(Object.keys(c.tensors), ['item.emb', 'pos.emb']);
  assert.deepEqual(Object.keys(c.optimizer), ['item.emb.m', 't']);
  for (const [name, t] of Object.entries(s.tensors)) {
    assert.deepEqual(c.tensors[name], { dtype: t.dtype, shape: t.shape, data: t.data }, name);
  }
  assert.deepEqual(c.optimizer.t, { dtype: 'I32', shape: [], data: Int32Array.from([42]) });
  assert.deepEqual(c.optimizer['item.emb.m'].data, s.optimizer!['item.emb.m'].data);
});

test('optional parts may be left out', () => {
  const p = tmp();
  saveCheckpoint(p, { kind: 'mf', config: {}, step: 0, epoch: 0, tensors: {} });
  const c = loadCheckpoint(p, 'mf');
  assert.deepEqual(c, { kind: 'mf', config: {}, step: 0, epoch: 0, counters: {}, tensors: {}, optimizer: {} });
  assert.ok(!('rng' in c));
});

test('saveCheckpoint rejects states that would not load back', () => {
  const p = tmp();
  const base = state(1);
  assert.throws(() => saveCheckpoint(p, { ...base, kind: '' }), RangeError);
  assert.throws(() => saveCheckpoint(p, { ...base, config: [1, 2] }), RangeError);
  assert.throws(() => saveCheckpoint(p, { ...base, step: NaN }), /counter "step" is NaN/);
  assert.throws(() => saveCheckpoint(p, { ...base, counters: { loss: Infinity } }), /counter "loss"/);
  assert.throws(() => saveCheckpoint(p, { ...base, counters: { step: 3 } }), /may not be named step/);
  assert.throws(() => saveCheckpoint(p, { ...base, rng: [-1] }), /uint32/);
  assert.throws(() => readFileSync(p), /ENOENT/, 'nothing was written');
});

test('a missing checkpoint is a UserError naming the path', () => {
  const p = join(dir, 'absent.safetensors');
  assert.throws(
    () => loadCheckpoint(p, 'sasrec'),
    (e: unknown) => e instanceof UserError && !(e instanceof DataError) && e.message === `no checkpoint at ${p}`,
  );
});

test('a checkpoint of another kind is refused', () => {
  const p = tmp();
  saveCheckpoint(p, state(1));
  throwsData(() => loadCheckpoint(p, 'mf'), p, /\(field "kind"\): checkpoint is a sasrec, expected mf$/);
});

test('a config that differs on the expected keys is refused, listing keys and both values', () => {
  const p = tmp();
  saveCheckpoint(p, state(1));
  throwsData(
    () => loadCheckpoint(p, 'sasrec', { nItems: 100, hidden: 16, layers: 3, heads: 2 }),
    p,
    /config differs from the checkpoint's: hidden \(checkpoint 8, expected 16\), layers \(checkpoint 2, expected 3\), heads \(checkpoint \(missing\), expected 2\)$/,
  );
  // Keys left out of expectConfig (lr, dropout) may change on resume.
  assert.equal(loadCheckpoint(p, 'sasrec', { nItems: 100, hidden: 8, layers: 2, maxLen: 50 }).step, 1);
});

test('truncated and foreign files give the safetensors DataError', () => {
  const good = tmp();
  saveCheckpoint(good, state(1));
  const bytes = readFileSync(good);
  const cut = tmp();
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  throwsData(() => loadCheckpoint(cut, 'sasrec'), cut, /lie outside the \d+ data bytes/);
  const png = tmp();
  writeFileSync(png, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  throwsData(() => loadCheckpoint(png, 'sasrec'), png, /not a safetensors file\?/);
  const plain = tmp();
  writeSafetensors(plain, { w: { dtype: 'F32', shape: [1], data: Float32Array.from([1]) } }, { format: 'pt' });
  throwsData(() => loadCheckpoint(plain, 'sasrec'), plain, /not a RecExplainer checkpoint \(format "pt"/);
});

test('a crash that left a partial temp file beside the checkpoint does not affect loading it', () => {
  const p = tmp();
  saveCheckpoint(p, state(10));
  const next = tmp();
  saveCheckpoint(next, state(20));
  const partial = readFileSync(next).subarray(0, 3000);
  const name = p.slice(dir.length + 1);
  writeFileSync(join(dir, `.${name}.tmp-99999-1700000000000`), partial);
  const c = loadCheckpoint(p, 'sasrec', config);
  assert.equal(c.step, 10);
  assert.equal(c.tensors['item.emb'].data[0], 10);
  // The next save still replaces it cleanly.
  saveCheckpoint(p, state(30));
  assert.equal(loadCheckpoint(p, 'sasrec').step, 30);
});

test('a write that fails half-way (disk full) leaves the previous checkpoint and no temp file', (t) => {
  const sub = mkdtempSync(join(dir, 'full-'));
  const p = join(sub, 'c.safetensors');
  saveCheckpoint(p, state(5));
  const real = fs.writeSync;
  t.after(() => {
    mock.restoreAll();
    syncBuiltinESMExports();
  });
  mock.method(fs, 'writeSync', (fd: number, data: Uint8Array) => {
    real(fd, data.subarray(0, data.length >> 1));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  syncBuiltinESMExports();
  assert.throws(() => saveCheckpoint(p, state(6)), /ENOSPC/);
  mock.restoreAll();
  syncBuiltinESMExports();
  assert.deepEqual(readdirSync(sub), ['c.safetensors']);
  assert.equal(loadCheckpoint(p, 'sasrec', config).step, 5);
});

test('a process killed while saving leaves a loadable checkpoint', async () => {
  const sub = mkdtempSync(join(dir, 'kill-'));
  const p = join(sub, 'c.safetensors');
  saveCheckpoint(p, state(0));
  const url = new URL('../../src/engine/checkpoint.ts', import.meta.url).href;
  // The child saves 4 MB checkpoints in a loop until it is killed.
  const script = `
    const { saveCheckpoint } = await import(${JSON.stringify(url)});
    const data = new Float32Array(1 << 20);
    console.log('ready');
    for (let step = 1; ; step++) {
      data.fill(step);
      saveCheckpoint(${JSON.stringify(p)}, { kind: 'sasrec', config: {}, step, epoch: 0,
        tensors: { w: { dtype: 'F32', shape: [data.length], data } } });
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const c = loadCheckpoint(p, 'sasrec');
  if (c.step > 0)
    assert.ok(
      c.tensors.w.data.every((v) => v === c.step),
      'weights match the step',
    );
  else assert.equal(c.tensors['item.emb'].data[0], 0);
});
