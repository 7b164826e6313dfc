// GGUF: golden greedy decoding against llama.cpp (node-llama-cpp) on exported random GQA models
// (untied, tied, a qwen2 file with q/k/v biases and a tied head, llama3 rope scaling as
// rope_freqs.weight, also with biases in a llama file) and the real stories260K; export → reload
// round trips (F32 exact, F16 close, equal to the HF folder path; a tied model is written without
// output.weight, as llama.cpp does, and such a file loads tied); hand-checked F16/BF16/Q8_0
// dequantisation; one-line DataErrors for bad files.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { tf } from '../../src/engine/tf.js';
import { saveLm } from '../../src/lm/io/checkpoint.js';
import { ggufTensor, parseGguf, readGguf } from '../../src/lm/io/gguf_read.js';
import { floatToHalf } from '../../src/engine/half.js';
import { encodeLlamaGguf, writeLlamaGguf } from '../../src/lm/io/gguf_write.js';
import type { LlamaConfig } from '../../src/lm/model/config.js';
import { llama3Factors } from '../../src/lm/model/rope.js';
import { Llama } from '../../src/lm/model/llama.js';
import { llamaFromGguf, loadBaseModel } from '../../src/lm/io/load.js';
import {
  assertOneLineDataError,
  compareWithLlamaCpp,
  logitsOf,
  miniGguf,
  nodeLlamaCpp,
  placeholderVocab,
  RANDOM_CFG as CFG,
} from './llama_cpp.js';

const STORIES = new URL('../../../shared/data/tiny-gguf-stories260k/stories260K.gguf', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gguf-test-'));

const VOCAB = placeholderVocab(CFG.vocab_size);

before(async () => {
  await initEngine({ backend: 'wasm' });
});

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((row, t) => row.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[t][i])))));
  return m;
}

const LLAMA3_ROPE = {
  rope_type: 'llama3',
  factor: 8,
  low_freq_factor: 1,
  high_freq_factor: 4,
  original_max_position_embeddings: 128,
} as const;

/** A random model of CFG's shape with `extra` settings; q/k/v biases (zero at construction) random too. */
function randomModel(tied = false, extra: Partial<LlamaConfig> = {}): Llama {
  const m = new Llama({ ...CFG, tie_word_embeddings: tied, ...extra }, 11, 0.25);
  m.layers.forEach((l, i) => [l.q, l.k, l.v].forEach((s, j) => s.b?.assign(tf.randomNormal(s.b.shape, 0, 0.5, 'float32', 30 + 3 * i + j))));
  return m;
}

const GOLDEN: [name: string, tied: boolean, extra: Partial<LlamaConfig>, arch: string][] = [
  ['GQA model (untied head)', false, {}, 'llama'],
  ['GQA model (tied head)', true, {}, 'llama'],
  ['qwen2 model (q/k/v biases, tied head)', true, { qkv_bias: true }, 'qwen2'],
  [
    'Llama 3 model (llama3 rope scaling: rope_freqs.weight, rope_theta 500000, untied head)',
    false,
    { rope_scaling: LLAMA3_ROPE, rope_theta: 500000 },
    'llama',
  ],
  [
    'llama file with q/k/v biases (permuted) and llama3 rope scaling (tied head)',
    true,
    { qkv_bias: true, rope_scaling: LLAMA3_ROPE },
    'llama',
  ],
];

for (const [name, tied, extra, arch] of GOLDEN)
  test(`golden: an exported random ${name} decodes greedily like llama.cpp`, async (t) => {
    const nlc = await nodeLlamaCpp();
    if (typeof nlc === 'string') return t.skip(nlc);
    const m = randomModel(tied, extra);
    const file = join(dir, `random-${GOLDEN.findIndex((g) => g[0] === name)}.gguf`);
    writeLlamaGguf(file, m, { tokenizer: VOCAB });
    assert.equal(readGguf(file).metadata['general.architecture'], arch);
    const r = await compareWithLlamaCpp(nlc, file, m, [
      [1, 5, 9, 270],
      [1, 40],
      [1, 299, 3, 22, 22, 281, 30],
    ]);
    t.diagnostic(
      `random ${name}: llama.cpp ${JSON.stringify(r.theirs[0])}; max |Δ logit| (relative to the top token) ${r.maxLogitDiff.toExponential(2)}`,
    );
    assert.deepEqual(r.mine, r.theirs);
    assert.ok(r.maxLogitDiff < 0.05, `logits differ by ${r.maxLogitDiff}`); // observed ~2e-2 (llama.cpp's CPU kernels)
    m.dispose();
  });

test('golden: stories260K.gguf decodes greedily like llama.cpp', async (t) => {
  if (!existsSync(STORIES)) return t.skip(`${STORIES} is absent`);
  const nlc = await nodeLlamaCpp();
  if (typeof nlc === 'string') return t.skip(nlc);
  const m = loadBaseModel(STORIES);
  const r = await compareWithLlamaCpp(nlc, STORIES, m, [[1, 400, 300], [1], [1, 365, 261, 282, 419]]);
  t.diagnostic(
    `stories260K: llama.cpp ${JSON.stringify(r.theirs[0])}; max |Δ logit| (relative to the top token) ${r.maxLogitDiff.toExponential(2)}`,
  );
  assert.deepEqual(r.mine, r.theirs);
  assert.ok(r.maxLogitDiff < 0.05, `logits differ by ${r.maxLogitDiff}`); // observed ~2e-2 (llama.cpp's CPU kernels)
  m.dispose();
});

test('export → reload: F32 gives identical logits (and equals the HF-folder path); F16 within 1e-2', () => {
  const m = randomModel();
  const ids = [1, 5, 9, 17, 33, 2, 60];
  const want = logitsOf(m, ids);
  const f32 = llamaFromGguf(parseGguf(encodeLlamaGguf(m), 'f32.gguf'));
  assert.equal(maxAbsDiff(logitsOf(f32, ids), want), 0);
  const folder = join(dir, 'hf');
  saveLm(folder, m);
  const viaFolder = loadBaseModel(folder);
  assert.equal(maxAbsDiff(logitsOf(viaFolder, ids), logitsOf(f32, ids)), 0);
  const f16file = join(dir, 'f16.gguf');
  writeLlamaGguf(f16file, m, { type: 'f16' });
  const g = readGguf(f16file);
  assert.equal(g.tensors.get('blk.0.attn_q.weight')?.type, 1);
  assert.equal(g.tensors.get('blk.0.attn_norm.weight')?.type, 0);
  const f16 = loadBaseModel(f16file);
  const d = maxAbsDiff(logitsOf(f16, ids), want);
  assert.ok(d > 0 && d < 1e-2, `F16 logits differ by ${d}`);
  for (const x of [m, f32, viaFolder, f16]) x.dispose();
});

test('a tied model: no output.weight in the file (as llama.cpp writes it); reloads tied with identical logits', () => {
  const m = randomModel(true);
  const ids = [1, 5, 9, 17, 33, 2, 60];
  const g = parseGguf(encodeLlamaGguf(m), 'tied.gguf');
  assert.ok(g.tensors.has('token_embd.weight') && !g.tensors.has('output.weight'));
  assert.ok(parseGguf(encodeLlamaGguf(randomModel()), 'untied.gguf').tensors.has('output.weight'));
  const back = llamaFromGguf(g);
  assert.equal(back.cfg.tie_word_embeddings, true);
  assert.equal(back.lmHead, undefined);
  assert.equal(maxAbsDiff(logitsOf(back, ids), logitsOf(m, ids)), 0);
  const folder = join(dir, 'hf-tied');
  saveLm(folder, m);
  const viaFolder = loadBaseModel(folder);
  assert.equal(viaFolder.cfg.tie_word_embeddings, true);
  assert.equal(maxAbsDiff(logitsOf(viaFolder, ids), logitsOf(m, ids)), 0);
  for (const x of [m, back, viaFolder]) x.dispose();
});

test('qwen2 and Llama 3 files round-trip: biases in HF order (qwen2) or permuted (llama), rope_freqs.weight, linear scaling; HF folders too', () => {
  const ids = [1, 5, 9, 17, 33, 2, 60, 7, 7, 280];
  const qwen = randomModel(true, { qkv_bias: true });
  const g = parseGguf(encodeLlamaGguf(qwen), 'qwen.gguf');
  assert.equal(g.metadata['general.architecture'], 'qwen2');
  assert.equal(g.metadata['qwen2.attention.head_count_kv'], 2);
  assert.ok(g.tensors.has('blk.1.attn_k.bias') && !g.tensors.has('output.weight') && !g.tensors.has('rope_freqs.weight'));
  assert.deepEqual([...ggufTensor(g, 'blk.0.attn_q.bias').data], [...qwen.layers[0].q.b!.dataSync()]); // NEOX rope: HF order
  const back = llamaFromGguf(g);
  assert.deepEqual([back.cfg.qkv_bias, back.cfg.tie_word_embeddings], [true, true]);
  assert.equal(maxAbsDiff(logitsOf(back, ids), logitsOf(qwen, ids)), 0);

  const llama3 = randomModel(false, { qkv_bias: true, rope_scaling: LLAMA3_ROPE });
  const g3 = parseGguf(encodeLlamaGguf(llama3), 'llama3.gguf');
  assert.equal(g3.metadata['general.architecture'], 'llama');
  const dh = CFG.hidden_size / CFG.num_attention_heads;
  const factors = [...ggufTensor(g3, 'rope_freqs.weight').data];
  assert.deepEqual(factors, [...Float32Array.from(llama3Factors(LLAMA3_ROPE, 10000, dh))]);
  assert.ok(factors[0] === 1 && factors[1] > 1 && factors[1] < 8 && factors[3] === 8, `kept, ramped, scaled: ${factors}`);
  assert.notDeepEqual([...ggufTensor(g3, 'blk.0.attn_q.bias').data], [...llama3.layers[0].q.b!.dataSync()]); // llama rope: permuted
  const back3 = llamaFromGguf(g3);
  assert.equal(back3.cfg.rope_scaling?.rope_type, 'freq_factors');
  assert.ok(maxAbsDiff(logitsOf(back3, ids), logitsOf(llama3, ids)) < 1e-4);

  const linear = randomModel(false, { rope_scaling: { rope_type: 'linear', factor: 4 } });
  const gl = parseGguf(encodeLlamaGguf(linear), 'linear.gguf');
  assert.deepEqual([gl.metadata['llama.rope.scaling.type'], gl.metadata['llama.rope.scaling.factor']], ['linear', 4]);
  const backL = llamaFromGguf(gl);
  assert.deepEqual(backL.cfg.rope_scaling, { rope_type: 'linear', factor: 4 });
  assert.equal(maxAbsDiff(logitsOf(backL, ids), logitsOf(linear, ids)), 0);

  for (const m of [qwen, llama3]) {
    const folder = join(dir, `hf-${m.cfg.rope_scaling ? 'llama3' : 'qwen2'}`);
    saveLm(folder, m);
    const json = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(json.model_type, 'qwen2');
    assert.ok(!('qkv_bias' in json));
    const viaFolder = loadBaseModel(folder);
    assert.deepEqual(viaFolder.cfg, m.cfg);
    assert.equal(maxAbsDiff(logitsOf(viaFolder, ids), logitsOf(m, ids)), 0);
    viaFolder.dispose();
  }
  for (const x of [qwen, back, llama3, back3, linear, backL]) x.dispose();
});

test('dequantisation: F16, BF16 and Q8_0 by hand', () => {
  const f16 = new Uint8Array(Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555]).buffer);
  const bf16 = new Uint8Array(Uint16Array.from([0x3f80, 0xc040, 0x4049]).buffer);
  const q8 = Buffer.alloc(34);
  q8.writeUInt16LE(0x3800, 0); // d = 0.5
  for (let j = 0; j < 32; j++) q8.writeInt8(j === 0 ? -128 : j === 1 ? 127 : j - 16, 2 + j);
  const g = parseGguf(
    miniGguf('llama', [
      { name: 'a', dims: [5], type: 1, data: f16 },
      { name: 'b', dims: [3], type: 30, data: bf16 },
      { name: 'c', dims: [32, 1], type: 8, data: q8 },
    ]),
    'mini.gguf',
  );
  assert.deepEqual([...ggufTensor(g, 'a').data], [1, -2, 65504, 2 ** -24, Math.fround(0.333251953125)]);
  assert.deepEqual([...ggufTensor(g, 'b').data], [1, -3, 3.140625]);
  const c = ggufTensor(g, 'c');
  assert.deepEqual(c.shape, [1, 32]);
  assert.deepEqual(
    [...c.data],
    Array.from({ length: 32 }, (_, j) => 0.5 * (j === 0 ? -128 : j === 1 ? 127 : j - 16)),
  );
  for (const x of [1, -2, 65504, 0.1, 1e-6, 3.14159, 70000])
    assert.equal(
      floatToHalf(x),
      Uint16Array.from([[0x3c00, 0xc000, 0x7bff, 0x2e66, 0x0011, 0x4248, 0x7c00][[1, -2, 65504, 0.1, 1e-6, 3.14159, 70000].indexOf(x)]])[0],
    );
});

test('bad files: truncated, a PNG renamed .gguf, an unsupported type, an unsupported architecture', () => {
  const bytes = encodeLlamaGguf(randomModel());
  for (const cut of [20, 300, bytes.length - 100]) {
    const file = join(dir, `cut${cut}.gguf`);
    writeFileSync(file, bytes.subarray(0, cut));
    assertOneLineDataError(() => loadBaseModel(file), new RegExp(`cut${cut}\\.gguf.*(truncated|ended)`));
  }
  const png = join(dir, 'picture.gguf');
  writeFileSync(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]));
  assertOneLineDataError(() => loadBaseModel(png), /picture\.gguf.*not a GGUF file/);
  const q2k = parseGguf(
    miniGguf('llama', [{ name: 'blk.0.attn_q.weight', dims: [256, 1], type: 10, data: new Uint8Array(84) }]),
    'q2k.gguf',
  );
  assertOneLineDataError(
    () => ggufTensor(q2k, 'blk.0.attn_q.weight'),
    /q2k\.gguf.*unsupported tensor type Q2_K in blk\.0\.attn_q\.weight \(supported: .*Q6_K\); requantise/,
  );
  const gpt2 = join(dir, 'gpt2.gguf');
  writeFileSync(gpt2, miniGguf('gpt2', []));
  assertOneLineDataError(() => loadBaseModel(gpt2), /gpt2\.gguf.*architecture "gpt2" is not supported/);
});
