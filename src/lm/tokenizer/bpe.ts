// Byte-level BPE training (GPT-2 style): the library's ByteLevel pre-tokenizer splits and
// byte-maps the text, merges are learned greedily by pair count (ties: the smaller token ids
// win) with incremental pair counts; the result is a standard Hugging Face tokenizer.json.
// Also the typed handle on @huggingface/tokenizers that tokenizer.ts uses.
import * as hfLibrary from '@huggingface/tokenizers';

/** The BPE model of a loaded tokenizer: pre-tokens → token strings (unknown ones dropped or unk). */
export interface HfModel {
  (tokens: string[]): string[];
  tokens_to_ids: Map<string, number>;
}

/** The library's ByteLevel pre-tokenizer: GPT-2's split regex, then each piece's UTF-8 bytes as characters. */
export interface ByteLevelPre {
  pattern: RegExp;
  use_regex: boolean;
  add_prefix_space: boolean;
  pre_tokenize_text(text: string): string[];
}

/** The parts of @huggingface/tokenizers' Tokenizer used here. */
export interface HfTokenizer {
  normalizer: ((text: string) => string) | null;
  pre_tokenizer: ((text: string, options?: { section_index?: number }) => string[]) | null;
  model: HfModel;
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
}

/**
 * The library, typed by hand: its published .d.ts files import each other without file
 * extensions, which NodeNext cannot follow in a "type": "module" package, so they resolve to any.
 */
export const hf = hfLibrary as unknown as {
  Tokenizer: new (json: object, config: object) => HfTokenizer;
  ByteLevelPreTokenizer: new (config: object) => ByteLevelPre;
};

/** One entry of tokenizer.json's added_tokens (the Hugging Face field names). */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean; // whitespace on its left is absorbed when a text containing it is split
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The parts of a Hugging Face tokenizer.json that this project reads and writes. */
export interface TokenizerJson {
  version: string;
  added_tokens: AddedTokenJson[];
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: {
    type: string;
    vocab: Record<string, number>;
    merges: (string | [string, string])[];
    unk_token?: string | null;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** A special token to reserve: ids 0.. in the order given, never learned from text. */
export interface SpecialSpec {
  content: string;
  lstrip?: boolean;
}

/** GPT-2's reversible byte → printable character map (space → "Ġ", newline → "Ċ", …). */
export function bytesToUnicode(): string[] {
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    map[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return map;
}

const PRE = new hf.ByteLevelPreTokenizer({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true });

/** Adds the pre-tokens of text (GPT-2 regex pieces, e.g. " Titanic") to counts, each weight times. */
export function countWords(counts: Map<string, number>, text: string, weight = 1): void {
  for (const w of text.match(PRE.pattern) ?? []) counts.set(w, (counts.get(w) ?? 0) + weight);
}

export interface BpeModel {
  vocab: string[]; // id → token: specials, the 256 byte characters, then one per merge result
  merges: [string, string][]; // in rank order
}

export interface BpeTrainOptions {
  words: Map<string, number>; // pre-token → count, from countWords
  vocabSize: number; // total, specials and the 256 bytes included
  specials: readonly SpecialSpec[];
  minCount?: number; // stop when the best pair occurs fewer times (default 2)
}

const KEY = 2 ** 21; // pair key = a·KEY + b; ids stay below 2^21

/** Max-heap of (count, pair key): higher count first, then the smaller key (smaller ids). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  private above(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }
  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let i = this.keys.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [count: number, key: number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const c = this.counts.pop() as number;
    const k = this.keys.pop() as number;
    if (this.keys.length > 0) {
      this.counts[0] = c;
      this.keys[0] = k;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.keys.length && this.above(l, m)) m = l;
        if (r < this.keys.length && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/**
 * Learns merges until the vocabulary holds vocabSize tokens or no pair occurs minCount times.
 * Deterministic: the same word counts give the same merges. A merge whose result would spell
 * a special token is skipped, so plain text can never produce a special's id.
 */
export function trainBpe(opts: BpeTrainOptions): BpeModel {
  const { words, vocabSize, specials, minCount = 2 } = opts;
  const vocab = [...specials.map((s) => s.content), ...bytesToUnicode()];
  if (vocabSize < vocab.length) throw new RangeError(`trainBpe: vocabSize ${vocabSize} is below ${vocab.length} (specials + 256 bytes)`);
  if (vocabSize >= KEY) throw new RangeError(`trainBpe: vocabSize ${vocabSize} must stay below ${KEY}`);
  const ids = new Map<string, number>();
  vocab.forEach((t, i) => ids.set(t, i));
  if (ids.size !== vocab.length) throw new RangeError('trainBpe: a special token repeats or spells a single byte character');
  const forbidden = new Set(specials.map((s) => s.content));

  // Words as symbol-id arrays, sorted so the result never depends on Map insertion order.
  const entries = [...words].filter(([w, n]) => w.length > 0 && n > 0).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const symbols = entries.map(([w]) => Array.from(PRE.pre_tokenize_text(w).join(''), (ch) => ids.get(ch) as number));
  const freq = entries.map(([, n]) => n);

  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>(); // pair → words that (once) contained it
  const addPair = (key: number, n: number, w: number, track: boolean): void => {
    pairCount.set(key, (pairCount.get(key) ?? 0) + n);
    if (!track) return;
    const list = where.get(key);
    if (list) list.push(w);
    else where.set(key, [w]);
  };
  symbols.forEach((s, w) => {
    for (let i = 0; i + 1 < s.length; i++) addPair(s[i] * KEY + s[i + 1], freq[w], w, true);
  });
  const heap = new PairHeap();
  for (const [key, n] of pairCount) heap.push(n, key);

  const merges: [string, string][] = [];
  const stamp = new Int32Array(symbols.length).fill(-1);
  while (vocab.length < vocabSize && heap.size > 0) {
    const [n, key] = heap.pop();
    const now = pairCount.get(key) ?? 0;
    if (now !== n) {
      if (now > 0) heap.push(now, key); // a stale entry: requeue with the current count
      continue;
    }
    if (n < minCount) break;
    const a = Math.floor(key / KEY);
    const b = key % KEY;
    const text = vocab[a] + vocab[b];
    if (forbidden.has(text)) continue;
    let id = ids.get(text);
    if (id === undefined) {
      id = vocab.length;
      vocab.push(text);
      ids.set(text, id);
    }
    merges.push([vocab[a], vocab[b]]);
    const grown = new Set<number>();
    for (const w of where.get(key) ?? []) {
      if (stamp[w] === merges.length) continue;
      stamp[w] = merges.length;
      const old = symbols[w];
      const next: number[] = [];
      for (let i = 0; i < old.length; i++) {
        if (i + 1 < old.length && old[i] === a && old[i + 1] === b) {
          next.push(id);
          i++;
        } else next.push(old[i]);
      }
      if (next.length === old.length) continue; // the pair left this word in an earlier merge
      for (let i = 0; i + 1 < old.length; i++) addPair(old[i] * KEY + old[i + 1], -freq[w], w, false);
      for (let i = 0; i + 1 < next.length; i++) {
        const k = next[i] * KEY + next[i + 1];
        const fresh = next[i] === id || next[i + 1] === id;
        addPair(k, freq[w], w, fresh);
        if (fresh) grown.add(k);
      }
      symbols[w] = next;
    }
    where.delete(key);
    for (const k of grown) heap.push(pairCount.get(k) as number, k);
  }
  return { vocab, merges };
}

/** A trained model as a Hugging Face tokenizer.json (byte-level BPE, no normalizer, no unk). */
export function bpeTokenizerJson(model: BpeModel, specials: readonly SpecialSpec[]): TokenizerJson {
  const vocab: Record<string, number> = {};
  model.vocab.forEach((t, i) => (vocab[t] = i));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s, id) => ({
      id,
      content: s.content,
      single_word: false,
      lstrip: s.lstrip ?? false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: model.merges.map(([a, b]) => `${a} ${b}`), // byte-level tokens never contain a space
    },
  };
}
