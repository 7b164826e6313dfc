// The Tokenizer of a GGUF file's embedded vocabulary, encoding as llama.cpp does: "gpt2" (byte-level
// BPE: tokens, merges, token types, the pre-tokenizer tokenizer.ggml.pre names — absent: GPT-2's
// regex, which our exporter's files use) or "llama" (SentencePiece BPE: tokens, scores, byte fallback,
// "▁" spaces). Control tokens (type 3) become added special tokens; ours keep their lstrip behaviour.
// The bos/eos/padding ids name the roles, and tokenizer.chat_template comes along (chat.ts renders
// prompts with it). Anything else is a one-line DataError naming the field.
import { DataError } from '../../engine/errors.js';
import type { GgufValue, Gguf } from '../io/gguf_read.js';
import type { TokenizerJson } from './bpe.js';
import { preTokenizer, PRE_TOKENIZERS } from './pre_tokenizers.js';
import { spmTokenizerJson } from './spm.js';
import { DEFAULT_SPECIALS, Tokenizer } from './tokenizer.js';

const CONTROL = 3;

export function tokenizerFromGguf(g: Gguf): Tokenizer {
  const m = g.metadata;
  const fail = (field: string, msg: string) => new DataError({ file: g.file, field }, msg);
  const strings = (field: string): string[] => {
    const v = m[field];
    if (!Array.isArray(v) || !v.every((t) => typeof t === 'string')) throw fail(field, 'missing or not a list of strings');
    return v as string[];
  };
  const numbers = (field: string, n: number): number[] | undefined => {
    const v: GgufValue | undefined = m[field];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length !== n || !v.every((t) => typeof t === 'number'))
      throw fail(field, `not a list of ${n} numbers (one per token)`);
    return v as number[];
  };
  const model = m['tokenizer.ggml.model'];
  if (model !== 'gpt2' && model !== 'llama')
    throw fail(
      'tokenizer.ggml.model',
      `is ${JSON.stringify(model ?? null)}; only gpt2 (byte-level BPE) and llama (SentencePiece BPE) vocabularies can be rebuilt as a tokenizer (give a tokenizer.json instead)`,
    );
  const tokens = strings('tokenizer.ggml.tokens');
  const types = numbers('tokenizer.ggml.token_type', tokens.length);
  /** A role's token id; one outside the vocabulary (e.g. 4294967295 for "none") is ignored, as llama.cpp ignores it. */
  const id = (role: string): number | undefined => {
    const v = m[`tokenizer.ggml.${role}_token_id`];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw fail(`tokenizer.ggml.${role}_token_id`, `${JSON.stringify(v)} is not a token id`);
    return v >= 0 && v < tokens.length ? v : undefined;
  };
  let json: TokenizerJson;
  if (model === 'llama') {
    const scores = numbers('tokenizer.ggml.scores', tokens.length);
    if (!scores) throw fail('tokenizer.ggml.scores', 'missing (a SentencePiece vocabulary needs its scores)');
    json = spmTokenizerJson({ tokens, scores, types, unk: id('unknown'), addSpacePrefix: m['tokenizer.ggml.add_space_prefix'] !== false });
  } else {
    const pre = m['tokenizer.ggml.pre'] ?? 'gpt-2';
    const spec = typeof pre === 'string' ? preTokenizer(pre) : undefined;
    if (!spec) throw fail('tokenizer.ggml.pre', `pre-tokenizer ${JSON.stringify(pre)} is not supported (${PRE_TOKENIZERS.join(', ')})`);
    json = bpeJson(tokens, strings('tokenizer.ggml.merges'), types, spec);
  }
  const config: Record<string, unknown> = {};
  for (const [role, key] of [
    ['bos', 'bos_token'],
    ['eos', 'eos_token'],
    ['padding', 'pad_token'],
  ] as const) {
    const i = id(role);
    if (i !== undefined) config[key] = tokens[i];
  }
  const template = m['tokenizer.chat_template'];
  if (template !== undefined) {
    if (typeof template !== 'string') throw fail('tokenizer.chat_template', 'is not a string');
    config.chat_template = template;
  }
  try {
    return new Tokenizer(json, config);
  } catch (e) {
    const msg = (e as Error).message;
    throw fail(msg.startsWith('chat template') ? 'tokenizer.chat_template' : 'tokenizer.ggml.tokens', msg);
  }
}

/** A gpt2-style vocabulary as tokenizer.json: byte-level BPE under the given pre-tokenizer. */
function bpeJson(
  tokens: string[],
  merges: string[],
  types: number[] | undefined,
  pre: { pre_tokenizer: object; ignore_merges: boolean },
): TokenizerJson {
  const lstrip = new Map(DEFAULT_SPECIALS.map((s) => [s.content, s.lstrip ?? false]));
  const vocab: Record<string, number> = {};
  const added: TokenizerJson['added_tokens'] = [];
  tokens.forEach((t, id) => {
    if (types?.[id] === CONTROL)
      added.push({ id, content: t, single_word: false, lstrip: lstrip.get(t) ?? false, rstrip: false, normalized: false, special: true });
    vocab[t] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: pre.pre_tokenizer,
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: pre.ignore_merges,
      vocab,
      merges,
    },
  };
}
