// train-rec on a small synthetic data set: it learns (beats a random ranking), the same seed
// gives identical metrics, MF trains too, and a run killed mid-way resumes from its checkpoint
// to exactly the result of an uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliKilledAt } from '../cli/helpers.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { ringDataset } from './fixture.js';

const data = ringDataset();
const tmp = () => mkdtempSync(join(tmpdir(), 'rec-'));
const SMALL = ['--hidden', '16', '--max-len', '10', '--batch-size', '32', '--lr', '0.01', '--eval-every', '2', '--quiet'];

/** metrics.json without its timings (which differ from run to run). */
function metrics(out: string): Record<string, Record<string, number>> {
  const { sec_per_epoch: _s, seq_per_sec: _q, ...m } = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  return m;
}

test('SASRec learns the ring data: test NDCG@10 well above a random ranking; same seed → same metrics', () => {
  const a = join(tmp(), 'a');
  const r = cli(['train-rec', '--data', data, '--out', a, '--epochs', '16', ...SMALL]);
  assert.equal(r.code, 0, r.stderr);
  const m = metrics(a);
  // 120 items: a random full-catalogue ranking has NDCG@10 of about 0.03
  assert.ok(m.full['ndcg@10'] > 0.3, `full ndcg@10 ${m.full['ndcg@10']}`);
  for (const k of ['hr@5', 'ndcg@5', 'hr@10', 'ndcg@10', 'hr@20', 'ndcg@20']) assert.equal(typeof m.full[k], 'number');
  const b = join(tmp(), 'b');
  cli(['train-rec', '--data', data, '--out', b, '--epochs', '16', ...SMALL]);
  assert.deepEqual(metrics(b), metrics(a));
  const emb = readSafetensors(join(a, 'embeddings.safetensors'));
  assert.deepEqual(emb.tensors.item_emb.shape, [121, 16]);
  assert.deepEqual(emb.tensors.user_emb.shape, [200, 16]);
});

test('MF trains and is evaluated with the same metrics', () => {
  const out = join(tmp(), 'mf');
  const r = cli([
    'train-rec',
    '--data',
    data,
    '--out',
    out,
    '--model',
    'mf',
    '--epochs',
    '20',
    '--hidden',
    '16',
    '--lr',
    '0.01',
    '--eval-every',
    '5',
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const m = metrics(out);
  assert.ok(m.sampled100['hr@10'] > 0, JSON.stringify(m.sampled100));
  assert.equal(typeof m.full['ndcg@20'], 'number');
});

test('a run killed mid-way resumes from its checkpoint to the uninterrupted result', async () => {
  const straight = join(tmp(), 's');
  assert.equal(cli(['train-rec', '--data', data, '--out', straight, '--epochs', '8', ...SMALL]).code, 0);
  const out = join(tmp(), 'k');
  // kill once at least 2 epochs are checkpointed, before the run can finish
  await cliKilledAt(
    ['train-rec', '--data', data, '--out', out, '--epochs', '8', ...SMALL],
    join(out, 'train_log.jsonl'),
    2,
    join(out, 'metrics.json'),
  );
  assert.ok(!existsSync(join(out, 'metrics.json')));
  const again = cli(['train-rec', '--data', data, '--out', out, '--epochs', '8', ...SMALL]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /pass --resume/);
  const resumed = cli(['train-rec', '--data', data, '--out', out, '--epochs', '8', '--resume', ...SMALL]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(metrics(out), metrics(straight));
});

test('a resume with another model or shape is refused with a one-line error naming the changed flags', () => {
  const out = join(tmp(), 'c');
  assert.equal(cli(['train-rec', '--data', data, '--out', out, '--epochs', '2', ...SMALL]).code, 0);
  const r = cli(['train-rec', '--data', data, '--out', out, '--epochs', '4', '--resume', ...SMALL.map((x) => (x === '16' ? '32' : x))]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--resume: the config differs .*--hidden \(16 → 32\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const mf = cli(['train-rec', '--data', data, '--out', out, '--epochs', '4', '--resume', '--model', 'mf', '--quiet']);
  assert.match(mf.stderr, /--model \("sasrec" → "mf"\)/);
});

test('a diverging run stops with one line and keeps a loadable checkpoint with finite weights', () => {
  const out = join(tmp(), 'nan');
  const r = cli([
    'train-rec',
    '--data',
    data,
    '--out',
    out,
    '--epochs',
    '6',
    '--lr',
    '1e12',
    '--batch-size',
    '200',
    '--hidden',
    '16',
    '--max-len',
    '10',
    '--quiet',
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /(loss is NaN|not finite).*last good checkpoint/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const ck = readSafetensors(join(out, 'checkpoint.safetensors'));
  for (const [name, t] of Object.entries(ck.tensors)) assert.ok(t.data.every(Number.isFinite), name);
});
