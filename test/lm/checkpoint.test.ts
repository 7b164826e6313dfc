// Model folders: a model saved whole and the same weights split into HF-style shards with an
// index load to identical logits; a missing shard or a tensor the index puts elsewhere is a
// one-line DataError naming the file.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { DataError } from '../../src/engine/errors.js';
import { readSafetensors, writeSafetensors } from '../../src/engine/safetensors.js';
import { tf } from '../../src/engine/tf.js';
import { INDEX_FILE, WEIGHTS_FILE, loadLm, saveLm } from '../../src/lm/io/checkpoint.js';
import { Llama } from '../../src/lm/model/llama.js';

const CFG = {
  vocab_size: 40,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  intermediate_size: 24,
  max_position_embeddings: 32,
};

before(async () => {
  await initEngine({ backend: 'wasm' });
});

test('sharded weights with an index load like the single file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shards-'));
  const m = new Llama(CFG, 3, 0.2);
  saveLm(dir, m);
  const ids = Int32Array.from([1, 5, 9, 2]);
  const logits = (x: Llama) => tf.tidy(() => Array.from(x.logits(x.forward(x.embed(ids, 1, 4))).dataSync()));
  const want = logits(m);
  const all = readSafetensors(join(dir, WEIGHTS_FILE)).tensors;
  const names = Object.keys(all);
  const weightMap: Record<string, string> = {};
  names.forEach((n, i) => (weightMap[n] = i % 2 === 0 ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors'));
  for (const shard of new Set(Object.values(weightMap))) {
    writeSafetensors(
      join(dir, shard),
      Object.fromEntries(
        names
          .filter((n) => weightMap[n] === shard)
          .map((n) => [n, { dtype: 'F32' as const, shape: all[n].shape, data: Float32Array.from(all[n].data) }]),
      ),
    );
  }
  writeFileSync(join(dir, INDEX_FILE), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  rmSync(join(dir, WEIGHTS_FILE));
  const back = loadLm(dir);
  assert.deepEqual(logits(back), want);

  const moved = { ...weightMap, [names[0]]: 'model-00002-of-00002.safetensors' };
  writeFileSync(join(dir, INDEX_FILE), JSON.stringify({ weight_map: moved }));
  assert.throws(
    () => loadLm(dir),
    (e: unknown) =>
      e instanceof DataError &&
      /model-00001-of-00002\.safetensors.*the index puts this tensor in/.test(e.message) &&
      !e.message.includes('\n'),
  );
  rmSync(join(dir, 'model-00002-of-00002.safetensors'));
  writeFileSync(join(dir, INDEX_FILE), JSON.stringify({ weight_map: weightMap }));
  assert.throws(
    () => loadLm(dir),
    (e: unknown) => e instanceof DataError && /shard model-00002-of-00002\.safetensors is missing/.test(e.message),
  );
  for (const x of [m, back]) x.dispose();
});
