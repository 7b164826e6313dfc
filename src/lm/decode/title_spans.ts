// The decoding constraint of texts that cite titles in <title>…</title> spans: free text, but each
// span holds one of the given titles, each at most its count of times (as chat.ts marks them),
// encoded as chat.ts encodes a title inside a span.
import { titleIds } from '../tokenizer/chat.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { spanConstraint, type Constraint } from './constraint.js';
import { TokenTrie } from './trie.js';

/** Spans may hold only the titles of `cites` (at least one), each at most its count of times. */
export function titleSpanConstraint(tok: Tokenizer, cites: ReadonlyMap<string, number>): Constraint {
  return spanConstraint({
    open: tok.special.titleOpen,
    close: tok.special.titleClose,
    spans: new TokenTrie([...cites.keys()].map((t) => titleIds(tok, t))),
    maxUses: [...cites.values()],
    vocab: tok.vocabSize,
  });
}
