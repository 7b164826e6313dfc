// align on a foreign base model: a tiny random qwen2-like GGUF (q/k/v biases, tied head) with a
// byte-level BPE vocabulary under llama.cpp's qwen2 pre-tokenizer and a ChatML template, written
// with our GGUF writer, which lacks our special tokens. align --mode H appends them (<user> and
// <item> first) with mean rows and trains them with the adapters; the folder reloads with the
// trained weights (logits of the model assembled by hand from the run's checkpoint within 1e-5),
// its prompts are the template's rendering, a grounded task-1 answer is a catalogue title, and
// export-gguf writes the grown vocabulary, which reloads with the same logits; a folder whose record
// of the appended tokens differs from what its base gets now is refused in one line.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/helpers.js';
import { trainedRing } from '../rec/fixture.js';
import { tokenizerCorpus } from '../../src/base/corpus.js';
import { initEngine } from '../../src/engine/backend.js';
import { DataError } from '../../src/engine/errors.js';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { tf } from '../../src/engine/tf.js';
import { Surrogate } from '../../src/align/model.js';
import { promptExample } from '../../src/align/examples.js';
import { titlesById } from '../../src/data/text_forms.js';
import { readDataset } from '../../src/data/dataset.js';
import { grounding } from '../../src/eval/grounding.js';
import { LM_METHOD_DEFAULTS, lmMethod } from '../../src/eval/lm_method.js';
import { writeLlamaGguf, type GgufTokenizer } from '../../src/lm/io/gguf_write.js';
import { loadBaseModel } from '../../src/lm/io/load.js';
import { setLmWeights } from '../../src/lm/io/checkpoint.js';
import { Llama } from '../../src/lm/model/llama.js';
import { bpeTokenizerJson, countWords, trainBpe } from '../../src/lm/tokenizer/bpe.js';
import { SPECIALS } from '../../src/lm/tokenizer/tokenizer.js';
import { readTaskRecords, taskFile } from '../../src/tasks/records.js';

const { data, rec } = await trainedRing();
const tmp = mkdtempSync(join(tmpdir(), 'foreign-'));
const tasks = join(tmp, 'tasks');
const gguf = join(tmp, 'qwen.gguf');
const out = join(tmp, 'H');

const CHATML =
  "{%- for message in messages %}{%- if loop.first and messages[0]['role'] != 'system' %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}" +
  "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
const THEIRS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
let V = 0; // the file's vocabulary

before(async () => {
  await initEngine({ backend: 'wasm' });
  const r = cli(['tasks', '--data', data, '--rec', rec, '--out', tasks, '--task5', '40,10', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  // a byte-level BPE over the ring's texts, with ChatML's specials only
  const words = new Map<string, number>();
  for (const t of tokenizerCorpus(data)) typeof t === 'string' ? countWords(words, t) : countWords(words, t.text, t.weight);
  const specials = THEIRS.map((content) => ({ content }));
  const json = bpeTokenizerJson(trainBpe({ words, vocabSize: 420, specials, minCount: 2 }), specials);
  const tokens: string[] = [];
  for (const [piece, id] of Object.entries(json.model.vocab)) tokens[id] = piece;
  V = tokens.length;
  const vocab: GgufTokenizer = {
    model: 'gpt2',
    tokens,
    tokenTypes: tokens.map((t) => (THEIRS.includes(t) ? 3 : 1)),
    merges: json.model.merges as string[],
    pre: 'qwen2',
    chatTemplate: CHATML,
    bos: 0,
    eos: 0,
  };
  const cfg = {
    vocab_size: V,
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    intermediate_size: 64,
    max_position_embeddings: 512,
    rope_theta: 1e6,
    tie_word_embeddings: true,
    qkv_bias: true,
  };
  const model = new Llama(cfg, 5, 0.1);
  for (const l of model.layers)
    for (const s of [l.q, l.k, l.v]) tf.tidy(() => s.b!.assign(tf.randomNormal(s.b!.shape, 0, 0.1, 'float32', 9)));
  writeLlamaGguf(gguf, model, { tokenizer: vocab });
  model.dispose();
  const a = cli([
    'align',
    '--mode',
    'H',
    '--tasks',
    tasks,
    '--base-model',
    gguf,
    '--out',
    out,
    '--max-steps',
    '6',
    '--batch-size',
    '4',
    '--lr',
    '5e-3',
    '--warmup',
    '1',
    '--per-task',
    '8',
    '--lora-r',
    '4',
    '--lora-alpha',
    '8',
    '--lora-dropout',
    '0',
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stderr, /the base vocabulary lacks <user> <item> <pad> USER: ASSISTANT: <title> <\/title>: appended at ids/);
});

/** Logits [T·V'] of a token sequence. */
const logits = (m: Llama, ids: number[]) =>
  tf.tidy(() => m.logits(m.forward(m.embed(Int32Array.from(ids), 1, ids.length))).dataSync() as Float32Array);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

test('align on a foreign GGUF: specials appended after its vocabulary and trained; the folder reloads to the trained weights', async () => {
  const meta = JSON.parse(readFileSync(join(out, 'align.json'), 'utf8'));
  const added = [
    SPECIALS.user,
    SPECIALS.item,
    SPECIALS.pad,
    SPECIALS.userTurn,
    SPECIALS.assistantTurn,
    SPECIALS.titleOpen,
    SPECIALS.titleClose,
  ];
  assert.deepEqual(meta.appended_tokens, { first: V, tokens: added, base_rows: V });
  const s = await Surrogate.load(out);
  assert.equal(s.model.cfg.vocab_size, V + added.length);
  assert.deepEqual([s.tok.special.user, s.tok.special.item, s.tok.special.titleOpen], [V, V + 1, V + 5]);
  assert.equal(s.tok.special.eos, THEIRS.indexOf('<|im_end|>'), "answers end with the template's end of turn");

  // the model assembled by hand: the base file's weights, the checkpoint's trained table, W + (alpha/r)·B·A
  const ck = loadCheckpoint(join(out, 'checkpoint.safetensors'), 'align-H').tensors;
  const base = loadBaseModel(gguf);
  const meanRow = tf.tidy(() => tf.mean(base.embedTokens, 0).dataSync() as Float32Array);
  const byHand = new Llama({ ...base.cfg, vocab_size: V + added.length });
  const weights = Object.fromEntries(
    [...base.namedVariables()].map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.dataSync() as Float32Array }]),
  );
  setLmWeights(byHand, { ...weights, 'model.embed_tokens.weight': ck['model.embed_tokens.weight'] }, 'by hand');
  const named = byHand.namedVariables();
  for (const [name, A] of Object.entries(ck)) {
    if (!name.endsWith('.lora_A.weight')) continue;
    const module = name.slice(0, -'.lora_A.weight'.length);
    const B = ck[`${module}.lora_B.weight`];
    const w = named.get(`${module}.weight`)!;
    tf.tidy(() =>
      w.assign(tf.add(w, tf.mul(tf.matMul(tf.tensor(B.data, B.shape), tf.tensor(A.data, A.shape)), meta.lora.alpha / meta.lora.r))),
    );
  }
  const ids = [1, ...s.tok.encode('user\nHello'), s.tok.special.titleOpen, ...s.tok.encode(' Heat'), s.tok.special.titleClose, 2, V + 3];
  const d = maxDiff(logits(s.model, ids), logits(byHand, ids));
  assert.ok(d < 1e-5, `reloaded vs by hand: max |Δlogit| ${d}`);
  // the appended rows were trained away from their mean initialisation
  const row = (s.model.embedTokens.dataSync() as Float32Array).slice((V + 5) * 32, (V + 6) * 32);
  assert.ok(maxDiff(row, meanRow) > 1e-3, '<title> row trained');
  base.dispose();
  byHand.dispose();

  // exported as a GGUF with the grown vocabulary (qwen2 pre-tokenizer, template) and loaded back: the same logits
  const file = join(tmp, 'aligned.gguf');
  const e = cli(['export-gguf', '--model', out, '--out', file]);
  assert.equal(e.code, 0, e.stderr);
  const g = await Surrogate.load(file);
  assert.equal(g.tok.vocabSize, V + added.length);
  assert.deepEqual(g.tok.special, s.tok.special);
  assert.equal(g.tok.chatTemplate?.source, CHATML);
  const text = 'user\nWould you like Heat (1995)? 1234';
  assert.deepEqual(g.tok.encode(text), s.tok.encode(text));
  const ge = maxDiff(logits(g.model, ids), logits(s.model, ids));
  assert.ok(ge < 1e-5, `exported vs folder: max |Δlogit| ${ge}`);
  g.dispose();
  s.dispose();

  // a folder whose record differs from what the base model gets appended now: refused in one line
  const other = join(tmp, 'H-other');
  cpSync(out, other, { recursive: true });
  writeFileSync(join(other, 'align.json'), JSON.stringify({ ...meta, appended_tokens: { ...meta.appended_tokens, first: V + 1 } }));
  await assert.rejects(Surrogate.load(other), (e: Error) => {
    assert.ok(e instanceof DataError, e.stack);
    assert.match(
      e.message,
      /align\.json \(field "appended_tokens"\): is \{"first":\d+.*but the base model now gets \{"first":\d+.* appended/,
    );
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});

test("prompts are the template's rendering with single soft tokens; a grounded task-1 answer is a catalogue title", async () => {
  const s = await Surrogate.load(out);
  const t1 = readTaskRecords(taskFile(tasks, 'test', 'H')).filter((r) => r.task === 1 && r.soft.length > 0);
  const p = promptExample(t1[0], s.tok, s.vectors, 'test');
  assert.equal(s.tok.decode(p.ids), s.tok.chatTemplate!.render([{ role: 'user', content: t1[0].prompt }], true));
  assert.equal(p.ids[0], THEIRS.indexOf('<|im_start|>'));
  assert.deepEqual(
    p.soft.map((x) => p.ids[x.pos]),
    t1[0].soft.map((x) => (x.kind === 'user' ? V : V + 1)),
  );
  const titles = titlesById(readDataset(data).items);
  const m = lmMethod('recexplainer-h', s, 'test', {
    ...LM_METHOD_DEFAULTS,
    grounding: grounding(s.tok, {
      titles,
      histories: new Map(t1.map((x) => [x.user!, (x.soft[0] as { history: number[] }).history])),
      maxHistory: 9,
    }),
  });
  const answers = m.top5!(t1.slice(0, 2));
  for (const a of answers) assert.ok(a.length === 5 && a.every((t) => titles.includes(t)), JSON.stringify(a));
  s.dispose();
});
