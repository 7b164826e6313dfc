// pretrain on the ring data set with a tiny model: held-out perplexity falls far below the
// uniform one, a run killed mid-way resumes to exactly the uninterrupted result (also after a copy
// curriculum, which the resumed run skips), the saved model.safetensors reproduces the logits, a
// tied model is saved without lm_head.weight, and a mis-shaped checkpoint is a one-line error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliKilledAt } from '../cli/helpers.js';
import { ringDataset } from '../rec/fixture.js';
import { initEngine } from '../../src/engine/backend.js';
import { DataError } from '../../src/engine/errors.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { tf } from '../../src/engine/tf.js';
import { loadLm, setLmWeights } from '../../src/lm/io/checkpoint.js';
import { Llama } from '../../src/lm/model/llama.js';
import { Tokenizer } from '../../src/lm/tokenizer/tokenizer.js';

const data = ringDataset();
const tmp = () => mkdtempSync(join(tmpdir(), 'pt-'));
// 50 steps of 256 tokens: a 53k-parameter model gets more than 0.7 nat per token below uniform (512).
const TINY = [
  '--layers',
  '2',
  '--hidden',
  '32',
  '--heads',
  '2',
  '--kv-heads',
  '2',
  '--ffn',
  '64',
  '--vocab',
  '512',
  '--seq-len',
  '32',
  '--batch-size',
  '8',
  '--steps',
  '50',
  '--warmup',
  '5',
  '--lr',
  '1e-2',
  '--eval-every',
  '10',
  '--copy-steps',
  '0',
  '--no-tied',
  '--quiet',
];

/** metrics.json without its timings. */
function metrics(out: string): Record<string, number> {
  const { seconds: _s, copy_seconds: _c, ...m } = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  return m;
}

const straight = join(tmp(), 's');

test('pretrain learns: held-out perplexity far below the uniform one; HF-style outputs', () => {
  const r = cli(['pretrain', '--data', data, '--out', straight, ...TINY]);
  assert.equal(r.code, 0, r.stderr);
  const m = metrics(straight);
  assert.equal(m.vocab, 512);
  assert.equal(m.tokens_seen, 50 * 8 * 32);
  assert.ok(m.heldout_ppl < m.vocab / 2, `held-out perplexity ${m.heldout_ppl} vs uniform ${m.vocab}`);
  assert.ok(Math.abs(Math.exp(m.heldout_loss) - m.heldout_ppl) < 1e-6 * m.heldout_ppl);
  const cfg = JSON.parse(readFileSync(join(straight, 'config.json'), 'utf8'));
  assert.equal(cfg.model_type, 'llama');
  assert.equal(cfg.hidden_size, 32);
  const names = Object.keys(readSafetensors(join(straight, 'model.safetensors')).tensors);
  assert.ok(names.includes('model.layers.0.self_attn.q_proj.weight') && names.includes('lm_head.weight'));
  for (const f of ['tokenizer.json', 'loss.svg', 'train_log.jsonl']) assert.ok(existsSync(join(straight, f)), f);
  const log = readFileSync(join(straight, 'train_log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(log.length, 50);
  assert.equal(log.filter((e) => e.heldout_ppl !== undefined).length, 5);
});

test('a run killed mid-way resumes from its checkpoint to the uninterrupted result', async () => {
  const out = join(tmp(), 'k');
  const log = join(out, 'train_log.jsonl');
  // kill between checkpoints (after step 20's, before step 30's), so the log holds steps the checkpoint lacks
  await cliKilledAt(['pretrain', '--data', data, '--out', out, ...TINY], log, 23, join(out, 'metrics.json'), 5);
  assert.ok(!existsSync(join(out, 'metrics.json')));
  const again = cli(['pretrain', '--data', data, '--out', out, ...TINY]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /pass --resume/);
  const resumed = cli(['pretrain', '--data', data, '--out', out, '--resume', ...TINY]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(metrics(out), metrics(straight));
  assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 50);
});

test('with a copy curriculum (tied head): its steps logged first, the probe in metrics.json; a killed run resumes to the same result', async () => {
  const tied = TINY.filter((x) => x !== '--no-tied');
  const copyFlags = [...tied.map((x, i) => (tied[i - 1] === '--copy-steps' ? '4' : x)), '--copy-batch-size', '16', '--copy-replay', '0.2'];
  const a = join(tmp(), 'c');
  const r = cli(['pretrain', '--data', data, '--out', a, ...copyFlags]);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(a, 'metrics.json'), 'utf8'));
  assert.equal(m.tied, true);
  assert.equal(m.copy_steps, 4);
  assert.equal(m.steps, 50);
  assert.ok(m.copy_tokens > 4 * 16 * 2 && m.copy_seconds > 0);
  for (const p of [m.copy_probe, m.copy_probe_after_curriculum])
    for (const k of ['span8', 'titles9']) assert.ok(p[k] >= 0 && p[k] <= 1, `${k} ${p[k]}`);
  const log = readFileSync(join(a, 'train_log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    log.map((e) => e.phase + e.step),
    [...[1, 2, 3, 4].map((s) => `copy${s}`), ...Array.from({ length: 50 }, (_, i) => `text${i + 5}`)],
  );
  const names = Object.keys(readSafetensors(join(a, 'model.safetensors')).tensors);
  assert.ok(names.includes('model.embed_tokens.weight') && !names.includes('lm_head.weight'));
  assert.equal(JSON.parse(readFileSync(join(a, 'config.json'), 'utf8')).tie_word_embeddings, true);

  const k = join(tmp(), 'ck');
  await cliKilledAt(['pretrain', '--data', data, '--out', k, ...copyFlags], join(k, 'train_log.jsonl'), 4 + 23, join(k, 'metrics.json'), 5);
  const resumed = cli(['pretrain', '--data', data, '--out', k, '--resume', ...copyFlags]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(metrics(k), metrics(a));
});

test('model.safetensors reloads to the same logits; a mis-shaped checkpoint is a one-line error', async () => {
  await initEngine({ backend: 'wasm' });
  const tok = Tokenizer.load(join(straight, 'tokenizer.json'));
  const ids = Int32Array.from(tok.encode('Item 7 follows Item 6.'));
  const logits = (m: Llama) => tf.tidy(() => m.logits(m.forward(m.embed(ids, 1, ids.length))).dataSync());
  const a = loadLm(straight);
  const b = loadLm(straight);
  const la = logits(a);
  assert.deepEqual(logits(b), la);
  const fresh = new Llama(a.cfg, 99);
  assert.notDeepEqual(logits(fresh), la);
  setLmWeights(fresh, readSafetensors(join(straight, 'model.safetensors')).tensors, 'model.safetensors');
  assert.deepEqual(logits(fresh), la);

  const other = new Llama({ ...a.cfg, intermediate_size: 48 });
  const file = join(straight, 'model.safetensors');
  assert.throws(
    () => setLmWeights(other, readSafetensors(file).tensors, file),
    (e: unknown) =>
      e instanceof DataError && /mlp\.gate_proj\.weight.*shape \[64,32\].*\[48,32\]/.test(e.message) && !e.message.includes('\n'),
  );
  const bad = join(tmp(), 'bad');
  assert.equal(cli(['pretrain', '--data', data, '--out', bad, ...TINY.map((x) => (x === '50' ? '10' : x))]).code, 0);
  const cfgPath = join(bad, 'config.json');
  writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), num_hidden_layers: 3 }));
  assert.throws(
    () => loadLm(bad),
    (e: unknown) => e instanceof DataError && /model\.layers\.2\..*missing/.test(e.message) && !e.message.includes('\n'),
  );
  const r = cli(['pretrain', '--data', data, '--out', bad, '--resume', ...TINY.map((x) => (x === '32' ? '64' : x))]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--resume: the config differs .*--hidden \(32 → 64\)/); // refused before the checkpoint is read
  assert.equal(r.stderr.trim().split('\n').length, 1);
  for (const m of [a, b, fresh, other]) m.dispose();
});
