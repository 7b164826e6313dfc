// GGUF vocabularies as tokenizers: byte-level BPE under each pre-tokenizer name (gpt-2, llama-bpe,
// qwen2, smollm, default) and SentencePiece BPE (scores, byte fallback, ▁ spaces, add_space_prefix),
// on small hand-made vocabularies with encodings worked out by hand; the roles and chat template a
// file names; one-line errors; and, against llama.cpp (node-llama-cpp, skipped when not loadable),
// identical token ids for a trained byte-level vocabulary under every pre-tokenizer and for the
// hand-made SentencePiece one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { DataError } from '../../src/engine/errors.js';
import type { Gguf, GgufValue } from '../../src/lm/io/gguf_read.js';
import { gpt2Vocab, writeLlamaGguf, type GgufTokenizer } from '../../src/lm/io/gguf_write.js';
import { Llama } from '../../src/lm/model/llama.js';
import { bytesToUnicode } from '../../src/lm/tokenizer/bpe.js';
import { tokenizerFromGguf } from '../../src/lm/tokenizer/gguf_vocab.js';
import { PRE_TOKENIZERS } from '../../src/lm/tokenizer/pre_tokenizers.js';
import { trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';
import { nodeLlamaCpp } from './llama_cpp.js';

const dir = mkdtempSync(join(tmpdir(), 'gguf-vocab-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await initEngine({ backend: 'wasm' });
});

/** A parsed GGUF holding only metadata. */
const metaOnly = (metadata: Record<string, GgufValue>): Gguf => ({
  file: 'vocab.gguf',
  version: 3,
  metadata,
  tensors: new Map(),
  dataStart: 0,
  bytes: new Uint8Array(),
});

function metadataOf(t: GgufTokenizer): Record<string, GgufValue> {
  const m: Record<string, GgufValue> = { 'tokenizer.ggml.model': t.model, 'tokenizer.ggml.tokens': t.tokens };
  if (t.scores) m['tokenizer.ggml.scores'] = t.scores;
  if (t.tokenTypes) m['tokenizer.ggml.token_type'] = t.tokenTypes;
  if (t.merges) m['tokenizer.ggml.merges'] = t.merges;
  if (t.pre) m['tokenizer.ggml.pre'] = t.pre;
  if (t.chatTemplate) m['tokenizer.chat_template'] = t.chatTemplate;
  for (const [role, key] of [
    ['bos', 'bos'],
    ['eos', 'eos'],
    ['unk', 'unknown'],
  ] as const)
    if (t[role] !== undefined) m[`tokenizer.ggml.${key}_token_id`] = t[role];
  return m;
}

// Byte-level BPE: the 256 byte characters, a few merges, "Heat" (no merges build it) and two controls.
const BYTES = bytesToUnicode();
const MERGES = ['1 2', '12 3', 'D O', 'DO N', "' T", 'Ġ (', 'H e', 'He a'];
const BPE_TOKENS = [...BYTES, ...MERGES.map((m) => m.replace(' ', '')), 'Heat', '<|endoftext|>', '<|im_end|>'];
const BPE: GgufTokenizer = {
  model: 'gpt2',
  tokens: BPE_TOKENS,
  tokenTypes: BPE_TOKENS.map((t) => (t.startsWith('<|') ? 3 : 1)),
  merges: MERGES,
  bos: BPE_TOKENS.indexOf('<|endoftext|>'),
  eos: BPE_TOKENS.indexOf('<|endoftext|>'),
};
const bpeIds = (...pieces: string[]) => pieces.map((p) => BPE_TOKENS.indexOf(p));

// By hand: how each pre-tokenizer splits, then the merges (llama-bpe takes a word that is a whole token as it is).
const BPE_CASES: Record<string, Record<string, string[]>> = {
  '4123': {
    'gpt-2': ['4', '123'], // one piece "4123": 1+2, then 12+3
    'llama-bpe': ['4', '12', '3'], // digits in threes: "412" "3"
    qwen2: ['4', '1', '2', '3'], // single digits
    smollm: ['4', '1', '2', '3'],
    default: ['4', '12', '3'], // its last regex splits "412" "3"
  },
  "DON'T": {
    'gpt-2': ['DON', "'", 'T'], // GPT-2's contractions are lower case only
    'llama-bpe': ['DON', "'T"],
    qwen2: ['DON', "'T"],
    smollm: ['DON', "'", 'T'],
    default: ['DON', "'", 'T'],
  },
  'Heat (x': {
    'gpt-2': ['Hea', 't', 'Ġ(', 'x'],
    'llama-bpe': ['Heat', 'Ġ(', 'x'], // ignore_merges: "Heat" is a token
    qwen2: ['Hea', 't', 'Ġ(', 'x'],
    smollm: ['Hea', 't', 'Ġ(', 'x'],
    default: ['Hea', 't', 'Ġ', '(', 'x'], // punctuation runs come out first: "Heat " "(" "x"
  },
};

test('byte-level BPE: each pre-tokenizer splits as llama.cpp does (hand-worked encodings); no pre = GPT-2', () => {
  for (const pre of ['gpt-2', 'llama-bpe', 'qwen2', 'smollm', 'default']) {
    const tok = tokenizerFromGguf(metaOnly(metadataOf({ ...BPE, pre })));
    for (const [text, want] of Object.entries(BPE_CASES)) {
      assert.deepEqual(tok.encode(text), bpeIds(...want[pre]), `${pre}: ${text}`);
      assert.equal(tok.decode(tok.encode(text)), text);
    }
  }
  const plain = tokenizerFromGguf(metaOnly(metadataOf(BPE)));
  assert.deepEqual(plain.encode('4123'), bpeIds('4', '123'));
  assert.deepEqual([plain.special.bos, plain.special.eos], bpeIds('<|endoftext|>', '<|endoftext|>'));
  assert.ok(!plain.encode('<|im_end|>').includes(BPE_TOKENS.indexOf('<|im_end|>')), 'plain text never yields a control token');
  assert.ok(PRE_TOKENIZERS.includes('llama3') && PRE_TOKENIZERS.includes('deepseek-r1-qwen'));
});

// SentencePiece: <unk> <s> </s>, the 256 byte tokens, then pieces with scores (higher merges first).
const PIECES: [string, number][] = [
  ['▁', -100],
  ['h', -100],
  ['e', -100],
  ['l', -100],
  ['o', -100],
  ['a', -100],
  ['b', -100],
  ['▁h', -1],
  ['ll', -2],
  ['▁he', -3],
  ['llo', -4],
  ['el', -5],
  ['lo', -6],
  ['▁hello', -7],
];
const SPM_TOKENS = [
  '<unk>',
  '<s>',
  '</s>',
  ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`),
  ...PIECES.map((p) => p[0]),
];
const SPM: GgufTokenizer = {
  model: 'llama',
  tokens: SPM_TOKENS,
  scores: [0, 0, 0, ...new Array<number>(256).fill(0), ...PIECES.map((p) => p[1])],
  tokenTypes: SPM_TOKENS.map((t, i) => (i === 0 ? 2 : i < 3 ? 3 : t.startsWith('<0x') ? 6 : 1)),
  bos: 1,
  eos: 2,
  unk: 0,
};
const spmIds = (...pieces: string[]) => pieces.map((p) => (p.startsWith('<0x') ? 3 + parseInt(p.slice(3, 5), 16) : SPM_TOKENS.indexOf(p)));

// By hand: "▁hello" → ▁h (−1) → ll (−2) → ▁he (−3) → llo (−4) → ▁hello (−7).
const SPM_CASES: [string, string[]][] = [
  ['hello', ['▁hello']],
  ['hello hello', ['▁hello', '▁hello']],
  ['hell', ['▁he', 'll']], // "▁hell" is no piece
  ['ello', ['▁', 'e', 'llo']], // ll (−2) before el (−5), then llo
  ['hé', ['▁h', '<0xC3>', '<0xA9>']], // é is no piece: its UTF-8 bytes
  ['a  b', ['▁', 'a', '▁', '▁', 'b']],
];

test('SentencePiece BPE: best-scoring pair first, byte fallback, ▁ spaces (hand-worked); add_space_prefix false', () => {
  const tok = tokenizerFromGguf(metaOnly(metadataOf(SPM)));
  assert.equal(tok.prefixSpace, true);
  assert.deepEqual([tok.special.bos, tok.special.eos, tok.unk], [1, 2, 0]);
  for (const [text, want] of SPM_CASES) {
    assert.deepEqual(tok.encode(text), spmIds(...want), text);
    assert.equal(tok.decode(tok.encode(text)), text);
  }
  const noPrefix = tokenizerFromGguf(metaOnly({ ...metadataOf(SPM), 'tokenizer.ggml.add_space_prefix': false }));
  assert.deepEqual(noPrefix.encode('hello'), spmIds('h', 'e', 'llo')); // no ▁h: ll, then llo
  assert.equal(noPrefix.decode(noPrefix.encode('hello hé')), 'hello hé');
});

test('the roles and the chat template a file names; one-line DataErrors naming the field', () => {
  const template =
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  const tokens = [...BPE_TOKENS, '<|im_start|>'];
  const withTemplate = tokenizerFromGguf(
    metaOnly(metadataOf({ ...BPE, tokens, tokenTypes: [...BPE.tokenTypes!, 3], chatTemplate: template })),
  );
  assert.equal(withTemplate.chatTemplate?.source, template);
  assert.equal(withTemplate.special.eos, tokens.indexOf('<|im_end|>'), 'the end of an answer in this template');
  const bad = (metadata: Record<string, GgufValue>, pattern: RegExp) =>
    assert.throws(
      () => tokenizerFromGguf(metaOnly(metadata)),
      (e: unknown) => e instanceof DataError && pattern.test(e.message) && !e.message.includes('\n'),
    );
  bad(
    { ...metadataOf(BPE), 'tokenizer.ggml.pre': 'tekken' },
    /vocab\.gguf.*tokenizer\.ggml\.pre.*pre-tokenizer "tekken" is not supported \(llama-bpe/,
  );
  bad({ ...metadataOf(BPE), 'tokenizer.ggml.model': 'bert' }, /tokenizer\.ggml\.model.*"bert"; only gpt2 .* and llama/);
  bad({ ...metadataOf(SPM), 'tokenizer.ggml.scores': [1, 2] }, /tokenizer\.ggml\.scores.*not a list of 273 numbers/);
  bad({ ...metadataOf(BPE), 'tokenizer.ggml.eos_token_id': 'x' }, /eos_token_id.*"x" is not a token id/);
  const none = tokenizerFromGguf(metaOnly({ ...metadataOf(BPE), 'tokenizer.ggml.padding_token_id': 4294967295 })); // "none", as stories260K has it
  assert.deepEqual([none.special.bos, none.special.pad], [bpeIds('<|endoftext|>')[0], BPE_TOKENS.length + 2]); // pad: appended after <user>, <item>, as with no id
  bad({ ...metadataOf(BPE), 'tokenizer.chat_template': 7 }, /tokenizer\.chat_template.*not a string/);
  bad(
    { ...metadataOf(BPE), 'tokenizer.chat_template': template.replace(/{% if add_generation_prompt %}.*/, '') },
    /tokenizer\.chat_template.*its generation prompt is not what precedes an answer/,
  );
});

/** A GGUF with a random 1-layer model over the vocabulary, for llama.cpp to load. */
function writeVocabGguf(name: string, vocab: GgufTokenizer): string {
  const m = new Llama(
    {
      vocab_size: vocab.tokens.length,
      hidden_size: 8,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 2,
      intermediate_size: 8,
      max_position_embeddings: 64,
    },
    1,
  );
  const file = join(dir, `${name}.gguf`);
  writeLlamaGguf(file, m, { tokenizer: vocab });
  m.dispose();
  return file;
}

const TEXTS = [
  'Heat (1995) | Dumbo (1941) | Se7en (1995)',
  "it's we'll I'd DON'T",
  '1234567 apples and 89 pears',
  'line one\nline two\r\n\ttabbed   spaced  ',
  'naïve café — “quotes” ½',
  '  leading and trailing  ',
];

test('golden: llama.cpp tokenizes like us: a trained byte-level vocabulary under every pre-tokenizer, and the SentencePiece one', async (t) => {
  const nlc = await nodeLlamaCpp();
  if (typeof nlc === 'string') return t.skip(nlc);
  const trained = trainTokenizer({ texts: [...TEXTS, ...TEXTS.map((s) => s.toLowerCase())], vocabSize: 420, minCount: 1 });
  const cases: [string, GgufTokenizer][] = [
    ...['gpt-2', 'llama-bpe', 'qwen2', 'smollm', 'default'].map((pre): [string, GgufTokenizer] => [pre, { ...gpt2Vocab(trained), pre }]),
    ['SentencePiece', SPM],
  ];
  const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  try {
    for (const [name, vocab] of cases) {
      const file = writeVocabGguf(name, vocab);
      const ours = tokenizerFromGguf(metaOnly(metadataOf(vocab)));
      const model = await llama.loadModel({ modelPath: file });
      try {
        for (const text of [...TEXTS, ...SPM_CASES.map((c) => c[0])])
          assert.deepEqual(ours.encode(text), model.tokenize(text), `${name}: ${JSON.stringify(text)}`);
      } finally {
        await model.dispose();
      }
    }
  } finally {
    await llama.dispose();
  }
});
