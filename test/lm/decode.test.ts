// Decoding: KV-cache greedy equals greedy by full recomputation (single and batched, with soft
// tokens); beam search returns distinct sequences sorted by score, with exact log-probabilities,
// and with one beam (no length penalty) it is greedy decoding; all of it for untied and tied heads and a
// Qwen2-style model (q/k/v biases, tied head, llama3 rope scaling), on the fast (wasm) and the
// reference (tfjs) steps.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.js';
import { tf } from '../../src/engine/tf.js';
import { beamSearch, greedyDecode } from '../../src/lm/decode/search.js';
import { injectSoftTokens, Llama } from '../../src/lm/model/llama.js';
import { EOS, TINY } from './tiny.js';

before(async () => {
  await initEngine({ backend: 'wasm' });
});

/** Log-softmax rows of the full forward over ids (soft vector at `soft` if given). */
function fullLogProbs(m: Llama, ids: number[], soft?: { pos: number; vector: Tensor }): number[][] {
  return tf.tidy(() => {
    let x = m.embed(Int32Array.from(ids), 1, ids.length);
    if (soft) x = injectSoftTokens(x, Int32Array.from([soft.pos]), soft.vector);
    return tf.logSoftmax(m.logits(m.forward(x))).arraySync() as number[][][];
  })[0];
}

/** Greedy decoding without a cache: the whole sequence is recomputed for every token. */
function greedyByRecompute(m: Llama, prompt: number[], maxNew: number, soft?: { pos: number; vector: Tensor }): number[] {
  const seq = [...prompt];
  const out: number[] = [];
  for (let n = 0; n < maxNew; n++) {
    const last = fullLogProbs(m, seq, soft).at(-1)!;
    const t = last.indexOf(Math.max(...last));
    if (t === EOS) break;
    out.push(t);
    seq.push(t);
  }
  return out;
}

const SHAPES = {
  untied: {},
  tied: { tie_word_embeddings: true },
  'biased (qwen2), llama3 rope, tied': {
    tie_word_embeddings: true,
    qkv_bias: true,
    rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 },
  },
} as const;

for (const [engine, head] of (['wasm', 'tfjs'] as const).flatMap((e) =>
  (Object.keys(SHAPES) as (keyof typeof SHAPES)[]).map((h) => [e, h] as const),
)) {
  /** A random model of this shape, biases random too (they start at zero). */
  const newModel = (seed: number) => {
    const m = new Llama({ ...TINY, ...SHAPES[head] }, seed, 0.4);
    m.layers.forEach((l, i) =>
      [l.q, l.k, l.v].forEach((s, j) => s.b?.assign(tf.randomNormal(s.b.shape, 0, 0.5, 'float32', seed + 10 * i + j))),
    );
    return m;
  };
  test(`${engine} steps, ${head} head: KV-cache greedy decoding gives exactly the tokens of full recomputation (also batched, left-padded)`, () => {
    const m = newModel(11);
    const prompts = [[5, 9, 2, 33], [7], [12, 3, 3, 8, 20, 21, 4]];
    const want = prompts.map((p) => greedyByRecompute(m, p, 20));
    assert.ok(
      want.some((w) => w.length >= 10),
      'the test should decode long enough sequences',
    );
    prompts.forEach((p, i) => assert.deepEqual(greedyDecode(m, [{ ids: p }], { maxNewTokens: 20, eosId: EOS, engine })[0], want[i]));
    assert.deepEqual(
      greedyDecode(
        m,
        prompts.map((ids) => ({ ids })),
        { maxNewTokens: 20, eosId: EOS, engine },
      ),
      want,
    );
    m.dispose();
  });

  test(`${engine} steps, ${head} head: greedy decoding with a soft token in the prompt`, () => {
    const m = newModel(12);
    const vector = tf.randomNormal([1, TINY.hidden_size], 0, 1, 'float32', 3);
    const prompt = [4, 39, 6, 7];
    const want = greedyByRecompute(m, prompt, 12, { pos: 1, vector });
    const plain = greedyByRecompute(m, prompt, 12);
    assert.notDeepEqual(want, plain);
    const got = greedyDecode(
      m,
      [{ ids: [2, 2] }, { ids: prompt }],
      { maxNewTokens: 12, eosId: EOS, engine },
      { slots: [[1, 1]], vectors: vector },
    );
    assert.deepEqual(got[1], want);
    m.dispose();
  });

  test(`${engine} steps, ${head} head: beam search: 5 distinct sequences sorted by score, scores = recomputed log-probabilities; beam 1 = greedy`, () => {
    const m = newModel(13);
    const prompt = [8, 17, 3];
    const beams = beamSearch(m, { ids: prompt }, { maxNewTokens: 8, eosId: EOS, beams: 5, engine });
    assert.equal(beams.length, 5);
    assert.equal(new Set(beams.map((b) => b.ids.join(','))).size, 5);
    for (let i = 1; i < beams.length; i++) assert.ok(beams[i - 1].score >= beams[i].score);
    for (const b of beams) {
      const seq = [...prompt, ...b.ids, ...(b.finished ? [EOS] : [])];
      const lp = fullLogProbs(m, seq);
      const sum = seq.slice(prompt.length).reduce((s, t, j) => s + lp[prompt.length - 1 + j][t], 0);
      assert.ok(Math.abs(sum - b.logProb) < 1e-3, `${sum} vs ${b.logProb}`);
      const len = b.ids.length + (b.finished ? 1 : 0);
      assert.ok(Math.abs(b.score - b.logProb / len) < 1e-9);
    }
    // the best beam is at least as likely (length-normalised) as the greedy sequence
    const greedy = greedyDecode(m, [{ ids: prompt }], { maxNewTokens: 8, eosId: EOS, engine })[0];
    const gseq = [...prompt, ...greedy];
    const glp = fullLogProbs(m, [...gseq, EOS]);
    const gEnded = greedy.length < 8;
    const gTokens = gEnded ? [...greedy, EOS] : greedy;
    const gScore = gTokens.reduce((s, t, j) => s + glp[prompt.length - 1 + j][t], 0) / gTokens.length;
    assert.ok(beams[0].score >= gScore - 1e-6);
    for (const seed of [14, 15, 16]) {
      const mm = newModel(seed);
      const one = beamSearch(mm, { ids: prompt }, { maxNewTokens: 10, eosId: EOS, beams: 1, lengthPenalty: 0, engine });
      assert.equal(one.length, 1);
      assert.deepEqual(one[0].ids, greedyDecode(mm, [{ ids: prompt }], { maxNewTokens: 10, eosId: EOS, engine })[0]);
      mm.dispose();
    }
    m.dispose();
  });
}

test('the wasm engine follows weight changes (assign, LoRA merge) and matches tfjs; no leaked tensors', () => {
  const m = new Llama(TINY, 17, 0.4);
  const prompt = [3, 9, 27];
  const first = greedyDecode(m, [{ ids: prompt }], { maxNewTokens: 6, engine: 'wasm' })[0];
  assert.deepEqual(first, greedyByRecompute(m, prompt, 6));
  m.layers[1].down.w.assign(tf.randomNormal(m.layers[1].down.w.shape, 0, 0.4, 'float32', 18));
  m.enableLora({ r: 2, alpha: 4, dropout: 0 }, 3);
  for (const a of m.adapters()) a.B.assign(tf.randomNormal(a.B.shape, 0, 0.5, 'float32', 19));
  const want = greedyByRecompute(m, prompt, 6);
  assert.notDeepEqual(want, first);
  assert.deepEqual(greedyDecode(m, [{ ids: prompt }], { maxNewTokens: 6, engine: 'wasm' })[0], want);
  m.adapters().forEach((a) => a.merge());
  assert.deepEqual(greedyDecode(m, [{ ids: prompt }], { maxNewTokens: 6, engine: 'wasm' })[0], want);
  // one step's logits, wasm against tfjs
  const beamW = beamSearch(m, { ids: prompt }, { maxNewTokens: 3, beams: 3, engine: 'wasm' });
  const beamT = beamSearch(m, { ids: prompt }, { maxNewTokens: 3, beams: 3, engine: 'tfjs' });
  beamW.forEach((b, i) => assert.ok(Math.abs(b.logProb - beamT[i].logProb) < 1e-4 && b.ids.join() === beamT[i].ids.join()));
  const before = tf.memory().numTensors;
  for (const engine of ['wasm', 'tfjs'] as const) {
    greedyDecode(m, [{ ids: prompt }, { ids: [5] }], { maxNewTokens: 4, engine });
    beamSearch(m, { ids: prompt }, { maxNewTokens: 4, engine });
  }
  assert.equal(tf.memory().numTensors, before, 'decoding leaked tensors');
  m.dispose();
});

test('decode options are checked', () => {
  const m = new Llama(TINY, 1);
  assert.throws(() => greedyDecode(m, [{ ids: [1] }], { maxNewTokens: 0 }), /maxNewTokens/);
  assert.throws(() => greedyDecode(m, [{ ids: [1] }], { maxNewTokens: 64 }), /max_position_embeddings/);
  assert.throws(() => greedyDecode(m, [{ ids: [] }], { maxNewTokens: 3 }), /empty prompt/);
  assert.throws(() => beamSearch(m, { ids: [1] }, { maxNewTokens: 3, beams: 0 }), /beams/);
  m.dispose();
});
