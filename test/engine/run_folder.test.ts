// A stage's run folder: done and resumable follow metrics.json and the checkpoint; the resume guard
// refuses a fresh start over a checkpoint and a resume without one, in one line naming the folder
// and its kind of run; config/metrics land under their names with no temp file; the finite check
// names the first bad weight and where to continue; the training log survives a resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { CHECKPOINT, CONFIG, METRICS, RunFolder, TRAIN_LOG } from '../../src/engine/run_folder.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'runfolder-')), 'stage');

test('file names, done and resumable', () => {
  const dir = fresh();
  const f = new RunFolder(dir, 'a test run');
  assert.equal(f.checkpoint, join(dir, 'checkpoint.safetensors'));
  assert.equal(f.log, join(dir, 'train_log.jsonl'));
  assert.deepEqual([CHECKPOINT, TRAIN_LOG, CONFIG, METRICS], ['checkpoint.safetensors', 'train_log.jsonl', 'config.json', 'metrics.json']);
  assert.equal(f.done, false);
  assert.equal(f.resumable, false);
  f.open(false, {});
  assert.ok(existsSync(dir));
  writeFileSync(f.checkpoint, 'x');
  assert.equal(f.resumable, true);
  assert.equal(f.done, false);
  f.writeMetrics({ a: 1 });
  assert.equal(f.done, true);
});

test('the resume guard: one line naming the folder and what it holds', () => {
  const dir = fresh();
  const f = new RunFolder(dir, 'a distillation run');
  assert.throws(
    () => f.open(true, {}),
    (e: Error) => e instanceof UserError && e.message === `${dir}: nothing to resume (no checkpoint.safetensors)`,
  );
  assert.ok(!existsSync(dir), 'a refused resume creates nothing');
  f.open(false, {});
  writeFileSync(f.checkpoint, 'x');
  assert.throws(
    () => f.open(false, {}),
    (e: Error) =>
      e instanceof UserError &&
      e.message ===
        `${dir} already holds a distillation run (checkpoint.safetensors); pass --resume to continue it or choose another --out`,
  );
  f.open(true, {});
  assert.throws(() => new RunFolder(dir).open(false, {}), /already holds a training run/);
});

test('a resume of a run saved before an option existed: the missing key counts as its default, a changed one is refused', () => {
  const dir = fresh();
  const f = new RunFolder(dir);
  f.open(false, { lr: 0.1 });
  writeFileSync(f.checkpoint, 'x');
  const defaults = { lr: 0.01, distill: 0 };
  f.open(true, { lr: 0.1, distill: 0 }, false, defaults);
  assert.throws(() => f.open(true, { lr: 0.1, distill: 0 }), /differs .* in --distill \(unset → 0\)/);
  assert.throws(() => f.open(true, { lr: 0.1, distill: 10 }, false, defaults), /differs .* in --distill \(0 → 10\)/);
  assert.throws(() => f.open(true, { lr: 0.01, distill: 0 }, false, defaults), /--lr \(0.1 → 0.01\)/);
});

test('config and metrics are written as JSON under their names, with no temp file left', () => {
  const dir = fresh();
  const f = new RunFolder(dir);
  f.open(false, {});
  f.writeConfig({ lr: 0.5, name: 'x' });
  f.writeMetrics({ ndcg: 0.25 });
  f.writeMetrics({ ndcg: 0.75 });
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), { lr: 0.5, name: 'x' });
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')), { ndcg: 0.75 });
  assert.deepEqual(readdirSync(dir).sort(), ['.recexplainer.json', 'config.json', 'metrics.json']);
});

test('checkFinite names the first non-finite weight, its element, and the last good checkpoint', () => {
  const dir = fresh();
  const f = new RunFolder(dir);
  f.open(false, {});
  const ok = { a: { data: Float32Array.of(1, -2) }, b: { data: [0, 3e38] } };
  f.checkFinite(ok, 'after epoch 1');
  const bad = { a: { data: Float32Array.of(1, 2) }, b: { data: Float32Array.of(0, 0, NaN) }, c: { data: [Infinity] } };
  assert.throws(
    () => f.checkFinite(bad, 'after epoch 2'),
    (e: Error) =>
      e instanceof UserError &&
      e.message ===
        'weights of b are not finite (element 2 is NaN) after epoch 2; stopped, no checkpoint was written yet (try a lower --lr)',
  );
  writeFileSync(f.checkpoint, 'x');
  assert.throws(
    () => f.checkFinite({ c: { data: [-Infinity] } }, 'after epoch 3'),
    (e: Error) =>
      e instanceof UserError &&
      e.message ===
        `weights of c are not finite (element 0 is -Infinity) after epoch 3; stopped, the last good checkpoint is ${f.checkpoint} (try a lower --lr)`,
  );
});

test('the training log: a fresh run empties it; a resumed one drops entries at or past its first new one', () => {
  const dir = fresh();
  const f = new RunFolder(dir);
  f.open(false, {});
  const lines = () =>
    readFileSync(f.log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { epoch: number; loss: number });
  const log = f.trainLog<{ epoch: number; loss: number }>(false, (e) => e.epoch);
  for (const epoch of [1, 2, 3]) log.push({ epoch, loss: epoch / 10 });
  assert.deepEqual(
    lines().map((e) => e.epoch),
    [1, 2, 3],
  );
  // a checkpoint at epoch 1, a killed run's tail at epochs 2 and 3
  const resumed = f.trainLog<{ epoch: number; loss: number }>(true, (e) => e.epoch);
  assert.equal(resumed.entries.length, 3);
  resumed.push({ epoch: 2, loss: 7 });
  assert.deepEqual(lines(), [
    { epoch: 1, loss: 0.1 },
    { epoch: 2, loss: 7 },
  ]);
  assert.deepEqual(resumed.entries, lines());
  f.trainLog(false, (e: { epoch: number }) => e.epoch);
  assert.equal(readFileSync(f.log, 'utf8'), '');
});
