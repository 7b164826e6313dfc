// The decoding constraint of texts that cite titles in <title>…</title> spans: free text, but each
// span holds one of the given titles, encoded as chat.ts encodes a title inside a span.
import { responseIds } from '../tokenizer/chat.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { spanConstraint, type Constraint } from './constraint.js';
import { TokenTrie } from './trie.js';

/** Spans may hold only `titles` (at least one). */
export function titleSpanConstraint(tok: Tokenizer, titles: readonly string[]): Constraint<number> {
  return spanConstraint({
    open: tok.special.titleOpen,
    close: tok.special.titleClose,
    spans: new TokenTrie([...new Set(titles)].map((t) => responseIds(tok, t))),
  });
}
