// The Llama model against a plain-array reference (MHA and GQA, tied head, Qwen2's q/k/v biases,
// llama3 and linear rope scaling), padding, soft-token injection, LoRA merge/unmerge and freezing,
// and the config's validation (HF config.json and GGUF metadata of llama and qwen2 models).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.js';
import { UserError } from '../../src/engine/errors.js';
import { tf } from '../../src/engine/tf.js';
import { configFromGguf, configFromHf, resolveLlamaConfig } from '../../src/lm/model/config.js';
import { injectSoftTokens, Llama } from '../../src/lm/model/llama.js';
import { Projector } from '../../src/lm/model/projector.js';
import { trainLm } from '../../src/lm/train/train.js';
import { referenceLogits } from './reference.js';

const TINY = {
  vocab_size: 13,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  intermediate_size: 24,
  max_position_embeddings: 32,
};

before(async () => {
  await initEngine({ backend: 'wasm' });
});

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i][j]))));
const logitsOf = (m: Llama, ids: number[]) =>
  tf.tidy(() => m.logits(m.forward(m.embed(Int32Array.from(ids), 1, ids.length))).arraySync() as number[][][])[0];

const LLAMA3_ROPE = {
  rope_type: 'llama3',
  factor: 8,
  low_freq_factor: 1,
  high_freq_factor: 4,
  original_max_position_embeddings: 64,
} as const;

for (const [name, cfg] of [
  ['multi-head', {}],
  ['grouped-query (4 heads, 2 kv), tied head, rope_theta 500', { num_key_value_heads: 2, tie_word_embeddings: true, rope_theta: 500 }],
  [
    'Qwen2-style: q/k/v biases, 2 heads / 1 kv (head size 8), tied head, llama3 rope scaling (kept, ramped and scaled frequencies)',
    { num_attention_heads: 2, num_key_value_heads: 1, tie_word_embeddings: true, qkv_bias: true, rope_scaling: LLAMA3_ROPE },
  ],
  ['linear rope scaling (factor 4)', { rope_scaling: { rope_type: 'linear', factor: 4 } }],
] as const) {
  test(`forward matches the plain-array Hugging Face reference: ${name}`, () => {
    const model = (c: object) => {
      const m = new Llama({ ...TINY, ...c }, 1, 0.3);
      m.layers.forEach((l, i) => [l.q, l.k, l.v].forEach((s, j) => s.b?.assign(tf.randomNormal(s.b.shape, 0, 0.5, 'float32', 10 * i + j))));
      return m;
    };
    const m = model(cfg);
    const ids = [3, 1, 4, 1, 5, 9, 2, 6, 7, 12, 11, 0];
    const want = referenceLogits(m, ids);
    const d = maxDiff(logitsOf(m, ids), want);
    assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
    if ('rope_scaling' in cfg) {
      const unscaled = model({ ...cfg, rope_scaling: null }); // the same weights: the scaling must show
      assert.ok(maxDiff(logitsOf(unscaled, ids), want) > 1e-3, 'the rope scaling changes nothing here');
      unscaled.dispose();
    }
    m.dispose();
  });
}

test('batch rows are independent: right padding (key mask) and left padding (positions + key mask)', () => {
  const m = new Llama(TINY, 2, 0.3);
  const a = [3, 1, 4, 1, 5];
  const b = [9, 2, 6];
  const alone = logitsOf(m, b);
  // right padding: row b followed by two pads
  const right = tf.tidy(
    () =>
      m
        .logits(
          m.forward(m.embed(Int32Array.from([...a, ...b, 0, 0]), 2, 5), { keyValid: Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]) }),
        )
        .arraySync() as number[][][],
  );
  assert.ok(maxDiff(right[1].slice(0, 3), alone) < 1e-4);
  assert.ok(maxDiff(right[0], logitsOf(m, a)) < 1e-4);
  // left padding: two pads, then row b at positions 0..2
  const left = tf.tidy(
    () =>
      m
        .logits(
          m.forward(m.embed(Int32Array.from([...a, 0, 0, ...b]), 2, 5), {
            keyValid: Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 1, 1, 1]),
            positions: Int32Array.from([0, 1, 2, 3, 4, 0, 0, 0, 1, 2]),
          }),
        )
        .arraySync() as number[][][],
  );
  assert.ok(maxDiff(left[1].slice(2), alone) < 1e-4);
  m.dispose();
});

test('soft tokens: a new user vector changes logits from the <user> position onward only', () => {
  const m = new Llama(TINY, 3, 0.3);
  const proj = new Projector(6, TINY.hidden_size, 4, 'user_proj');
  const USER = 12;
  const ids = Int32Array.from([1, 2, 3, USER, 4, 5, 6]);
  const at = 3;
  const run = (u: Tensor) =>
    tf.tidy(
      () => m.logits(m.forward(injectSoftTokens(m.embed(ids, 1, 7), Int32Array.from([at]), proj.forward(u)))).arraySync() as number[][][],
    )[0];
  const x = run(tf.randomNormal([1, 6], 0, 1, 'float32', 5));
  const y = run(tf.randomNormal([1, 6], 0, 1, 'float32', 6));
  for (let t = 0; t < ids.length; t++) {
    const d = Math.max(...x[t].map((v, j) => Math.abs(v - y[t][j])));
    if (t < at) assert.equal(d, 0, `position ${t} changed by ${d}`);
    else assert.ok(d > 1e-3, `position ${t} did not change`);
  }
  // the placeholder's own embedding row is not used
  const plain = logitsOf(m, [...ids]);
  assert.ok(maxDiff(plain.slice(at), x.slice(at)) > 1e-3);
  m.dispose();
  proj.dispose();
});

test('LoRA: merge() gives the unmerged logits, unmerge() restores W; base weights frozen by a training step', () => {
  const m = new Llama(TINY, 4, 0.3);
  m.enableLora({ r: 4, alpha: 8, dropout: 0.1 }, 7);
  for (const a of m.adapters()) a.B.assign(tf.randomNormal(a.B.shape, 0, 0.2, 'float32', 8));
  const ids = [1, 5, 2, 8, 3, 7];
  const before = logitsOf(m, ids);
  const w0 = m.layers[0].q.w.dataSync().slice();
  m.adapters().forEach((a) => a.merge());
  assert.ok(maxDiff(logitsOf(m, ids), before) < 1e-4);
  assert.ok(Math.max(...m.layers[0].q.w.dataSync().map((v, i) => Math.abs(v - w0[i]))) > 1e-3);
  m.adapters().forEach((a) => a.unmerge());
  assert.ok(Math.max(...m.layers[0].q.w.dataSync().map((v, i) => Math.abs(v - w0[i]))) < 1e-6);
  assert.ok(maxDiff(logitsOf(m, ids), before) < 1e-4);

  const frozen = m.variables().filter((v) => !v.trainable);
  assert.equal(frozen.length, m.variables().length - 2 * 4 * TINY.num_hidden_layers);
  const snap = frozen.map((v) => v.dataSync().slice());
  const A = m.adapters()[0].A.dataSync().slice();
  const r = trainLm(m, [{ ids: [1, 2, 3, 4, 5] }, { ids: [5, 4, 3] }], { lr: 1e-2, batchSize: 2, quiet: true });
  assert.equal(r.losses.length, 1);
  frozen.forEach((v, i) => assert.deepEqual(v.dataSync(), snap[i], `${v.name} changed`));
  assert.ok(
    Math.max(
      ...m
        .adapters()[0]
        .A.dataSync()
        .map((v, i) => Math.abs(v - A[i])),
    ) > 1e-4,
    'LoRA A did not move',
  );
  m.dispose();
});

test('LoRA on a tied base: the one table (embedding and head) stays frozen, the adapters train', () => {
  const m = new Llama({ ...TINY, tie_word_embeddings: true }, 5, 0.3);
  m.enableLora({ r: 2, alpha: 4, dropout: 0 }, 7);
  assert.ok(!m.embedTokens.trainable && m.headWeight === m.embedTokens);
  assert.ok(!m.trainableVariables().includes(m.embedTokens));
  const table = m.embedTokens.dataSync().slice();
  const B = m.adapters()[0].B.dataSync().slice();
  trainLm(m, [{ ids: [1, 2, 3, 4, 5] }, { ids: [5, 4, 3] }], { lr: 1e-2, batchSize: 2, quiet: true });
  assert.deepEqual(m.embedTokens.dataSync(), table);
  assert.ok(
    Math.max(
      ...m
        .adapters()[0]
        .B.dataSync()
        .map((v, i) => Math.abs(v - B[i])),
    ) > 1e-4,
    'LoRA B did not move',
  );
  m.dispose();
});

test('config: defaults, Hugging Face and GGUF names, one-line errors', () => {
  const d = resolveLlamaConfig();
  assert.equal(d.hidden_size, 256);
  assert.throws(
    () => resolveLlamaConfig({ hidden_size: 30, num_attention_heads: 4 }),
    (e: Error) => e instanceof UserError && /not divisible/.test(e.message),
  );
  assert.throws(() => resolveLlamaConfig({ num_attention_heads: 4, num_key_value_heads: 3 }), /must divide/);
  assert.throws(() => resolveLlamaConfig({ hidden_size: 12, num_attention_heads: 4 }), /must be even/);
  assert.throws(() => resolveLlamaConfig({ rms_norm_eps: 0 }), /positive number/);
  assert.throws(() => resolveLlamaConfig({ vocab_size: 1.5 }), /positive integer/);
  assert.throws(() => resolveLlamaConfig({ hiden_size: 8 } as never), /unknown key "hiden_size"/);
  const hf = configFromHf({
    architectures: ['LlamaForCausalLM'],
    hidden_size: 64,
    num_attention_heads: 8,
    intermediate_size: 172,
    vocab_size: 100,
    num_hidden_layers: 2,
    rope_scaling: null,
    torch_dtype: 'float32',
  });
  assert.equal(hf.num_key_value_heads, 8);
  assert.deepEqual([hf.qkv_bias, hf.rope_scaling], [false, null]);
  const shape = { hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 2, intermediate_size: 96, vocab_size: 100 };
  const qwen = configFromHf({ model_type: 'qwen2', ...shape, tie_word_embeddings: true, use_sliding_window: false, sliding_window: 4096 });
  assert.deepEqual([qwen.qkv_bias, qwen.tie_word_embeddings], [true, true]);
  const llama3 = { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
  assert.deepEqual(configFromHf({ ...shape, rope_scaling: llama3, rope_theta: 500000 }).rope_scaling, llama3);
  const v5 = configFromHf({ ...shape, rope_parameters: { ...llama3, rope_theta: 500000 } }); // transformers 5
  assert.deepEqual([v5.rope_theta, v5.rope_scaling], [500000, llama3]);
  assert.deepEqual(configFromHf({ ...shape, rope_scaling: { type: 'linear', factor: 2 } }).rope_scaling, {
    rope_type: 'linear',
    factor: 2,
  });
  for (const [json, msg] of [
    [{ rope_scaling: { rope_type: 'yarn', factor: 4 } }, /rope_scaling type "yarn" is not supported \(llama3, linear\)/],
    [{ rope_scaling: { rope_type: 'llama3', factor: 8 } }, /rope_scaling\.low_freq_factor must be a positive number/],
    [{ model_type: 'gemma' }, /model_type "gemma" is not supported \(llama, mistral, qwen2\)/],
    [{ model_type: 'qwen2', use_sliding_window: true }, /use_sliding_window is not supported/],
    [{ attention_bias: true }, /attention_bias is not supported/],
    [{ head_dim: 16 }, /head_dim 16 is not hidden_size \/ num_attention_heads = 8/],
  ] as const)
    assert.throws(
      () => configFromHf({ ...shape, ...json }),
      (e: Error) => e instanceof UserError && msg.test(e.message) && !e.message.includes('\n'),
    );
  const g = configFromGguf({
    'general.architecture': 'llama',
    'llama.embedding_length': 64,
    'llama.block_count': 2,
    'llama.attention.head_count': 4,
    'llama.attention.head_count_kv': 2,
    'llama.feed_forward_length': 128,
    'llama.context_length': 256,
    'llama.attention.layer_norm_rms_epsilon': 1e-6,
    'llama.rope.freq_base': 10000,
    'tokenizer.ggml.tokens': ['a', 'b', 'c'],
  });
  assert.deepEqual([g.vocab_size, g.num_key_value_heads, g.max_position_embeddings, g.rms_norm_eps], [3, 2, 256, 1e-6]);
  assert.deepEqual([g.qkv_bias, g.rope_scaling], [false, null]);
  const q = configFromGguf({
    'general.architecture': 'qwen2',
    'qwen2.embedding_length': 64,
    'qwen2.block_count': 2,
    'qwen2.attention.head_count': 4,
    'qwen2.attention.head_count_kv': 1,
    'qwen2.feed_forward_length': 128,
    'qwen2.context_length': 256,
    'qwen2.attention.layer_norm_rms_epsilon': 1e-6,
    'qwen2.rope.freq_base': 1000000,
    'qwen2.rope.scaling.type': 'linear',
    'qwen2.rope.scaling.factor': 4,
    'tokenizer.ggml.tokens': ['a', 'b', 'c', 'd'],
  });
  assert.deepEqual(
    [q.vocab_size, q.num_key_value_heads, q.rope_theta, q.qkv_bias, q.rope_scaling],
    [4, 1, 1000000, true, { rope_type: 'linear', factor: 4 }],
  );
  assert.throws(() => configFromGguf({ 'general.architecture': 'gpt2' }), /architecture "gpt2" is not supported \(llama, qwen2\)/);
  assert.throws(
    () => configFromGguf({ 'general.architecture': 'llama', 'llama.rope.scaling.type': 'yarn' }),
    /rope scaling "yarn" is not supported/,
  );
});
