// The order of a grounded text's leading citations by the model's first choice: where the text's
// first citation begins (as a first greedy pass wrote it), the shown history items ranked by the
// log-probability of their first token there — the token greedy decoding chooses by — and the
// text decoded again citing them in that order. Greedy decoding picks its second and third
// citations after the first; measured on H's 150 texts, the top three of the first choice's
// ranking are f's top-3 contributors more often (P@3 0.398 against 0.360).
import type { SoftSlot } from '../align/examples.js';
import type { Surrogate } from '../align/model.js';
import { fixedConstraint } from '../lm/decode/constraint.js';
import { beamSearch } from '../lm/decode/search.js';
import { responseIds, titleIds } from '../lm/tokenizer/chat.js';

/**
 * The shown items ranked by their first token's log-probability after the prompt and `prefix` (the
 * text before the first citation; item tokens from itemFirst, else a title span opens first);
 * items that share a first token keep their order in `shown`.
 */
export function firstChoiceOrder(
  s: Surrogate,
  prompt: { ids: readonly number[]; soft: readonly SoftSlot[] },
  prefix: string,
  shown: readonly number[],
  titles: readonly string[],
  itemFirst?: number,
): number[] {
  const head = [...prompt.ids, ...responseIds(s.tok, prefix), ...(itemFirst === undefined ? [s.tok.special.titleOpen] : [])];
  const first = (i: number) => (itemFirst === undefined ? titleIds(s.tok, titles[i])[0] : itemFirst + i - 1);
  const tokens = [...new Set(shown.map(first))];
  const soft = s.softTokens([prompt.soft]);
  try {
    const ranked = beamSearch(
      s.model,
      { ids: head, constraint: fixedConstraint(tokens) },
      { beams: tokens.length, maxNewTokens: 1, lengthPenalty: 0 },
      soft,
    );
    const rank = new Map(ranked.map((b, k) => [b.ids[0], k]));
    return [...shown].sort((a, b) => (rank.get(first(a)) ?? Infinity) - (rank.get(first(b)) ?? Infinity));
  } finally {
    soft?.vectors.dispose();
  }
}

/** The text before a text's first citation of a shown item, when that citation comes before the candidate's (the lead's list), else undefined. */
export function leadPrefix(text: string, shown: readonly number[], candidate: number, titles: readonly string[]): string | undefined {
  const at = Math.min(...shown.map((i) => text.indexOf(titles[i])).filter((k) => k >= 0));
  const cand = text.indexOf(titles[candidate]);
  return Number.isFinite(at) && (cand < 0 || cand > at) ? text.slice(0, at).trimEnd() : undefined;
}
