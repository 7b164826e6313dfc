// GGUF: golden greedy decoding against llama.cpp (node-llama-cpp) on an exported random GQA model
// and the real stories260K; export → reload round trips (F32 exact, F16 close, equal to the HF
// folder path; a tied model is written without output.weight, as llama.cpp does, and such a file
// loads tied); hand-checked F16/BF16/Q8_0 dequantisation; one-line DataErrors for bad files.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { saveLm } from '../../src/lm/io/checkpoint.js';
import { ggufTensor, parseGguf, readGguf } from '../../src/lm/io/gguf_read.js';
import { floatToHalf } from '../../src/engine/half.js';
import { encodeLlamaGguf, writeLlamaGguf } from '../../src/lm/io/gguf_write.js';
import { Llama } from '../../src/lm/model/llama.js';
import { llamaFromGguf, loadBaseModel } from '../../src/lm/io/load.js';
import { assertOneLineDataError, compareWithLlamaCpp, logitsOf, miniGguf, nodeLlamaCpp, spmVocab } from './llama_cpp.js';

const CFG = {
  vocab_size: 300,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  max_position_embeddings: 128,
};
const STORIES = new URL('../../../shared/data/tiny-gguf-stories260k/stories260K.gguf', import.meta.url).pathname;
const VOCAB = spmVocab(CFG.vocab_size);
const dir = mkdtempSync(join(tmpdir(), 'gguf-test-'));

before(async () => {
  await initEngine({ backend: 'wasm' });
});

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((row, t) => row.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[t][i])))));
  return m;
}

function randomModel(tied = false): Llama {
  return new Llama({ ...CFG, tie_word_embeddings: tied }, 11, 0.25);
}

for (const head of ['untied', 'tied'] as const)
  test(`golden: an exported random GQA model (${head} head) decodes greedily like llama.cpp`, async (t) => {
    const nlc = await nodeLlamaCpp();
    if (typeof nlc === 'string') return t.skip(nlc);
    const m = randomModel(head === 'tied');
    const file = join(dir, `random-${head}.gguf`);
    writeLlamaGguf(file, m, { tokenizer: VOCAB });
    const r = await compareWithLlamaCpp(nlc, file, m, [
      [1, 5, 9, 270],
      [1, 40],
      [1, 299, 3, 22, 22, 281, 30],
    ]);
    t.diagnostic(
      `random model: llama.cpp ${JSON.stringify(r.theirs[0])}; max |Δ logit| (relative to the top token) ${r.maxLogitDiff.toExponential(2)}`,
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
