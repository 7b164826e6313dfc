// Byte-level BPE trainer and Tokenizer: merges checked by hand, determinism, lossless round trips,
// specials that plain text never yields, save/load, the library and a naive BPE agreeing with our
// encoder, other tokenizer.json styles, and tokens per title on real MovieLens titles (skipped when absent).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToUnicode, countWords, hf, trainBpe, type TokenizerJson } from '../../src/lm/tokenizer/bpe.js';
import { SPECIALS, Tokenizer, trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';
import { tokenizerCorpus } from '../../src/base/corpus.js';
import { brownPairs } from '../../src/tasks/corpus.js';
import { loadTemplates } from '../../src/tasks/templates.js';
import { RawLog } from '../../src/data/rawlog.js';
import { loadMovieLens } from '../../src/data/loaders/movielens.js';
import { processLog } from '../../src/data/process.js';
import { readDataset, writeDataset } from '../../src/data/dataset.js';
import { ringDataset } from '../rec/fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'tokenizer-'));
const ring = ringDataset();
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(ring, { recursive: true, force: true });
});
const SHARED = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

const tok = trainTokenizer({ texts: tokenizerCorpus(ring), vocabSize: 4096 });
const BROWN = brownPairs()
  .slice(0, 3000)
  .map((p) => p.text);
const VARIED = [
  'Misérables, Les (1995)',
  "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
  'popcorn 🍿🎬 family 👨‍👩‍👧 flag 🇫🇷',
  'Titanic (1997) | Dumbo (1941) | Se7en (1995)',
  'line one\nline two\r\n\ttabbed   spaced  \n\n',
  '  leading and trailing  ',
  '3.14159 1,000,000 2001: A Space Odyssey (1968)',
  'naïve café — “quotes” ‘single’ … ½ × ÷',
  '日本語のテキスト, 한국어, Ελληνικά, русский',
  "it's we'll I'd DON'T",
  'a\u0000b\u007f\u00a0c\uFEFF',
  '',
  ' ',
];

/** Textbook GPT-2 BPE: split, bytes as characters, merge the best-ranked pair everywhere until none is left. */
function naiveEncode(json: TokenizerJson, text: string): number[] {
  const ranks = new Map(json.model.merges.map((m, i) => [typeof m === 'string' ? m : m.join(' '), i]));
  const bytes = bytesToUnicode();
  const ids: number[] = [];
  for (const piece of text.match(/'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu) ?? []) {
    let w = Array.from(Buffer.from(piece, 'utf8'), (b) => bytes[b]);
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < w.length; i++) {
        const r = ranks.get(`${w[i]} ${w[i + 1]}`);
        if (r !== undefined && (best < 0 || r < best)) best = r;
      }
      if (best < 0) break;
      const [a, b] = (json.model.merges[best] as string).split(' ');
      const next: string[] = [];
      for (let i = 0; i < w.length; i++) {
        if (w[i] === a && w[i + 1] === b) next.push(w[i++] + b);
        else next.push(w[i]);
      }
      w = next;
    }
    for (const t of w) ids.push(json.model.vocab[t]);
  }
  return ids;
}

test('merges on a tiny corpus, by hand: "aaab aaab ab" merges a+a, then a+b, then aa+ab', () => {
  const words = new Map<string, number>();
  countWords(words, 'aaab aaab ab');
  assert.deepEqual(
    [...words],
    [
      ['aaab', 1],
      [' aaab', 1],
      [' ab', 1],
    ],
  );
  // pairs: a a ×4, a b ×3, Ġ a ×2 → "a a"; then a b ×3 → "a b"; then aa ab ×2; the rest occur once
  const m = trainBpe({ words, vocabSize: 1000, specials: [] });
  assert.deepEqual(m.merges, [
    ['a', 'a'],
    ['a', 'b'],
    ['aa', 'ab'],
  ]);
  assert.deepEqual(m.vocab.slice(256), ['aa', 'ab', 'aaab']);
  assert.equal(m.vocab[32], 'Ġ');
  // minCount 1: the count-1 ties go to the smaller ids: Ġ+ab (ab = 257) before Ġ+aaab (258)
  assert.deepEqual(trainBpe({ words, vocabSize: 1000, specials: [], minCount: 1 }).merges.slice(3), [
    ['Ġ', 'ab'],
    ['Ġ', 'aaab'],
  ]);
  assert.deepEqual(trainBpe({ words, vocabSize: 258, specials: [] }).merges, [
    ['a', 'a'],
    ['a', 'b'],
  ]);
  // a special's text is never learned: with "aa" reserved, a+b comes first and aaab grows from the right
  const sp = trainBpe({ words, vocabSize: 1000, specials: [{ content: 'aa' }] });
  assert.deepEqual(sp.merges, [
    ['a', 'b'],
    ['a', 'ab'],
    ['a', 'aab'],
  ]);
  assert.deepEqual(sp.vocab.slice(0, 2), ['aa', 'Ā']);
  assert.throws(() => trainBpe({ words, vocabSize: 256, specials: [{ content: '<s>' }] }), RangeError);
  assert.throws(() => trainBpe({ words, vocabSize: 300, specials: [{ content: 'a' }] }), /spells a single byte/);
});

test("bytesToUnicode is the library's byte map, for every byte that UTF-8 text can hold", () => {
  const bytes = bytesToUnicode();
  assert.equal(new Set(bytes).size, 256);
  assert.deepEqual([bytes[0x20], bytes[0x0a], bytes[0x41]], ['Ġ', 'Ċ', 'A']);
  const pre = new hf.ByteLevelPreTokenizer({ type: 'ByteLevel', add_prefix_space: false, use_regex: false });
  const seen = new Set<number>();
  const leads3 = Array.from({ length: 16 }, (_, k) => (k === 0 ? 0x800 : 0x1000 * k)); // lead bytes E0–EF (0xD000 is no surrogate)
  const leads4 = [0x10000, 0x40000, 0x80000, 0xc0000, 0x100000]; // lead bytes F0–F4
  for (const cp of [...Array.from({ length: 0x800 }, (_, i) => i), ...leads3, ...leads4, 0x1f3ac]) {
    const ch = String.fromCodePoint(cp);
    const utf8 = [...Buffer.from(ch, 'utf8')];
    utf8.forEach((b) => seen.add(b));
    assert.equal(pre.pre_tokenize_text(ch).join(''), utf8.map((b) => bytes[b]).join(''), `U+${cp.toString(16)}`);
  }
  assert.equal(seen.size, 256 - 13); // C0, C1 and F5–FF never occur in UTF-8 (they stay in the alphabet)
});

test('training is deterministic and independent of the order of the texts', () => {
  const a = trainTokenizer({ texts: BROWN, vocabSize: 1500 });
  const b = trainTokenizer({ texts: BROWN, vocabSize: 1500 });
  const c = trainTokenizer({ texts: [...BROWN].reverse(), vocabSize: 1500 });
  assert.equal(a.json.model.merges.length, 1500 - 256 - 9);
  assert.deepEqual(a.json, b.json);
  assert.deepEqual(a.json, c.json);
});

test('encode → decode is the identity on accents, emoji, "|", digits, newlines and odd whitespace', () => {
  for (const s of [...VARIED, ...BROWN.slice(0, 500), VARIED.join('\n')]) assert.equal(tok.decode(tok.encode(s)), s);
  assert.deepEqual(tok.encode(''), []);
  assert.equal(tok.decode([]), '');
  assert.throws(() => tok.decode([tok.vocabSize]), RangeError);
  assert.throws(() => tok.decode([1.5]), RangeError);
});

test('specials are single reserved ids that plain text never yields, not even a literal "<user>"', () => {
  assert.deepEqual(tok.special, { pad: 0, bos: 1, eos: 2, user: 3, item: 4, userTurn: 5, assistantTurn: 6, titleOpen: 7, titleClose: 8 });
  assert.equal(tok.vocabSize, 4096);
  assert.equal(tok.unk, undefined); // byte-level: every text is encodable
  for (const [role, content] of Object.entries(SPECIALS)) {
    const id: number = tok.special[role as keyof typeof SPECIALS];
    assert.ok(tok.isSpecial(id));
    assert.equal(tok.decode([id]), content);
    for (const text of [content, `history: ${content}.`, `a${content}b ${content.toUpperCase()}`]) {
      const ids = tok.encode(text);
      assert.ok(!ids.some((i) => tok.isSpecial(i)), `${text} → ${ids}`);
      assert.equal(tok.decode(ids), text);
    }
  }
  // the library's own encode() does split specials out of text; that is why encode() bypasses it
  assert.deepEqual(new hf.Tokenizer(tok.json, {}).encode('<user>', { add_special_tokens: false }).ids, [tok.special.user]);
});

test('a tokenizer whose merges would spell a special re-spells that piece by character', () => {
  const chars = ['<', 'u', 's', 'e', 'r', '>'];
  const json: TokenizerJson = {
    version: '1.0',
    added_tokens: [{ id: 10, content: '<user>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    model: {
      type: 'BPE',
      vocab: Object.fromEntries([...chars, '<u', '<us', '<use', '<user', '<user>'].map((t, i) => [t, i])),
      merges: ['< u', '<u s', '<us e', '<use r', '<user >'],
    },
  };
  const t = new Tokenizer(json);
  assert.equal(t.special.user, 10);
  assert.deepEqual(t.encode('<user>'), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(t.encode('<use'), [8]);
});

test('save → load gives the same file and encodings; the library and a naive BPE encode like ours', () => {
  const file = join(tmp, 'ours', 'tokenizer.json');
  tok.save(file);
  const back = Tokenizer.load(file);
  assert.deepEqual(back.json, tok.json);
  const json = JSON.parse(readFileSync(file, 'utf8')) as TokenizerJson;
  assert.equal(json.model.type, 'BPE');
  assert.equal(json.model.merges.length, 4096 - 256 - 9);
  const lib = new hf.Tokenizer(json, {});
  for (const s of [...VARIED, ...BROWN]) {
    const ids = tok.encode(s);
    assert.deepEqual(back.encode(s), ids);
    assert.deepEqual(lib.encode(s, { add_special_tokens: false }).ids, ids, s);
    assert.deepEqual(naiveEncode(json, s), ids, s);
  }
});

test('a GPT-2-style tokenizer.json: roles map onto <|endoftext|> (or tokenizer_config.json) and the rest are appended, <user> and <item> first', () => {
  const bytes = bytesToUnicode();
  const json: TokenizerJson = {
    version: '1.0',
    added_tokens: [
      { id: 258, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      vocab: { ...Object.fromEntries(bytes.map((c, i) => [c, i])), Ġt: 256, Ġth: 257, '<|endoftext|>': 258 },
      merges: ['Ġ t', 'Ġt h'],
    },
  };
  const dir = join(tmp, 'gpt2');
  mkdirSync(dir);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  const t = Tokenizer.load(join(dir, 'tokenizer.json'));
  assert.deepEqual(t.special, {
    pad: 261,
    bos: 258,
    eos: 258,
    user: 259,
    item: 260,
    userTurn: 262,
    assistantTurn: 263,
    titleOpen: 264,
    titleClose: 265,
  });
  assert.equal(t.vocabSize, 266);
  assert.deepEqual(t.appended, ['<user>', '<item>', '<pad>', 'USER:', 'ASSISTANT:', '<title>', '</title>']); // <user>, <item> first, as the reference appends them
  assert.equal(t.prefixSpace, false);
  assert.deepEqual(t.encode(' the'), [257, bytes.indexOf('e')]);
  for (const s of VARIED) assert.equal(t.decode(t.encode(s)), s);
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: { content: '<|endoftext|>' } }));
  const withConfig = Tokenizer.load(join(dir, 'tokenizer.json'));
  assert.equal(withConfig.special.pad, 258);
  assert.equal(withConfig.special.user, 259);
  t.save(join(tmp, 'gpt2-saved', 'tokenizer.json')); // a folder without the tokenizer_config.json
  const saved = Tokenizer.load(join(tmp, 'gpt2-saved', 'tokenizer.json'));
  assert.deepEqual([saved.special, saved.appended], [t.special, []]);
});

test('a Llama/SentencePiece-style tokenizer.json (▁ prefix, byte fallback) loads and round-trips', () => {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  Object.assign(vocab, { '▁': 259, h: 260, i: 261, '▁h': 262, '▁hi': 263 });
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const json: TokenizerJson = {
    version: '1.0',
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: { type: 'BPE', unk_token: '<unk>', byte_fallback: true, fuse_unk: true, vocab, merges: ['▁ h', '▁h i'] },
  };
  const t = new Tokenizer(json);
  assert.equal(t.prefixSpace, true);
  assert.equal(t.unk, 0);
  assert.deepEqual([t.special.bos, t.special.eos, t.special.pad, t.special.assistantTurn], [1, 2, 266, 268]); // appended: <user> <item> <pad> USER: ASSISTANT: …
  assert.deepEqual(t.encode('hi hi'), [263, 263]);
  assert.deepEqual(t.encode('hé'), [262, 3 + 0xc3, 3 + 0xa9]);
  for (const s of ['hi hé 🍿', 'Misérables, Les (1995)', '<s> is text here']) assert.equal(t.decode(t.encode(s)), s);
  assert.ok(!t.encode('<s>').includes(1));
});

test('the default corpus makes fixture titles and every template word cheap', () => {
  const words = new Set(
    Object.values(loadTemplates().prompts)
      .flat()
      .flatMap((s) => s.replace(/\{[^{}]*\}/g, '').match(/ ?\p{L}+/gu) ?? []),
  );
  const split = [...words].filter((w) => tok.encode(w).length > 1);
  assert.deepEqual(split, [], `template words split into several tokens: ${split.join(',')}`);
  const titles = readDataset(ring).items.map((i) => ` ${i.title}`);
  for (const title of titles) assert.ok(tok.encode(title).length <= 3, `${title} → ${tok.encode(title).map((i) => tok.idToToken(i))}`); // "ĠItem", "Ġ8", "6"
  assert.deepEqual(
    tok.encode(' Item |').map((i) => tok.idToToken(i)),
    ['ĠItem', 'Ġ|'],
  );
  const many = Array.from({ length: 50_000 }, (_, i) => titles[i % titles.length] + ` (${1900 + (i % 120)})`);
  const t0 = performance.now();
  for (const s of many) tok.encode(s);
  const perSecond = many.length / ((performance.now() - t0) / 1000);
  assert.ok(perSecond > 20_000, `${perSecond.toFixed(0)} titles/s`);
});

/** Mean tokens per title (" " + title, as titles follow a space or "| " in prompts) at vocab 4096 and 8192. */
function tokensPerTitle(datasetDir: string, titles: string[], templates?: string): Record<number, number> {
  const texts = tokenizerCorpus(datasetDir, templates);
  const out: Record<number, number> = {};
  for (const vocabSize of [4096, 8192]) {
    const t = trainTokenizer({ texts, vocabSize });
    out[vocabSize] = titles.reduce((s, title) => s + t.encode(' ' + title).length, 0) / titles.length;
  }
  return out;
}

test('real ml-100k titles (data set built in the test): tokens per title at vocab 4096 and 8192', async (t) => {
  const raw = join(SHARED, 'movielens-100k');
  if (!existsSync(raw)) return t.skip(`${raw} not present`);
  const log = new RawLog();
  await loadMovieLens({ inputs: [raw], quiet: true }, log);
  const dir = join(tmp, 'ml-100k');
  writeDataset(dir, processLog(log, { topItems: 0, users: 0, kcore: 5, seed: 1 }), 'ml-100k');
  const titles = readDataset(dir).items.map((i) => i.title);
  const tpt = tokensPerTitle(dir, titles);
  t.diagnostic(`${titles.length} titles: ${tpt[4096].toFixed(2)} tokens/title at 4096, ${tpt[8192].toFixed(2)} at 8192`);
  assert.ok(tpt[8192] < tpt[4096] && tpt[4096] < 11, JSON.stringify(tpt));
});
