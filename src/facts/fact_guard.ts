// Fact-grounded decoding of explanations (explain --fact-guard): the text stays free, but no token
// may write a theme or era claim the metadata contradicts. The claim is read as fact_check.ts
// reads it, said of the last anchor of its sentence (a cited title, a word about the history, a
// word of sharing, "it"); a claim with no anchor before it, and anything inside a title span, is
// left free. A theme is complete when a token ends it (a guard errs towards refusing). A word is
// refused before it completes a false theme once what it has so far mostly begins false themes:
// with word counts (the training explanations' prose, known_words.ts), when the counted words
// beginning so are false themes' first words in half their occurrences or more (so
// "s" for "sits" stays free where sci-fi is false, "com" for comedy does not) — with word order,
// the words that follow the word before it there ("a h" is refused where "horror" is false and
// the only word after "a" that begins with "h"); without counts, from its first letter. Either
// way not while it is a FUNCTION_WORDS word such as "a" or "an", nor while a true theme begins so; without counts a word begun on a true theme may only go on along one
// ("c|orror"; with counts, known_words.ts keeps words whole). Digits outside parentheses must spell
// a year or decade the subject has, four at most, and four digits that are its decade but not its
// year go on to their "s"; where no item has a year, no digits stand outside parentheses. How texts list
// themes is held too: after a true theme and "and" or ",", only a true theme the sentence has not
// stated may follow (the list ends where none is left); after the candidate and "a" or "an", only
// such a theme or "title"; "an" only where such a theme begins with a vowel. Guarded themes are
// the data set's themes of at most GUARD_WORDS words ("&" is none: "Retro Gaming & Microconsoles") and
// GUARD_CHARS characters (the ones texts state as words, not Amazon's feature sentences).
import type { Constraint } from '../lm/decode/constraint.js';
import { unmarkTitles } from '../lm/tokenizer/chat.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import { holds, subjectAtEnd, type FactContext, type Subject } from './fact_check.js';
import { wordAt } from './known_words.js';

export const GUARD_WORDS = 3;
export const GUARD_CHARS = 30;
/** What a text calls the candidate when it states no theme of it ("a title", targets.ts kindOf). */
const KIND_WORD = 'title';
/** English words a text needs, never refused for beginning a theme ("a" for "action", "an" for "animation"). */
const FUNCTION_WORDS = new Set([
  'a',
  'an',
  'and',
  'as',
  'at',
  'by',
  'for',
  'from',
  'i',
  'in',
  'is',
  'it',
  'its',
  'of',
  'on',
  'or',
  'so',
  'the',
  'to',
  'with',
]);

const ALNUM = /[\p{L}\p{N}]/u;

/** The tokenizer's text tokens (ids below textVocab) as the guard reads them, and the guarded themes (lower-case), computed once per tokenizer and vocabulary. */
export interface GuardTables {
  pieces: string[]; // each text token's text, lower-case (the guard never refuses item tokens)
  letters: string[]; // the letters each text token's text begins with ('' when it begins otherwise)
  all: number[]; // every token id of the tokenizer (item tokens too)
  byCore: Map<string, number[]>; // tokens by their text without leading and trailing marks and spaces (marks alone: by the marks)
  words: string[]; // the guarded themes
  prefixes: Map<string, string[]>; // every proper prefix of a guarded theme → those themes
  decadeS: number[]; // tokens that go on from four digits to a decade: "s…", "'s…"
  listOn: number[]; // tokens that go on a list: ",…", "and"
  article: number[]; // the tokens " an" and "an"
  numbers: Digits[]; // tokens that write digits (after marks or a space, if any)
  byPrefix?: Map<string, [string, number][]>; // with word counts: every prefix of a counted word → those words and their counts
  spaceLed?: Map<number, [string, number][]>; // with word counts: a token of spaces alone → the counted words written after it ("␣|rom|ance")
  follows?: ReadonlyMap<string, ReadonlyMap<string, number>>; // with word order: a word → the words after it, as written, and their counts (Prose.follows)
  after: Map<string, { byPrefix: Map<string, [string, number][]>; counts: Map<string, number> }>; // per word of follows: byPrefix and counts of the words after it, lower-case (filled as asked)
}

/** A token that writes digits: whether marks or a space come first (a fresh number), the digits, an "s" or "'s" right after, other text after. */
interface Digits {
  t: number;
  lead: string; // the marks or space before the digits ('' when they go on the text's digits)
  digits: string;
  s: boolean;
  more: boolean;
}

const leads = (piece: string) => piece.length > 0 && !ALNUM.test(piece[0]);
const strip = (s: string) => s.replace(/^[^\p{L}\p{N}]+/u, '').replace(/[^\p{L}\p{N}]+$/u, '');

/** The first run of letters of a theme ("sci" of "sci-fi"). */
const firstRun = (w: string) => /^\p{L}*/u.exec(w)![0];

export function guardTables(
  tok: Tokenizer,
  vocabulary: readonly string[],
  textVocab: number,
  counts?: ReadonlyMap<string, number>,
  follows?: ReadonlyMap<string, ReadonlyMap<string, number>>,
): GuardTables {
  const raw = Array.from({ length: textVocab }, (_, t) => tok.decode([t]));
  const pieces = raw.map((p) => p.toLowerCase());
  const byCore = new Map<string, number[]>();
  pieces.forEach((p, t) => {
    const core = strip(p) || p.trim(); // a token of marks alone is filed under them
    if (core) byCore.set(core, [...(byCore.get(core) ?? []), t]);
  });
  const words = [...new Set(vocabulary.map((v) => v.trim().toLowerCase()))].filter(
    (w) => w && w.length <= GUARD_CHARS && w.split(/\s+/).filter((x) => x !== '&').length <= GUARD_WORDS && strip(w) === w,
  );
  const prefixes = new Map<string, string[]>();
  for (const w of words) for (let k = 1; k < w.length; k++) prefixes.set(w.slice(0, k), [...(prefixes.get(w.slice(0, k)) ?? []), w]);
  const decadeS = raw.flatMap((p, t) => (/^'?s(?![\p{L}\p{N}])/u.test(p) ? [t] : []));
  const numbers = raw.flatMap((p, t) => {
    const m = /^([^\p{L}\p{N}]*)(\d+)('?s)?/u.exec(p);
    return m ? [{ t, lead: m[1], digits: m[2], s: m[3] !== undefined, more: m[0].length < p.length }] : [];
  });
  const letters = pieces.map((p) => /^\p{L}+/u.exec(p)?.[0] ?? '');
  const listOn = pieces.flatMap((p, t) => (/^\s*(,|and(?![\p{L}\p{N}]))/u.test(p) ? [t] : []));
  const article = pieces.flatMap((p, t) => (/^\s?an$/.test(p) ? [t] : []));
  let byPrefix: Map<string, [string, number][]> | undefined;
  let spaceLed: Map<number, [string, number][]> | undefined;
  if (counts) {
    spaceLed = new Map();
    const after = tok.encode('x').length;
    for (const [w, n] of counts) {
      const t = tok.encode(`x ${w}`)[after];
      if (t !== undefined && t < textVocab && pieces[t].trim() === '') spaceLed.set(t, [...(spaceLed.get(t) ?? []), [w, n]]);
    }
    byPrefix = prefixTable(counts);
  }
  return {
    pieces,
    letters,
    all: [...Array(tok.vocabSize).keys()],
    byCore,
    words,
    prefixes,
    decadeS,
    listOn,
    article,
    numbers,
    byPrefix,
    spaceLed,
    follows: counts ? follows : undefined,
    after: new Map(),
  };
}

/** Every prefix of the counted words → those words and their counts. */
function prefixTable(counts: ReadonlyMap<string, number>): Map<string, [string, number][]> {
  const out = new Map<string, [string, number][]>();
  for (const [w, n] of counts) for (let k = 1; k <= w.length; k++) out.set(w.slice(0, k), [...(out.get(w.slice(0, k)) ?? []), [w, n]]);
  return out;
}

/** byPrefix and counts of the words that follow `prev` (lower-case), or undefined without word order or where prev has no known followers. */
function wordsAfter(g: GuardTables, prev: string): { byPrefix: Map<string, [string, number][]>; counts: Map<string, number> } | undefined {
  const next = g.follows?.get(prev);
  if (!next) return undefined;
  let out = g.after.get(prev);
  if (!out) {
    const counts = new Map<string, number>();
    for (const [w, n] of next) counts.set(w.toLowerCase(), (counts.get(w.toLowerCase()) ?? 0) + n);
    g.after.set(prev, (out = { byPrefix: prefixTable(counts), counts }));
  }
  return out;
}

/**
 * Tokens whose piece, written after `lower`, takes theme `w` begun at `start` (lower.slice(start)
 * a prefix of it; at the end of `lower`: a fresh word) to its first `k` characters: ending the
 * piece there when the theme is complete (k = w.length; marks may follow), going on to the next
 * token otherwise.
 */
function writing(g: GuardTables, lower: string, start: number, w: string, k: number): number[] {
  const rest = w.slice(lower.length - start, k);
  const fresh = start === lower.length;
  const joins = !fresh && !ALNUM.test(rest[0]); // the theme goes on after a space or mark ("video| games")
  const core = joins || fresh ? strip(rest) : rest;
  const tokens = (core ? g.byCore.get(core) : g.byCore.get(rest.trim())) ?? []; // marks alone ("sci|-|fi"): the tokens of just them
  return tokens.filter((t) => {
    const p = g.pieces[t];
    if (k < w.length && !ALNUM.test(p[p.length - 1]) && p[p.length - 1] !== w[k - 1]) return false; // the word ends here: not this theme
    if (fresh) return leads(p) || lower === '' || !ALNUM.test(lower[lower.length - 1]);
    return joins ? leads(p) : !leads(p) && p.startsWith(rest);
  });
}

/** The four-digit strings the subject bears out as a year, or as a decade (then with its "s"), among the candidate's, the history's and a cited item's. */
function eras(subject: Subject, ctx: FactContext): { years: Set<string>; decades: Set<string> } {
  const items = [ctx.item, ...ctx.history, ...(subject.kind === 'item' ? [subject.item] : [])];
  const ys = items.flatMap((i) => (ctx.facts(i).year === null ? [] : [ctx.facts(i).year!]));
  const years = new Set(ys.map(String).filter((y) => holds({ kind: 'year', value: y }, subject, ctx)));
  const decades = new Set(
    ys.map((y) => String(Math.floor(y / 10) * 10)).filter((d) => holds({ kind: 'decade', value: `${d}s` }, subject, ctx)),
  );
  return { years, decades };
}

/**
 * The guard over one case's explanation: its state is the ids generated so far (the span tokens
 * count to skip spans, which the span constraint holds); `ctx`: the case's facts.
 */
export function factGuard(tok: Tokenizer, g: GuardTables, ctx: FactContext): Constraint<readonly number[]> {
  const { titleOpen, titleClose } = tok.special;
  /** at: where the text stands (known_words.ts wordAt: the run being written, the word before it), when the tables have word order. */
  const refused = (text: string, at: { run: string; prev: string } | undefined): Set<number> | 'decade' | { only: number[] } => {
    const out = new Set<number>();
    const subject = subjectAtEnd(text, ctx);
    if (!subject) return out;
    const lower = text.toLowerCase();
    const holdsTheme = (w: string) => holds({ kind: 'theme', value: w }, subject, ctx);
    const trueThemes = g.words.filter(holdsTheme);
    const falseRuns = new Set(g.words.filter((w) => !holdsTheme(w)).map(firstRun));
    /** Whether false themes' first words make half the occurrences of some counted words, or more. */
    const mostlyFalse = (words: readonly [string, number][]) => {
      let all = 0;
      let bad = 0;
      for (const [w, n] of words) {
        all += n;
        if (falseRuns.has(w)) bad += n;
      }
      return bad >= all / 2;
    };
    // the words that may come: going on the run being written (after the word before it), or a fresh word (after the run)
    const going = at && wordsAfter(g, at.prev);
    const fresh = at && wordsAfter(g, at.run ? at.run.toLowerCase() : at.prev);
    const shares = new Map<string, boolean>();
    /** Whether the counted words (that may come there) beginning with `p` are mostly false themes (no counts: always). */
    const mostlyFalseFrom = (p: string, anew: boolean) => {
      const byPrefix = (anew ? fresh : going)?.byPrefix ?? g.byPrefix;
      if (!byPrefix) return true;
      const key = `${anew ? 1 : 0}${p}`;
      let r = shares.get(key);
      if (r === undefined) shares.set(key, (r = mostlyFalse(byPrefix.get(p) ?? [])));
      return r;
    };
    // a token of spaces alone that mostly leads false themes' words (that may come there) is refused like their first letters
    for (const [t, words] of g.spaceLed ?? []) {
      const here = fresh ? words.flatMap(([w]): [string, number][] => (fresh.counts.has(w) ? [[w, fresh.counts.get(w)!]] : [])) : words;
      if (here.length && mostlyFalse(here)) out.add(t);
    }
    for (let start = Math.max(0, lower.length - GUARD_CHARS); start <= lower.length; start++) {
      const anew = start === lower.length;
      if (!anew && (!ALNUM.test(lower[start]) || (start > 0 && ALNUM.test(lower[start - 1])))) continue; // not a word start
      const begun = lower.length - start;
      for (const w of anew ? g.words : (g.prefixes.get(lower.slice(start)) ?? [])) {
        if (holdsTheme(w)) continue;
        for (let k = begun + 1; k <= w.length; k++) {
          // a false theme, or a word only false themes begin with (refused at its start, not left half-written)
          const p = w.slice(0, k);
          if (
            k < w.length &&
            (FUNCTION_WORDS.has(p) || trueThemes.some((t) => t.startsWith(p)) || (k <= firstRun(w).length && !mostlyFalseFrom(p, anew)))
          )
            continue;
          for (const t of writing(g, lower, start, w, k)) out.add(t);
        }
      }
    }
    // without counts, a word begun on a true theme may go on only along a true theme (or end): no "c|orror"
    const partial = /(?:^|[^\p{L}\p{N}])([\p{L}]+)$/u.exec(lower)?.[1];
    if (!g.byPrefix && partial && !FUNCTION_WORDS.has(partial) && trueThemes.some((t) => t.startsWith(partial)))
      g.pieces.forEach((p, t) => {
        if (!ALNUM.test(p[0] ?? ' ')) return; // ends the word
        const word = partial + g.letters[t];
        if (!FUNCTION_WORDS.has(word) && !trueThemes.some((w) => w.startsWith(word))) out.add(t);
      });
    // a list of themes goes on, and "an" comes, only where a true theme the sentence has not stated can follow
    const sentence = lower.slice(lower.search(/[^.;!?]*$/));
    const unstated = trueThemes.filter((w) => !sentence.includes(w));
    if (unstated.length === 0 && trueThemes.some((w) => sentence.endsWith(w))) for (const t of g.listOn) out.add(t);
    if (!unstated.some((w) => /^[aeiou]/.test(w))) for (const t of g.article) out.add(t);
    /** The tokens that write, from the word begun at the end of the text, one of `words` (space tokens leading one included). */
    const writingOne = (words: readonly string[], begun: string): number[] => {
      const start = lower.length - begun.length;
      const only = new Set<number>();
      for (const w of words.filter((u) => u.startsWith(begun))) {
        for (let k = begun.length + 1; k <= w.length; k++) for (const t of writing(g, lower, start, w, k)) only.add(t);
        if (!begun) for (const [t, led] of g.spaceLed ?? []) if (led.some(([x]) => x === firstRun(w))) only.add(t);
      }
      return [...only];
    };
    // after a true theme and "and" or ",", the list's next word is one of them ("a comedy and |adventure")
    const next = /(?:,|\band)\s*(\p{L}*)$/u.exec(lower);
    if (next && trueThemes.some((w) => lower.slice(0, next.index).trimEnd().endsWith(w))) {
      const only = writingOne(unstated, next[1]);
      if (only.length) return { only };
    }
    // what the candidate is, after "a" or "an": its kind (a true theme) or plainly "title" ("Heat (1995), a |crime …")
    const kind = /\ban?(?:\s+(\p{L}*))?$/u.exec(lower);
    if (kind && subject.kind === 'item' && subject.item === ctx.item) {
      const only = writingOne([...unstated, KIND_WORD], kind[1] ?? '');
      if (only.length) return { only };
    }
    const { years, decades } = eras(subject, ctx); // none where no item has a year: then no digits stand for one
    const tail = /(^|[^\p{L}\p{N}])(\d*)$/u.exec(lower); // the digit run a token may go on (none after a letter)
    const run = tail?.[2] ?? '';
    if (run.length === 4 && !years.has(run) && decades.has(run)) return 'decade';
    const era = (digits: string) => [...years, ...decades].some((e) => e.startsWith(digits));
    for (const n of g.numbers) {
      if (n.lead ? n.lead.endsWith('(') : !tail || tail[1] === '(') continue; // a year in parentheses belongs to a title; digits going on a word
      const digits = (n.lead ? '' : run) + n.digits;
      const ok =
        digits.length > 4
          ? false
          : digits.length < 4
            ? n.more || era(digits)
            : n.s
              ? !digits.endsWith('0') || decades.has(digits)
              : years.has(digits) || (decades.has(digits) && !n.more);
      if (!ok) out.add(n.t);
    }
    return out;
  };
  return {
    start: () => [],
    allowed(ids) {
      let depth = 0;
      for (const t of ids) depth += t === titleOpen ? 1 : t === titleClose ? -1 : 0;
      if (depth > 0) return undefined;
      const r = refused(unmarkTitles(tok.decode([...ids])), g.follows && wordAt(tok, ids, g.pieces.length));
      if (r === 'decade') return g.decadeS.length ? g.decadeS : undefined;
      if (!(r instanceof Set)) return r.only;
      return r.size ? g.all.filter((t) => !r.has(t)) : undefined;
    },
    next: (ids, t) => [...ids, t],
  };
}
