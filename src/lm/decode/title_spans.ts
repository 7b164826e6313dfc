// The decoding constraint of texts that cite titles in <title>…</title> spans: free text, but each
// span holds one of the given titles, each at most its count of times (as chat.ts marks them) and
// once a sentence, and before a lead's anchor (the candidate) only the lead's titles (the history),
// encoded as chat.ts encodes a title inside a span.
import { titleIds } from '../tokenizer/chat.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { spanConstraint, type Constraint } from './constraint.js';
import { TokenTrie } from './trie.js';

/**
 * Spans may hold only the titles of `cites` (at least one), each at most its count of times and
 * once a sentence; with a lead, before its anchor title only its titles before, at most `most`.
 */
export function titleSpanConstraint(
  tok: Tokenizer,
  cites: ReadonlyMap<string, number>,
  lead?: { anchor: string; before: ReadonlySet<string>; most: number; order?: readonly string[] },
): Constraint {
  const keys = [...cites.keys()];
  return spanConstraint({
    open: tok.special.titleOpen,
    close: tok.special.titleClose,
    spans: new TokenTrie(keys.map((t) => titleIds(tok, t))),
    maxUses: [...cites.values()],
    vocab: tok.vocabSize,
    ends: sentenceEnds(tok, tok.vocabSize),
    ...(lead && keys.includes(lead.anchor)
      ? {
          lead: {
            anchor: keys.indexOf(lead.anchor),
            before: new Set(keys.flatMap((t, i) => (lead.before.has(t) ? [i] : []))),
            most: lead.most,
            ...(lead.order ? { order: lead.order.map((t) => keys.indexOf(t)) } : {}),
          },
        }
      : {}),
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
