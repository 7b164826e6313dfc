// The decoding constraint of texts that cite titles in <title>…</title> spans: free text, but each
// span holds one of the given titles, each at most MAX_CITES times (as chat.ts marks them), encoded
// as chat.ts encodes a title inside a span.
import { MAX_CITES, titleIds } from '../tokenizer/chat.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { spanConstraint, type Constraint } from './constraint.js';
import { TokenTrie } from './trie.js';

/** Spans may hold only `titles` (at least one). */
export function titleSpanConstraint(tok: Tokenizer, titles: readonly string[]): Constraint {
  return spanConstraint({
    open: tok.special.titleOpen,
    close: tok.special.titleClose,
    spans: new TokenTrie([...new Set(titles)].map((t) => titleIds(tok, t))),
    maxUses: MAX_CITES,
    vocab: tok.vocabSize,
  });
}
