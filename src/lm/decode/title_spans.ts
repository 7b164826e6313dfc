// The decoding constraint of texts that cite titles in <title>…</title> spans: free text, but each
// span holds one of the given titles, each at most its count of times (as chat.ts marks them) and
// once a sentence, encoded as chat.ts encodes a title inside a span.
import { titleIds } from '../tokenizer/chat.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { spanConstraint, type Constraint } from './constraint.js';
import { TokenTrie } from './trie.js';

/** Spans may hold only the titles of `cites` (at least one), each at most its count of times and once a sentence. */
export function titleSpanConstraint(tok: Tokenizer, cites: ReadonlyMap<string, number>): Constraint {
  return spanConstraint({
    open: tok.special.titleOpen,
    close: tok.special.titleClose,
    spans: new TokenTrie([...cites.keys()].map((t) => titleIds(tok, t))),
    maxUses: [...cites.values()],
    vocab: tok.vocabSize,
    ends: sentenceEnds(tok, tok.vocabSize),
  });
}

const ENDS = new WeakMap<Tokenizer, Map<number, ReadonlySet<number>>>();

/** The text tokens (ids below textVocab, specials aside) whose text holds a mark that ends a sentence: . ; ! ? */
export function sentenceEnds(tok: Tokenizer, textVocab: number): ReadonlySet<number> {
  const byVocab = ENDS.get(tok) ?? new Map<number, ReadonlySet<number>>();
  ENDS.set(tok, byVocab);
  let out = byVocab.get(textVocab);
  if (!out) {
    const specials = new Set(Object.values(tok.special));
    out = new Set([...Array(textVocab).keys()].filter((t) => !specials.has(t) && /[.;!?]/.test(tok.decode([t]))));
    byVocab.set(textVocab, out);
  }
  return out;
}
