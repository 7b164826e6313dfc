// ggml block formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K): hand-built blocks read through
// the GGUF reader to hand-computed values; quantise → dequantise within a stated bound per type, the
// 32-blocks a fixed point; bytes and floats equal to ggml's own reference quantisers/dequantisers;
// export-gguf's per-tensor types (llama-quantize's rules); a random model written in each type decodes
// greedily like llama.cpp; one-line DataErrors for truncated data and rows that split a block.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/rng.js';
import { tf } from '../../src/engine/tf.js';
import { BLOCK_CODECS, dequantize, quantize, type BlockCodec } from '../../src/lm/io/ggml_quants.js';
import { ggufTensor, parseGguf, readGguf } from '../../src/lm/io/gguf_read.js';
import { GGUF_WEIGHT_TYPES, ggmlTypeOf } from '../../src/lm/io/gguf_types.js';
import { encodeLlamaGguf, writeLlamaGguf } from '../../src/lm/io/gguf_write.js';
import { loadBaseModel } from '../../src/lm/io/load.js';
import { Llama } from '../../src/lm/model/llama.js';
import { assertOneLineDataError, compareWithLlamaCpp, miniGguf, nodeLlamaCpp, placeholderVocab, STEPS } from './llama_cpp.js';

const dir = mkdtempSync(join(tmpdir(), 'quants-test-'));
const ID: Record<string, number> = Object.fromEntries([...BLOCK_CODECS].map(([id, c]) => [c.name, id]));
const codec = (name: string): BlockCodec => BLOCK_CODECS.get(ID[name])!;

before(async () => {
  await initEngine({ backend: 'wasm' });
});

/** One tensor of the given type and bytes, read back through the GGUF reader (−0 read as 0). */
function readBack(type: string, values: number, bytes: Uint8Array): number[] {
  const g = parseGguf(miniGguf('llama', [{ name: 't', dims: [values, 1], type: ID[type], data: bytes }]), `${type}.gguf`);
  const t = ggufTensor(g, 't');
  assert.deepEqual(t.shape, [1, values]);
  return [...t.data].map((v) => v + 0);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const block = (...parts: (number[] | Uint8Array)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const f16 = (h: number): number[] => [h & 0xff, h >> 8]; // 0x3800 0.5, 0x3400 0.25, 0x3c00 1, 0xbe00 −1.5, 0xc400 −4, 0x3000 0.125

test('hand-built 32-blocks: Q4_0, Q4_1 (negative min), Q5_0, Q5_1 (negative min), Q8_0', () => {
  // Q4_0: d 0.5; byte j holds value j (low nibble) and value j+16 (high); value = (q − 8)·d
  const q40 = block(
    f16(0x3800),
    range(16).map((j) => j | ((15 - j) << 4)),
  );
  assert.deepEqual(readBack('Q4_0', 32, q40), [...range(16).map((j) => (j - 8) * 0.5), ...range(16).map((j) => (7 - j) * 0.5)]);
  // Q4_1: d 0.25, m −1.5; value = q·d + m
  const q41 = block(
    f16(0x3400),
    f16(0xbe00),
    range(16).map((j) => (15 - j) | (j << 4)),
  );
  assert.deepEqual(readBack('Q4_1', 32, q41), [...range(16).map((j) => (15 - j) * 0.25 - 1.5), ...range(16).map((j) => j * 0.25 - 1.5)]);
  // Q5_0: d 1, qh 0x80000001: values 0 and 31 get their fifth bit (+16); value = q − 16
  const q50 = block(
    f16(0x3c00),
    [0x01, 0, 0, 0x80],
    range(16).map((j) => j | (j << 4)),
  );
  assert.deepEqual(readBack('Q5_0', 32, q50), [0, ...range(15).map((j) => j + 1 - 16), ...range(15).map((j) => j - 16), 15]);
  // Q5_1: d 0.5, m −4, qh 0x0000ffff: values 0-15 get +16; value = q·d + m
  const q51 = block(
    f16(0x3800),
    f16(0xc400),
    [0xff, 0xff, 0, 0],
    range(16).map((j) => (15 - j) | (j << 4)),
  );
  assert.deepEqual(readBack('Q5_1', 32, q51), [...range(16).map((j) => (31 - j) * 0.5 - 4), ...range(16).map((j) => j * 0.5 - 4)]);
  // Q8_0: d 0.25, int8 q = 8j − 128 (−128 … 120)
  const q80 = block(
    f16(0x3400),
    range(32).map((j) => (8 * j - 128) & 0xff),
  );
  assert.deepEqual(
    readBack('Q8_0', 32, q80),
    range(32).map((j) => (8 * j - 128) * 0.25),
  );
});

// Sub-block scales and mins of the K test blocks, and their 12 bytes packed by hand: sub-blocks 0-3
// in the low 6 bits of bytes 0-3 (scale) and 4-7 (min); 4-7 as nibbles of bytes 8-11 (scale low,
// min high), their top 2 bits in the top 2 bits of bytes 0-3 (scale) and 4-7 (min).
const SC = [1, 2, 3, 63, 33, 17, 40, 5];
const MN = [0, 1, 2, 3, 62, 16, 31, 48];
const SCALE_BYTES = [0x81, 0x42, 0x83, 0x3f, 0xc0, 0x41, 0x42, 0xc3, 0xe1, 0x01, 0xf8, 0x05];

test('hand-built K super-blocks: Q4_K and Q5_K (6-bit scale/min packing), Q6_K (signed 8-bit scales)', () => {
  // d 0.5, dmin 0.25; byte 32c+l of qs holds value 64c+l (low nibble, sub-block 2c) and 64c+32+l (high, 2c+1)
  const nib = (l: number): number => l & 15;
  const qs = range(128).map((i) => nib(i) | ((15 - nib(i)) << 4));
  const value = (c: number, hi: 0 | 1, q: number): number => 0.5 * SC[2 * c + hi] * q - 0.25 * MN[2 * c + hi];
  const expected4 = range(4).flatMap((c) => [
    ...range(32).map((l) => value(c, 0, nib(l))),
    ...range(32).map((l) => value(c, 1, 15 - nib(l))),
  ]);
  assert.deepEqual(readBack('Q4_K', 256, block(f16(0x3800), f16(0x3400), SCALE_BYTES, qs)), expected4);
  // Q5_K: qh[l] bit 2c (2c+1) is the fifth bit of value 64c+l (64c+32+l)
  const qh = range(32).map((l) => (l * 37) & 0xff);
  const bit = (l: number, k: number): number => 16 * ((qh[l] >> k) & 1);
  const expected5 = range(4).flatMap((c) => [
    ...range(32).map((l) => value(c, 0, nib(l) + bit(l, 2 * c))),
    ...range(32).map((l) => value(c, 1, 15 - nib(l) + bit(l, 2 * c + 1))),
  ]);
  assert.deepEqual(readBack('Q5_K', 256, block(f16(0x3800), f16(0x3400), SCALE_BYTES, qh, qs)), expected5);
  // Q6_K: ql[128], qh[64], int8 scales[16], d 0.125 last. Value i: half h = i/128, group g = (i%128)/32,
  // l = i%32; low 4 bits from ql[64h + l + 32(g%2)] (low nibble for g < 2, high for g ≥ 2), top 2 bits
  // from bits 2g, 2g+1 of qh[32h + l]; minus 32; times d·scale[8h + l/16 + 2g].
  const ql = range(128).map((i) => (i * 29) & 0xff);
  const qh6 = range(64).map((i) => (i * 53 + 7) & 0xff);
  const scales = [-128, -1, 0, 1, 127, 5, -7, 64, 3, -3, 100, -100, 2, 9, -50, 33];
  const expected6 = range(256).map((i) => {
    const [h, g, l] = [i >> 7, (i & 127) >> 5, i & 31];
    const low = ql[64 * h + l + 32 * (g & 1)];
    const q = (g < 2 ? low & 15 : low >> 4) + 16 * ((qh6[32 * h + l] >> (2 * g)) & 3) - 32;
    return 0.125 * scales[8 * h + (l >> 4) + 2 * g] * q + 0;
  });
  assert.deepEqual(
    readBack(
      'Q6_K',
      256,
      block(
        ql,
        qh6,
        scales.map((s) => s & 0xff),
        f16(0x3000),
      ),
    ),
    expected6,
  );
});

/**
 * 16 super-blocks of awkward weights, 4 kinds in turn: signed gaussian, all positive, a narrow band
 * around −0.3, gaussian with 2% outliers ×30; super-block 4 all zero and super-block 9 constant.
 */
function awkward(seed: number): Float32Array {
  const rng = new Rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Float32Array.from({ length: 16 * 256 }, (_, i) => {
    const [sb, v] = [i >> 8, gauss() * 0.05];
    if (sb === 4) return 0;
    if (sb === 9) return 0.125;
    return [v, Math.abs(v) + 0.02, v * 0.1 - 0.3, rng.next() < 0.02 ? v * 30 : v][sb % 4];
  });
}

/**
 * Max |x − x̂| allowed in one block of each type, from the block's values. 32-blocks: half a step
 * (Q4_0/Q5_0: one step, as the end opposite the largest magnitude is clamped), plus the f16 rounding
 * of the scale (relative 2⁻¹¹ times the largest level) and of the min. K super-blocks: no such bound
 * holds (the scale search may clip, and 6-bit sub-scales/mins round), so these are measured worsts
 * over 6 seeds of awkward() in units of the super-block's step (range/levels) with a margin:
 * Q4_K 1.76 → 2.5, Q5_K 3.5 → 4.5, Q6_K 0.59 → 1.
 */
function errorBound(type: string, x: Float32Array): number {
  let [min, max] = [Infinity, -Infinity];
  for (const v of x) [min, max] = [Math.min(min, v), Math.max(max, v)];
  const amax = Math.max(-min, max);
  const ulp = 2 ** -11;
  const bound: Record<string, number> = {
    Q8_0: (amax / 127) * (0.5 + 127 * ulp),
    Q4_0: (amax / 8) * (1 + 8 * ulp),
    Q5_0: (amax / 16) * (1 + 16 * ulp),
    Q4_1: ((max - min) / 15) * (0.5 + 15 * ulp) + Math.abs(min) * ulp,
    Q5_1: ((max - min) / 31) * (0.5 + 31 * ulp) + Math.abs(min) * ulp,
    Q4_K: ((max - Math.min(min, 0)) / 15) * 2.5,
    Q5_K: ((max - Math.min(min, 0)) / 31) * 4.5,
    Q6_K: (amax / 32) * 1,
  };
  return bound[type];
}

test('quantise → dequantise: every block within its bound; the 32-blocks are a fixed point', () => {
  const x = awkward(11);
  for (const c of BLOCK_CODECS.values()) {
    const q = quantize(c, x);
    const y = dequantize(c, q, x.length);
    for (let o = 0; o < x.length; o += c.values) {
      const bound = errorBound(c.name, x.subarray(o, o + c.values));
      for (let i = o; i < o + c.values; i++)
        assert.ok(Math.abs(x[i] - y[i]) <= bound, `${c.name} value ${i}: |${x[i]} − ${y[i]}| > ${bound}`);
    }
    // A 32-block's end value lands exactly on an end level (Q4_0/Q5_0/Q8_0: the largest magnitude;
    // Q4_1/Q5_1: min and max), so requantising the dequantised block re-derives its f16 scale (and
    // min) and every value sits on a level. The K types refit their scales by search: no fixed point.
    if (c.values === 32) assert.deepEqual(quantize(c, y), q, `${c.name} is not a fixed point`);
  }
});

// sha256 (first 16 hex digits) of ggml's quantize_row_*_ref bytes for awkward(11) and of its
// dequantize_row_* floats of those bytes: libggml-base.so of node-llama-cpp 3.21.1, called from C.
const GGML_SHA: Record<string, [string, string]> = {
  Q4_0: ['3efbddcf43b8c2b7', '5b5602d7e7ff5942'],
  Q4_1: ['e052650c5830658f', 'a8540f679eb69001'],
  Q5_0: ['d31a8c5ec8c05f31', '3124a5eb318c3639'],
  Q5_1: ['9c8264e7171996cd', 'd9e112f47a863ac6'],
  Q8_0: ['f7842b8bceb7ce7b', '57d31f786881350b'],
  Q4_K: ['e134c7fd82cc091b', '646dbdede4e31945'],
  Q5_K: ['807a50036d9073e5', '0b6c997ae59db222'],
  Q6_K: ['d91a403a9e0ff606', 'da6b36a1d3b99032'],
};

test("golden: the bytes and floats equal ggml's reference quantisers' and dequantisers'", () => {
  const sha = (a: Uint8Array | Float32Array): string =>
    createHash('sha256')
      .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
      .digest('hex')
      .slice(0, 16);
  const x = awkward(11);
  for (const c of BLOCK_CODECS.values()) {
    const q = quantize(c, x);
    assert.deepEqual([sha(q), sha(dequantize(c, q, x.length))], GGML_SHA[c.name], c.name);
  }
});

test("export-gguf's tensor types follow llama-quantize: output Q6_K, fallbacks, norms F32", () => {
  const [F32, F16, Q4_0, Q5_0, Q5_1, Q8_0, Q4_K, Q6_K] = [0, 1, 2, 6, 7, 8, 12, 14];
  assert.equal(ggmlTypeOf('q4_k', 'blk.0.attn_norm.weight', [256], false), F32);
  assert.equal(ggmlTypeOf('f16', 'blk.0.attn_q.weight', [256, 256], false), F16);
  assert.equal(ggmlTypeOf('q4_k', 'blk.0.attn_q.weight', [256, 256], false), Q4_K);
  assert.equal(ggmlTypeOf('q4_k', 'blk.0.ffn_down.weight', [256, 96], false), Q5_0); // 96: no K block, 3 Q5_0 blocks
  assert.equal(ggmlTypeOf('q5_k', 'blk.0.ffn_down.weight', [256, 96], false), Q5_1);
  assert.equal(ggmlTypeOf('q6_k', 'blk.0.ffn_down.weight', [256, 96], false), Q8_0);
  assert.equal(ggmlTypeOf('q4_k', 'blk.0.ffn_down.weight', [256, 48], false), F16); // 48: not even a 32-block
  assert.equal(ggmlTypeOf('q4_0', 'blk.0.ffn_down.weight', [256, 48], false), F16); // llama-quantize would stop here
  assert.equal(ggmlTypeOf('q4_0', 'output.weight', [300, 256], false), Q6_K);
  assert.equal(ggmlTypeOf('q4_0', 'output.weight', [300, 96], false), Q8_0); // Q6_K does not fit 96
  assert.equal(ggmlTypeOf('q8_0', 'output.weight', [300, 256], false), Q8_0);
  assert.equal(ggmlTypeOf('q4_0', 'token_embd.weight', [300, 256], false), Q4_0); // untied: keeps the type
  assert.equal(ggmlTypeOf('q4_0', 'token_embd.weight', [300, 256], true), Q6_K); // tied: it is the output
  const m = new Llama({ ...SHAPE, intermediate_size: 96 }, 3, 0.1);
  const g = parseGguf(encodeLlamaGguf(m, { type: 'q4_k' }), 'q4k.gguf');
  const types = Object.fromEntries([...g.tensors.values()].map((t) => [t.name, t.type]));
  assert.deepEqual(
    [
      types['blk.0.attn_norm.weight'],
      types['blk.0.ffn_up.weight'],
      types['blk.0.ffn_down.weight'],
      types['output.weight'],
      types['token_embd.weight'],
    ],
    [F32, Q4_K, Q5_0, Q6_K, Q4_K],
  );
  assert.equal(g.metadata['general.file_type'], 14); // LLAMA_FTYPE_MOSTLY_Q4_K_S
  assert.equal(g.metadata['general.quantization_version'], 2);
  // what the reader gets back is the writer's quantisation of the weight, dequantised
  const up = Float32Array.from(m.layers[0].up.w.dataSync());
  assert.deepEqual(ggufTensor(g, 'blk.0.ffn_up.weight').data, dequantize(codec('Q4_K'), quantize(codec('Q4_K'), up), up.length));
  m.dispose();
});

const SHAPE = {
  vocab_size: 300,
  hidden_size: 256,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 256,
  max_position_embeddings: 128,
};
const PROMPTS = [
  [1, 5, 9, 270],
  [1, 40],
  [1, 299, 3, 22, 22, 281, 30],
];

/**
 * A random model (layers std 0.04, embeddings rescaled to RMS 0.5) whose head sends the last token
 * t ≥ 3 to next(t) = 3 + (t − 3 + 101) mod 297, one cycle through the non-special tokens: row next(t)
 * of output.weight is 0.03·E[t] (rows 0-2 zero: </s> never wins). llama.cpp rounds activations to
 * Q8_0/Q8_K before each quantised matmul; with a fully random head the top two logits come within
 * that rounding every few dozen steps and greedy paths part. Here the top logit leads by ≥ 2.0 at
 * every step of the three prompts (the layers move logits by ~0.7), and all 300 tokens keep p > 1e-4,
 * so the logit comparison covers the whole vocabulary.
 */
function successorModel(): Llama {
  const m = new Llama(SHAPE, 7, 0.04);
  const [V, H] = [SHAPE.vocab_size, SHAPE.hidden_size];
  const E = Float32Array.from(m.embedTokens.dataSync(), (v) => (v * 0.5) / 0.04);
  const W = new Float32Array(V * H);
  for (let t = 3; t < V; t++)
    W.set(
      E.subarray(t * H, (t + 1) * H).map((v) => v * 0.03),
      (3 + ((t - 3 + 101) % (V - 3))) * H,
    );
  tf.tidy(() => {
    m.embedTokens.assign(tf.tensor2d(E, [V, H]));
    m.lmHead!.assign(tf.tensor2d(W, [V, H]));
  });
  return m;
}

// max |Δ logit| (relative to the top token, as in gguf.test.ts) between llama.cpp on the quantised
// file and us on its dequantised weights, measured (x86-64, AVX-512): Q8_0 9.5e-3, Q4_0 1.18e-2,
// Q4_1 1.08e-2, Q5_0 1.27e-2, Q5_1 1.08e-2, Q4_K 1.64e-2, Q5_K 1.37e-2, Q6_K 1.28e-2. The same
// dequantised weights written as F32 agree to under 1e-3, so the rest is llama.cpp's Q8 rounding of
// activations. The bound is the worst plus ~80% for other CPUs' kernels.
const LOGIT_TOL = 0.03;

for (const type of GGUF_WEIGHT_TYPES.filter((t) => t !== 'f32' && t !== 'f16'))
  test(`golden: a random model written as ${type} decodes greedily like llama.cpp`, async (t) => {
    const nlc = await nodeLlamaCpp();
    if (typeof nlc === 'string') return t.skip(nlc);
    const m = successorModel();
    const file = join(dir, `random-${type}.gguf`);
    writeLlamaGguf(file, m, { type, tokenizer: placeholderVocab(SHAPE.vocab_size) });
    m.dispose();
    const ours = loadBaseModel(file); // dequantised at load
    const r = await compareWithLlamaCpp(nlc, file, ours, PROMPTS);
    t.diagnostic(
      `${type}: llama.cpp ${JSON.stringify(r.theirs[0])}; max |Δ logit| (relative to the top token) ${r.maxLogitDiff.toExponential(2)}`,
    );
    assert.deepEqual(r.mine, r.theirs);
    assert.ok(r.theirs.every((s) => s.length === STEPS));
    assert.ok(r.maxLogitDiff < LOGIT_TOL, `logits differ by ${r.maxLogitDiff}`);
    ours.dispose();
  });

test('bad files: quantised data cut short, rows that split a block: one line naming file and tensor', () => {
  const m = new Llama(SHAPE, 3, 0.1);
  const bytes = encodeLlamaGguf(m, { type: 'q5_k' });
  m.dispose();
  const cut = join(dir, 'cut-q5k.gguf');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 1000));
  const g = readGguf(cut);
  assertOneLineDataError(
    () => ggufTensor(g, 'output.weight'),
    /cut-q5k\.gguf \(field "output\.weight"\): tensor data runs past the end of the file.*truncated/,
  );
  assertOneLineDataError(() => loadBaseModel(cut), /cut-q5k\.gguf.*truncated/);
  const split = parseGguf(
    miniGguf('llama', [{ name: 'blk.0.ffn_down.weight', dims: [128, 2], type: ID.Q4_K, data: new Uint8Array(144) }]),
    'split.gguf',
  );
  assertOneLineDataError(
    () => ggufTensor(split, 'blk.0.ffn_down.weight'),
    /split\.gguf \(field "blk\.0\.ffn_down\.weight"\): Q4_K tensor blk\.0\.ffn_down\.weight has rows of 128 values, not a multiple of its block of 256/,
  );
});
