// Fact-grounded decoding of explanations: the text stays free, but a token that would complete a
// theme or era claim the metadata contradicts is not allowed. The claim is read as fact_check.ts
// reads it, said of the last anchor of its sentence (a cited title, a word about the history, a
// word of sharing, "it"); a claim with no anchor before it, and anything inside a title span, is
// left free. A theme is complete when a token ends it (the next token may not make it part of a
// longer word: a guard errs towards refusing); a year is four digits, and four digits that are a
// decade the subject has but not its year must go on to their "s". Guarded themes are the data
// set's themes of at most GUARD_WORDS words and GUARD_CHARS characters (the ones texts state as
// words, not Amazon's feature sentences).
import type { Constraint } from '../lm/decode/constraint.js';
import { unmarkTitles } from '../lm/tokenizer/chat.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import { holds, subjectAtEnd, type FactContext } from './fact_check.js';

export const GUARD_WORDS = 3;
export const GUARD_CHARS = 30;

const ALNUM = /[\p{L}\p{N}]/u;

/** The tokenizer's text tokens as the guard reads them, and the guarded themes (lower-case), computed once per tokenizer and vocabulary. */
export interface GuardTables {
  textVocab: number; // ids below it are text tokens; the guard never refuses others (item tokens)
  pieces: string[]; // each text token's text, lower-case
  byCore: Map<string, number[]>; // tokens by their text without leading and trailing marks and spaces
  words: string[]; // the guarded themes
  prefixes: Map<string, string[]>; // every proper prefix of a guarded theme → those themes
  decadeS: number[]; // tokens that go on from four digits to a decade: "s…", "'s…"
  numbers: Digits[]; // tokens that write digits (after marks or a space, if any)
}

/** A token that writes digits: whether marks or a space come first (a fresh number), the digits, an "s" or "'s" right after, other text after. */
interface Digits {
  t: number;
  lead: boolean;
  digits: string;
  s: boolean;
  more: boolean;
}

const leads = (piece: string) => piece.length > 0 && !ALNUM.test(piece[0]);
const strip = (s: string) => s.replace(/^[^\p{L}\p{N}]+/u, '').replace(/[^\p{L}\p{N}]+$/u, '');

export function guardTables(tok: Tokenizer, vocabulary: readonly string[], textVocab: number): GuardTables {
  const raw = Array.from({ length: textVocab }, (_, t) => tok.decode([t]));
  const pieces = raw.map((p) => p.toLowerCase());
  const byCore = new Map<string, number[]>();
  pieces.forEach((p, t) => {
    const core = strip(p);
    if (core) byCore.set(core, [...(byCore.get(core) ?? []), t]);
  });
  const words = [...new Set(vocabulary.map((v) => v.trim().toLowerCase()))].filter(
    (w) => w && w.length <= GUARD_CHARS && w.split(/\s+/).length <= GUARD_WORDS && strip(w) === w,
  );
  const prefixes = new Map<string, string[]>();
  for (const w of words) for (let k = 1; k < w.length; k++) prefixes.set(w.slice(0, k), [...(prefixes.get(w.slice(0, k)) ?? []), w]);
  const decadeS = raw.flatMap((p, t) => (/^'?s(?![\p{L}\p{N}])/u.test(p) ? [t] : []));
  const numbers = raw.flatMap((p, t) => {
    const m = /^([^\p{L}\p{N}]*)(\d+)('?s)?/u.exec(p);
    return m ? [{ t, lead: m[1] !== '', digits: m[2], s: m[3] !== undefined, more: m[0].length < p.length }] : [];
  });
  return { textVocab, pieces, byCore, words, prefixes, decadeS, numbers };
}

/** Tokens whose piece, written after `lower`, ends theme `w` begun at `start` (lower.slice(start) its prefix; at the end: a fresh word). */
function completing(g: GuardTables, lower: string, start: number, w: string): number[] {
  const rest = w.slice(lower.length - start);
  const fresh = start === lower.length;
  const joins = !fresh && !ALNUM.test(rest[0]); // the theme goes on after a space or mark ("video| games")
  const tokens = g.byCore.get(joins || fresh ? strip(rest) : rest) ?? [];
  return tokens.filter((t) => {
    const lead = leads(g.pieces[t]);
    if (fresh) return lead || lower === '' || !ALNUM.test(lower[lower.length - 1]);
    return joins ? lead : !lead && g.pieces[t].startsWith(rest);
  });
}

/** Whether four digits may stand here: a year the subject has, or a decade it has (then its "s" must follow). */
type Four = 'year' | 'decade' | 'false';

/**
 * The guard over one case's explanation: its state is the ids generated so far (the span tokens
 * count to skip spans, which the span constraint holds); `ctx`: the case's facts.
 */
export function factGuard(tok: Tokenizer, g: GuardTables, ctx: FactContext): Constraint<readonly number[]> {
  const { titleOpen, titleClose } = tok.special;
  const all = [...Array(g.textVocab).keys()];
  const refused = (text: string): Set<number> | 'decade' => {
    const out = new Set<number>();
    const subject = subjectAtEnd(text, ctx);
    if (!subject) return out;
    const lower = text.toLowerCase();
    for (let start = Math.max(0, lower.length - GUARD_CHARS); start <= lower.length; start++) {
      const fresh = start === lower.length;
      if (!fresh && (!ALNUM.test(lower[start]) || (start > 0 && ALNUM.test(lower[start - 1])))) continue; // not a word start
      for (const w of fresh ? g.words : (g.prefixes.get(lower.slice(start)) ?? []))
        if (!holds({ kind: 'theme', value: w }, subject, ctx)) for (const t of completing(g, lower, start, w)) out.add(t);
    }
    const four = (digits: string): Four =>
      holds({ kind: 'year', value: digits }, subject, ctx)
        ? 'year'
        : digits.endsWith('0') && holds({ kind: 'decade', value: `${digits}s` }, subject, ctx)
          ? 'decade'
          : 'false';
    const tail = /(^|[^\p{L}\p{N}])(\d*)$/u.exec(lower); // the digit run a token may go on (none after a letter)
    if (tail?.[2].length === 4) return four(tail[2]) === 'decade' ? 'decade' : out;
    for (const n of g.numbers) {
      if (!n.lead && !tail) continue; // digits going on a word
      const digits = (n.lead ? '' : tail![2]) + n.digits;
      if (digits.length !== 4) continue; // not yet a year, or not one
      const f = four(digits);
      if (n.s ? digits.endsWith('0') && f === 'false' : f === 'false' || (f === 'decade' && n.more)) out.add(n.t);
    }
    return out;
  };
  return {
    start: () => [],
    allowed(ids) {
      let depth = 0;
      for (const t of ids) depth += t === titleOpen ? 1 : t === titleClose ? -1 : 0;
      if (depth > 0) return undefined;
      const r = refused(unmarkTitles(tok.decode([...ids])));
      if (r === 'decade') return g.decadeS.length ? g.decadeS : undefined;
      return r.size ? all.filter((t) => !r.has(t)) : undefined;
    },
    next: (ids, t) => [...ids, t],
  };
}
