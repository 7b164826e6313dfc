// Title roles in grounded explanations (with the fact guard): a cited title stands only where the
// training explanations cite a title of its role — a shown history item after "are" or in a list's
// commas, the candidate after "No," or a sentence's end, f's nearest item after "closer to" — read
// from the words before it and the marks between (Prose.roles, known_words.ts placesOf). Without it a model
// lists the candidate among the history ("… is Smoke Signals (1998), Fallen (1998) and JFK (1991).
// Smoke Signals (1998), a comedy title …") or writes a history item where the candidate belongs.
// Where the prose never cites a title, or no title of an allowed role is left, roles leave the
// choice free (the span constraint's). misplacedTitles reads any text (free decoding too) the same way.
import type { Constraint } from '../lm/decode/constraint.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import { citedTitles, type Catalogue } from './cite.js';
import { rolesAt, START, TITLE, wordAt, type Prose, type TitleRole } from './known_words.js';

/** A title a case may cite: the ids of its span's content (or its one item token) and its role. */
export interface RoledTitle {
  ids: readonly number[];
  role: TitleRole;
}

/**
 * The constraint over one explanation (its state: the ids so far). With spans (tok.special
 * titleOpen … titleClose), inside a span: the next tokens of the titles whose role may stand where
 * the span opened (titleClose where one ends). Without (item tokens, ids from textVocab on):
 * outside spans, every text token and the item tokens whose role may stand there.
 */
export function titleRoles(
  tok: Tokenizer,
  prose: Prose,
  titles: readonly RoledTitle[],
  textVocab: number,
  spanned: boolean,
): Constraint<readonly number[]> {
  const { titleOpen, titleClose } = tok.special;
  /** The titles whose role may stand after `before`, or undefined where any may. */
  const fitting = (before: readonly number[]) => {
    const at = wordAt(tok, before, textVocab);
    const allowed = at && rolesAt(prose, at.marker, at.text);
    const fit = allowed && titles.filter((t) => allowed.has(t.role));
    return fit?.length ? fit : undefined;
  };
  const text = [...Array(textVocab).keys()];
  return {
    start: () => [],
    allowed(ids) {
      if (!spanned) {
        const fit = fitting(ids);
        return fit && [...text, ...new Set(fit.map((t) => t.ids[0]))];
      }
      const open = ids.lastIndexOf(titleOpen);
      if (open < 0 || ids.lastIndexOf(titleClose) > open) return undefined;
      const inner = ids.slice(open + 1);
      const fit = fitting(ids.slice(0, open))?.filter((t) => inner.every((id, k) => t.ids[k] === id));
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
  for (const span of c.spans) {
    const role = roleOf(span.id);
    const fit = role && rolesAt(prose, from ? TITLE : START, c.normal.slice(from, span.start));
    if (fit && !fit.has(role)) out.push(catalogue.titles[span.id]);
    from = span.end;
  }
  return out;
}
