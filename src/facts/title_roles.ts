// Title roles in grounded explanations (with the fact guard): a cited title stands only where the
// training explanations cite a title of its role — a shown history item after "are" or in a list's
// commas, the candidate after "No," or a sentence's end, f's nearest item after "closer to" — read
// from the two words before it and the marks between, or from the title before it and its role
// (Prose.roles, known_words.ts placesOf). Without it a model lists the candidate among the history
// ("… is Smoke Signals (1998), Fallen (1998) and JFK (1991). Smoke Signals (1998), a comedy title …")
// or writes a history item where the candidate belongs. Where the prose cites no title, none may
// stand (this ends lists that run on: "… Elf (2003), a comedy and children Multiplicity (1996) and
// Craft, The (1996)"); where no title of a cited role is left, the choice stays the span
// constraint's. misplacedTitles reads any text (free decoding too) the same way.
import type { Constraint } from '../lm/decode/constraint.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import { citedTitles, type Catalogue } from './cite.js';
import { rolesAt, START, titleMarker, wordAt, type Prose, type TitleRole } from './known_words.js';

/** A title a case may cite: the ids of its span's content (or its one item token) and its role. */
export interface RoledTitle {
  ids: readonly number[];
  role: TitleRole;
}

/**
 * The constraint over one explanation (its state: the ids so far). With spans (tok.special
 * titleOpen … titleClose): outside a span, no titleOpen where the prose cites no title; inside,
 * the next tokens of the titles whose role may stand where the span opened (titleClose where one
 * ends). Without (item tokens, ids from textVocab on): every text token, and the item tokens whose
 * role may stand there.
 */
export function titleRoles(
  tok: Tokenizer,
  prose: Prose,
  titles: readonly RoledTitle[],
  textVocab: number,
  spanned: boolean,
): Constraint<readonly number[]> {
  const { titleOpen, titleClose } = tok.special;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, k) => x === b[k]);
  /** The role of the last title of `ids` (a closed span, or an item token), if it is one of `titles`. */
  const lastRole = (ids: readonly number[]): TitleRole | undefined => {
    if (!spanned) return titles.find((t) => t.ids[0] === [...ids].reverse().find((x) => x >= textVocab))?.role;
    const close = ids.lastIndexOf(titleClose);
    if (close < 0) return undefined;
    const inner = ids.slice(ids.lastIndexOf(titleOpen, close) + 1, close);
    return titles.find((t) => same(t.ids, inner))?.role;
  };
  /** The roles the prose cites after `before` (undefined: none there), and the titles of those roles. */
  const fitting = (before: readonly number[]) => {
    const at = wordAt(tok, before, textVocab);
    const allowed = at && rolesAt(prose, at.marker === START ? START : titleMarker(lastRole(before)), at.text);
    return { allowed, fit: allowed && titles.filter((t) => allowed.has(t.role)) };
  };
  const text = [...Array(textVocab).keys()];
  const noOpen = [...Array(tok.vocabSize).keys()].filter((t) => t !== titleOpen);
  return {
    start: () => [],
    allowed(ids) {
      if (!spanned) {
        const { allowed, fit } = fitting(ids);
        if (!allowed) return text; // no title here
        return fit!.length ? [...text, ...new Set(fit!.map((t) => t.ids[0]))] : undefined;
      }
      const open = ids.lastIndexOf(titleOpen);
      if (open < 0 || ids.lastIndexOf(titleClose) > open) return fitting(ids).allowed ? undefined : noOpen; // no span opens where the prose cites no title
      const inner = ids.slice(open + 1);
      const fit = fitting(ids.slice(0, open)).fit?.filter((t) => inner.every((id, k) => t.ids[k] === id));
      if (!fit?.length) return undefined;
      const next = new Set(fit.map((t) => (t.ids.length > inner.length ? t.ids[inner.length] : titleClose)));
      return [...next];
    },
    next: (ids, t) => [...ids, t],
  };
}

/**
 * The titles a text cites (citedTitles) where the prose cites titles of other roles only, in
 * order; `roleOf` gives a cited item's role (undefined: none, never misplaced).
 */
export function misplacedTitles(text: string, catalogue: Catalogue, prose: Prose, roleOf: (id: number) => TitleRole | undefined): string[] {
  const c = citedTitles(text, catalogue);
  const out: string[] = [];
  let from = 0;
  let marker = START;
  for (const span of c.spans) {
    const role = roleOf(span.id);
    const fit = role && rolesAt(prose, marker, c.normal.slice(from, span.start));
    if (fit && !fit.has(role)) out.push(catalogue.titles[span.id]);
    from = span.end;
    marker = titleMarker(role);
  }
  return out;
}
