// A SentencePiece BPE vocabulary (a GGUF's tokenizer.ggml.model = "llama": pieces, scores, token
// types) as a Hugging Face tokenizer.json that encodes as llama.cpp's llm_tokenizer_spm does: a
// space in front of the text (unless add_space_prefix is false), spaces as "▁", then repeatedly
// the adjacent pair whose concatenation is the highest-scoring piece, and the UTF-8 bytes
// (<0xXX> tokens) of whatever is left that is not a piece. The merges are that score order: every
// split of every piece into two pieces, ranked by the whole piece's score (ties: lower id first).
// Control and unknown pieces (types 2, 3) are added special tokens.
import type { AddedTokenJson, TokenizerJson } from './bpe.js';

const UNKNOWN = 2;
const CONTROL = 3;

export interface SpmVocab {
  tokens: string[];
  scores: number[];
  types?: number[];
  unk?: number; // id of the unknown piece
  addSpacePrefix: boolean;
}

/** [left, right] merges in rank order: by the merged piece's score (higher first), then its id, then the split. */
export function spmMerges(tokens: readonly string[], scores: readonly number[]): [string, string][] {
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => ids.has(t) || ids.set(t, i));
  const merges: { left: string; right: string; score: number; id: number }[] = [];
  tokens.forEach((piece, id) => {
    if (ids.get(piece) !== id) return;
    const chars = Array.from(piece);
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join('');
      const right = chars.slice(k).join('');
      if (ids.has(left) && ids.has(right)) merges.push({ left, right, score: scores[id], id });
    }
  });
  merges.sort((a, b) => b.score - a.score || a.id - b.id);
  return merges.map((m) => [m.left, m.right]);
}

export function spmTokenizerJson(v: SpmVocab): TokenizerJson {
  const vocab: Record<string, number> = {};
  v.tokens.forEach((t, i) => Object.hasOwn(vocab, t) || (vocab[t] = i));
  const added: AddedTokenJson[] = [];
  v.tokens.forEach((content, id) => {
    if (v.types?.[id] === CONTROL || v.types?.[id] === UNKNOWN)
      added.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  });
  const spaces = { type: 'Replace', pattern: { String: ' ' }, content: '▁' };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: v.addSpacePrefix ? { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, spaces] } : spaces,
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: v.addSpacePrefix ? 1 : 0, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: v.unk === undefined ? null : v.tokens[v.unk],
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: spmMerges(v.tokens, v.scores),
    },
  };
}
