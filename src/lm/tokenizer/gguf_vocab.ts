// A byte-level BPE tokenizer rebuilt from a GGUF's gpt2-style vocabulary (tokenizer.ggml.model =
// "gpt2": tokens, merges, token types), as our exporter and llama.cpp's converters write it.
// Control tokens (type 3) become added special tokens; ours keep their lstrip behaviour.
import { DataError } from '../../engine/errors.js';
import type { TokenizerJson } from './bpe.js';
import { DEFAULT_SPECIALS, Tokenizer } from './tokenizer.js';
import type { Gguf } from '../io/gguf_read.js';

const CONTROL = 3;

export function tokenizerFromGguf(g: Gguf): Tokenizer {
  const m = g.metadata;
  const fail = (field: string, msg: string) => new DataError({ file: g.file, field }, msg);
  if (m['tokenizer.ggml.model'] !== 'gpt2')
    throw fail(
      'tokenizer.ggml.model',
      `is ${JSON.stringify(m['tokenizer.ggml.model'] ?? null)}; only gpt2-style (byte-level BPE) vocabularies can be rebuilt as a tokenizer (give a tokenizer.json instead)`,
    );
  const tokens = m['tokenizer.ggml.tokens'];
  const merges = m['tokenizer.ggml.merges'];
  const types = m['tokenizer.ggml.token_type'];
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
    throw fail('tokenizer.ggml.tokens', 'missing or not a list of strings');
  if (!Array.isArray(merges) || !merges.every((t) => typeof t === 'string'))
    throw fail('tokenizer.ggml.merges', 'missing or not a list of strings');
  const lstrip = new Map(DEFAULT_SPECIALS.map((s) => [s.content, s.lstrip ?? false]));
  const vocab: Record<string, number> = {};
  const added: TokenizerJson['added_tokens'] = [];
  tokens.forEach((t, id) => {
    if (Array.isArray(types) && types[id] === CONTROL)
      added.push({
        id,
        content: t as string,
        single_word: false,
        lstrip: lstrip.get(t as string) ?? false,
        rstrip: false,
        normalized: false,
        special: true,
      });
    vocab[t as string] = id;
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const json: TokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
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
      merges: merges as string[],
    },
  };
  try {
    return new Tokenizer(json);
  } catch (e) {
    throw fail('tokenizer.ggml.tokens', (e as Error).message);
  }
}
