// Learning test: from random initialisation a tiny Llama (hidden 64, 2 layers) and a user
// projector learn to map 50 random "user" vectors (prompt: <user> + a fixed prefix) to 50
// distinct 3–5-token titles, trained on the response tokens only, then greedy-decode all 50 exactly.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/rng.js';
import { tf } from '../../src/engine/tf.js';
import { greedyDecode } from '../../src/lm/decode/search.js';
import { Llama } from '../../src/lm/model/llama.js';
import { Projector } from '../../src/lm/model/projector.js';
import { trainLm, type LmExample, type LmLogEntry } from '../../src/lm/train/train.js';

const EOS = 1;
const USER = 2;
const PREFIX = [3, 4, 5]; // e.g. "the user likes"
const WORDS = 24; // title tokens 6..29
const N = 50;
const D = 16; // recommender embedding size

before(async () => {
  await initEngine({ backend: 'wasm' });
});

test('a tiny LM learns 50 user vectors → titles through the projector and decodes all exactly', () => {
  const rng = new Rng(42);
  const titles: number[][] = [];
  const seen = new Set<string>();
  while (titles.length < N) {
    const t = Array.from({ length: 3 + rng.int(3) }, () => 6 + rng.int(WORDS));
    if (!seen.has(t.join())) (seen.add(t.join()), titles.push(t));
  }
  const users = Array.from({ length: N }, () => Float32Array.from({ length: D }, () => (rng.next() * 2 - 1) * Math.sqrt(3)));
  const prompt = [USER, ...PREFIX];
  const examples: LmExample[] = titles.map((t, i) => ({
    ids: [...prompt, ...t, EOS],
    lossMask: [...prompt.map(() => 0), ...t.map(() => 1), 1],
    soft: [{ pos: 0, kind: 'user', vector: users[i] }],
  }));
  const model = new Llama(
    {
      vocab_size: 6 + WORDS,
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      intermediate_size: 128,
      max_position_embeddings: 32,
    },
    1,
  );
  const proj = new Projector(D, 64, 2, 'user_proj');
  const log: LmLogEntry[] = [];
  const t0 = performance.now();
  const r = trainLm(
    model,
    examples,
    { lr: 3e-3, epochs: 150, batchSize: 25, warmupSteps: 20, weightDecay: 0, seed: 3, quiet: true },
    { projectors: { user: proj }, onLog: (e) => log.push(e) },
  );
  const secs = (performance.now() - t0) / 1000;
  assert.equal(log.length, r.steps);
  assert.ok(r.losses.at(-1)! < 0.05 * r.losses[0], `loss ${r.losses[0]} → ${r.losses.at(-1)}`);
  const vectors = proj.forward(
    tf.tensor2d(
      users.flatMap((u) => [...u]),
      [N, D],
    ),
  );
  const out = greedyDecode(
    model,
    titles.map(() => ({ ids: prompt })),
    { maxNewTokens: 8, eosId: EOS },
    { slots: titles.map((_, i) => [i, 0] as const), vectors },
  );
  const wrong = out.map((o, i) => (o.join() === titles[i].join() ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(wrong, [], `wrong titles for users ${wrong.join(', ')} after ${r.steps} steps (${secs.toFixed(1)} s)`);
  console.log(`learned ${N} titles in ${r.steps} steps, ${secs.toFixed(1)} s, final loss ${r.losses.at(-1)!.toFixed(4)}`);
  model.dispose();
  proj.dispose();
});
