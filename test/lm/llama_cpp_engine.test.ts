// The llama.cpp text engine (src/lm/decode/llama_cpp.ts) against our decoder on one random GQA
// model written with our GGUF writer (F32, so both read the same weights), llama.cpp on one thread:
// greedy answers are the same tokens up to a near-tie of ours (llama.cpp's own loop, batches wider
// than its sequences split); its rows are the whole vocabulary's log-probabilities; beam search and
// grounded (constrained) decoding give our top answer wherever our two best scores are further
// apart than the engines can disagree; every score (beams, likelihoods of fixed answers) is within
// that bound of ours. With llama.cpp's own precision (F16 KV cache, flash attention) likelihoods
// stay within the golden tests' bound.
//
// The bounds, on logits relative to the top token: DELTA = 1e-3 for the exact engine (F32 KV cache,
// no flash attention: float32 rounding in another summation order, ≤ 6e-5 measured); DEFAULT_DELTA
// = 0.05 for llama.cpp's defaults, the golden tests' bound (gguf.test.ts; 1.2e-2 measured on this
// model, 1.4e-2 to 2.5e-2 on theirs). A token's log-probability z_t − lse(z) = (z_t − z_top) −
// log Σ_i exp(z_i − z_top) moves by at most δ in the first term and, the second's change being a
// p-weighted mean of the same differences to first order, about δ in the second: 2δ per token,
// n·2δ for an n-token answer. A greedy choice can differ only where our two best (allowed) logits are within δ.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { UserError } from '../../src/engine/errors.js';
import { tf } from '../../src/engine/tf.js';
import { listConstraint } from '../../src/lm/decode/constraint.js';
import { openLlamaCpp } from '../../src/lm/decode/llama_cpp.js';
import { beamSearch, greedyDecode, type Beam, type Prompt } from '../../src/lm/decode/search.js';
import type { TextEngine } from '../../src/lm/decode/text_engine.js';
import { TokenTrie } from '../../src/lm/decode/trie.js';
import { writeLlamaGguf } from '../../src/lm/io/gguf_write.js';
import { Llama } from '../../src/lm/model/llama.js';
import { Rng } from '../../src/engine/rng.js';
import { placeholderVocab, RANDOM_CFG as CFG } from './llama_cpp.js';

const EOS = 2;
const DELTA = 1e-3; // the exact engine's logits relative to the top token
const DEFAULT_DELTA = 0.05; // llama.cpp's defaults (gguf.test.ts)
const PER_TOKEN = 2 * DELTA; // a token's log-probability
const SEQUENCES = 5;

let model: Llama;
let engine: TextEngine | undefined;
let defaults: TextEngine | undefined; // llama.cpp's own precision
let skip: string | undefined;

before(async () => {
  await initEngine({ backend: 'wasm' });
  model = new Llama({ ...CFG, tie_word_embeddings: false }, 7, 0.5);
  const file = join(mkdtempSync(join(tmpdir(), 'llama-cpp-engine-')), 'random.gguf');
  writeLlamaGguf(file, model, { tokenizer: placeholderVocab(CFG.vocab_size) });
  try {
    engine = openLlamaCpp(file, { threads: 1, sequences: SEQUENCES }); // one thread: no spinning workers on a busy machine
    defaults = openLlamaCpp(file, { threads: 1, sequences: SEQUENCES, exact: false });
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    skip = e.message;
  }
});

after(() => {
  engine?.dispose();
  defaults?.dispose();
  model?.dispose();
});

const PROMPTS = [
  [1, 5, 9, 270],
  [1, 40],
  [1, 299, 3, 22, 22, 281, 30],
  [1, 17, 17],
  [1, 200, 100],
  [1, 8, 250, 251],
  [1, 66],
];

/** Our log-softmax rows [T][V] of the full forward over ids, in double precision. */
function logSoftmaxRows(ids: readonly number[]): Float64Array[] {
  const V = CFG.vocab_size;
  const z = tf.tidy(() => model.logits(model.forward(model.embed(Int32Array.from(ids), 1, ids.length)))).dataSync() as Float32Array;
  return Array.from({ length: ids.length }, (_, t) => {
    const row = Float64Array.from(z.subarray(t * V, (t + 1) * V));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  });
}

/** Σ log p of `answer` after `prompt` under our model. */
function ourLogProb(prompt: readonly number[], answer: readonly number[]): number {
  const rows = logSoftmaxRows([...prompt, ...answer]);
  return answer.reduce((s, t, j) => s + rows[prompt.length - 1 + j][t], 0);
}

/** Our gap between the two best (allowed) tokens at each choice of the greedy `answer`, its end included when it ended early. */
function choiceGaps(prompt: Prompt, answer: readonly number[], max: number): number[] {
  const chosen = answer.length < max ? [...answer, EOS] : answer;
  const rows = logSoftmaxRows([...prompt.ids, ...chosen]);
  const c = prompt.constraint;
  let state = c?.start();
  return chosen.map((tok, s) => {
    const row = rows[prompt.ids.length - 1 + s];
    const among = c?.allowed(state) ?? [...row.keys()];
    if (c && tok !== EOS) state = c.next(state, tok);
    const [a, b] = among.map((i) => row[i]).sort((x, y) => y - x);
    return a - (b ?? -Infinity);
  });
}

/** llama.cpp's greedy answers against ours: the same tokens up to our first near-tie (gap ≤ DELTA); returns how many were compared whole. */
function compareGreedy(prompts: readonly Prompt[], max: number): number {
  const opts = { maxNewTokens: max, eosId: EOS };
  const mine = greedyDecode(model, prompts, opts);
  const theirs = greedyDecode(engine!, prompts, opts);
  let whole = 0;
  prompts.forEach((p, b) => {
    const tie = choiceGaps(p, mine[b], max).findIndex((g) => g <= DELTA);
    if (tie < 0) whole++;
    assert.deepEqual(tie < 0 ? theirs[b] : theirs[b].slice(0, tie), tie < 0 ? mine[b] : mine[b].slice(0, tie), `prompt ${b}`);
  });
  return whole;
}

/** llama.cpp's beams against ours: each scored within the bound of our log-probability of its tokens, the top one ours where our two best are far apart; returns whether that top was compared. */
function compareBeams(prompt: Prompt, opts: { beams: number; maxNewTokens: number; lengthPenalty: number }): boolean {
  const theirs = beamSearch(engine!, prompt, { ...opts, eosId: EOS });
  const mine = beamSearch(model, prompt, { ...opts, eosId: EOS });
  assert.equal(theirs.length, mine.length);
  const tokens = (b: Beam) => (b.finished ? [...b.ids, EOS] : b.ids);
  for (const b of theirs) {
    const n = tokens(b).length;
    const diff = Math.abs(b.logProb - ourLogProb(prompt.ids, tokens(b)));
    assert.ok(diff <= n * PER_TOKEN, `beam ${b.ids}: |Δ log p| ${diff} over ${n} tokens`);
  }
  // a score moves by at most 2·DELTA per token (length-normalised: per token on average)
  const shift = (b: Beam) => PER_TOKEN * (opts.lengthPenalty === 0 ? tokens(b).length : 1);
  if (mine.length < 2 || mine[0].score - mine[1].score <= shift(mine[0]) + shift(mine[1])) return false;
  assert.deepEqual(theirs[0].ids, mine[0].ids);
  return true;
}

test('llama.cpp engine: greedy answers are our tokens, in its own loop and batches wider than its sequences', (t) => {
  if (skip) return t.skip(skip);
  const prompts = PROMPTS.map((ids) => ({ ids }));
  assert.ok(prompts.length > SEQUENCES, 'the batch is split');
  const whole = compareGreedy(prompts, 24);
  t.diagnostic(`greedy answers compared whole (no near-tie of ours): ${whole} of ${prompts.length}`);
  assert.ok(whole >= prompts.length - 2, `only ${whole} answers without a near-tie`);
});

test('llama.cpp engine: its rows are the whole vocabulary’s log-probabilities, within 2·DELTA of ours', (t) => {
  if (skip) return t.skip(skip);
  const { logits, steps } = engine!.start(PROMPTS.slice(0, 3), 3);
  steps.dispose();
  let worst = 0;
  logits.forEach((row, b) => {
    assert.equal(row.length, CFG.vocab_size);
    const p = row.reduce((s, v) => s + Math.exp(v), 0);
    assert.ok(Math.abs(p - 1) < 1e-4, `row ${b} sums to ${p}`);
    const ours = logSoftmaxRows(PROMPTS[b]).at(-1)!;
    ours.forEach((v, i) => (worst = v > Math.log(1e-4) ? Math.max(worst, Math.abs(row[i] - v)) : worst));
  });
  t.diagnostic(`max |Δ log p| over tokens with p > 1e-4: ${worst.toExponential(2)}`);
  assert.ok(worst < PER_TOKEN, `rows differ by ${worst}`);
});

/** The engine's likelihoods of random answers after each prompt (and of one with gaps in its mask) against ours, within n·2δ; returns the largest difference per answer token. */
function compareLikelihoods(e: TextEngine, delta: number): number {
  const rng = new Rng(5);
  const seqs = PROMPTS.flatMap((p) =>
    [3, 1, 6].map((n) => {
      const ids = [...p, ...Array.from({ length: n }, () => 3 + rng.int(CFG.vocab_size - 3))];
      return { ids, mask: ids.map((_, i) => (i >= p.length ? 1 : 0)) };
    }),
  );
  seqs.push({ ids: [1, 5, 9, 40, 41, 42], mask: [0, 0, 1, 0, 1, 1] }, { ids: [1, 5, 9], mask: [0, 0, 0] });
  const got = e.logProbs(seqs);
  let worst = 0;
  seqs.forEach((q, i) => {
    const rows = logSoftmaxRows(q.ids);
    const terms = q.ids.flatMap((tok, j) => (j > 0 && q.mask[j] ? [rows[j - 1][tok]] : []));
    if (terms.length === 0) return assert.deepEqual(got[i], { sum: 0, first: -Infinity });
    const sum = terms.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(got[i].sum - sum) <= terms.length * 2 * delta, `sequence ${i}: ${got[i].sum} vs ${sum}`);
    assert.ok(Math.abs(got[i].first - terms[0]) <= 2 * delta, `sequence ${i}: first ${got[i].first} vs ${terms[0]}`);
    worst = Math.max(worst, Math.abs(got[i].sum - sum) / terms.length);
  });
  return worst;
}

test('llama.cpp engine: likelihoods of fixed answers (sum and first term) within n·2·DELTA of ours, n·2·DEFAULT_DELTA at its own precision', (t) => {
  if (skip) return t.skip(skip);
  t.diagnostic(
    `max |Δ log p| per answer token: exact ${compareLikelihoods(engine!, DELTA).toExponential(2)}, llama.cpp's defaults ${compareLikelihoods(defaults!, DEFAULT_DELTA).toExponential(2)}`,
  );
});

test('llama.cpp engine: beam search gives our top answer where our scores are apart, every beam scored within the bound', (t) => {
  if (skip) return t.skip(skip);
  let compared = 0;
  for (const ids of PROMPTS) {
    if (compareBeams({ ids }, { beams: 5, maxNewTokens: 8, lengthPenalty: 1 })) compared++;
    if (compareBeams({ ids }, { beams: 3, maxNewTokens: 5, lengthPenalty: 0 })) compared++;
  }
  t.diagnostic(`top beams compared on ${compared} of ${2 * PROMPTS.length} searches`);
  assert.ok(compared >= PROMPTS.length, `only ${compared} searches had a clear top answer`);
});

test('llama.cpp engine: grounded (constrained) greedy answers are ours, constrained beams as above', (t) => {
  if (skip) return t.skip(skip);
  const rng = new Rng(9);
  const titles = Array.from({ length: 24 }, () => Array.from({ length: 1 + rng.int(4) }, () => 3 + rng.int(CFG.vocab_size - 3)));
  const SEP = 4;
  const first = new TokenTrie(titles);
  const rest = new TokenTrie(titles.map((x) => [SEP, ...x]));
  const prompts = PROMPTS.map((ids, i) => ({ ids, constraint: listConstraint({ first, rest, maxItems: 3, exclude: [i], eosId: EOS }) }));
  const whole = compareGreedy(prompts, 16);
  t.diagnostic(`constrained greedy answers compared whole: ${whole} of ${prompts.length}`);
  assert.ok(whole >= prompts.length - 2, `only ${whole} answers without a near-tie`);
  let compared = 0;
  for (const p of prompts.slice(0, 4))
    if (compareBeams({ ids: p.ids, constraint: listConstraint({ first, eosId: EOS }) }, { beams: 5, maxNewTokens: 5, lengthPenalty: 0 }))
      compared++;
  t.diagnostic(`constrained top beams compared on ${compared} of 4 searches`);
  assert.ok(compared >= 1, 'no constrained search had a clear top answer');
});

test('llama.cpp engine: soft tokens and more beams than its sequences are refused', (t) => {
  if (skip) return t.skip(skip);
  const soft = { slots: [[0, 0]] as [number, number][], vectors: tf.zeros([1, CFG.hidden_size]) };
  assert.throws(() => greedyDecode(engine!, [{ ids: [1, 5] }], { maxNewTokens: 2 }, soft), /text-only engine takes no soft tokens/);
  soft.vectors.dispose();
  assert.throws(() => beamSearch(engine!, { ids: [1, 5] }, { maxNewTokens: 2, beams: SEQUENCES + 1 }), /6 rows, it decodes at most 5/);
});
