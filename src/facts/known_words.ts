// Known-word decoding of explanations (with explain --fact-guard): between title spans (and item
// tokens), a text writes only the prose of the training explanations, with the titles they cite
// cut out — their words (runs of letters), each after a word it follows there (the first word of a
// text, or after a title, one that begins a text or follows a title there), and between words only
// a run of marks, digits and spaces that the prose has after that word before what comes next (a
// word, a title or the end: no ",,,,", "video16" or "it: "), a sentence mark (. ! ?) only right
// after a word or title it follows there, never after a digit. The run of letters being written
// must be a prefix of such a word, written as the prose writes it there (no "sCi-fi", no "Apart"
// mid-sentence), and a run that ends must be one, so a decoder that the fact guard refuses a false
// theme writes another whole word that may stand there, never half of one ("a com|like title"), a
// word out of place ("a history decide"), nor a title's words or marks outside a span ("a drama and
// * Bananas"). Of the special tokens only the end token and a title's opening may come (the latter
// only without item tokens), where a word may end (no chat marker); item tokens (ids from textVocab
// on) are never refused.
import type { Constraint } from '../lm/decode/constraint.js';
import { unmarkTitles } from '../lm/tokenizer/chat.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';

/** The prose of the training explanations: each word with its count, what follows what, and every other character they use. */
export interface Prose {
  words: ReadonlyMap<string, number>; // lower-case
  follows: ReadonlyMap<string, ReadonlyMap<string, number>>; // a word, lower-case (START at a text's start, TITLE after a cited title) → the words that come next, as written, with counts
  marks: ReadonlySet<string>;
  bound: ReadonlySet<string>; // the marks that only ever follow a letter or digit ("-" of "sci-fi", "'" of "user's")
  enders: ReadonlySet<string>; // the words (lower-case; TITLE for a cited title) a sentence mark (. ! ?) comes right after
  gaps: ReadonlyMap<string, Gaps>; // a word, lower-case (START, TITLE) → the gaps that come after it
  roles: ReadonlyMap<string, ReadonlySet<TitleRole>>; // where a cited title begins (placesOf) → the roles of the titles cited there
}

/**
 * The runs of other characters (marks, digits, spaces; gapKey) that come after one word in the prose,
 * by what follows them: a word, a cited title (trailing spaces dropped: a decoded span holds its
 * leading space) or the text's end.
 */
export interface Gaps {
  word: ReadonlySet<string>;
  title: ReadonlySet<string>;
  end: ReadonlySet<string>;
}

/** What a cited title is to the case it explains: a shown history item, the candidate, or another item (f's nearest one). */
export type TitleRole = 'history' | 'candidate' | 'other';

export const START = '^'; // what the first word of a text follows
const CUT = '\u0000'; // where a title was
export const TITLE = CUT; // what the first word after a cited title follows
const ANY = '\u0002'; // knownWords without word order: every word follows it
const ROLE_CUT: Record<TitleRole, string> = { history: '\u0003', candidate: '\u0004', other: '\u0005' }; // where a title of that role was
const CUTS = /[\u0000\u0003-\u0005]/u;

const RUN = /\p{L}+/gu;
const SENTENCE_MARK = /[.!?]/u;
const ALNUM = /[\p{L}\p{N}]/u;

/** A gap as the prose's gap sets hold it: every digit as 0 (" 1995" and " 2009" are one gap, " 1990s" is " 0000" before "s"). */
export const gapKey = (gap: string): string => gap.replace(/\p{N}/gu, '0');

/** What a place after a title starts from: TITLE, with the title's role when known (prose() and titleRoles read places so). */
export function titleMarker(role?: TitleRole): string {
  return role ? TITLE + ROLE_CUT[role] : TITLE;
}

/**
 * The places a title may begin at, most telling first: after `marker` (START, or the last title's
 * titleMarker) comes `text`; a place is the two words before the title (or the marker for one missing),
 * lower-case, with the marks after each, spaces dropped ("TITLE and", ", and" after a theme), then
 * the word before it alone.
 */
export function placesOf(marker: string, text: string): [string, string] {
  const ws = [...text.matchAll(RUN)];
  const word = (k: number) => (k >= 0 ? ws[k][0].toLowerCase() : k === -1 ? marker : '');
  const after = (k: number) =>
    text.slice(k >= 0 ? ws[k].index! + ws[k][0].length : 0, k + 1 < ws.length ? ws[k + 1].index : text.length).replace(/\s+/gu, '');
  const n = ws.length - 1;
  const near = `${word(n)}\u0001${after(n)}`;
  return [`${word(n - 1)}\u0001${n >= 0 ? after(n - 1) : ''}\u0001${near}`, near];
}

/** The roles prose cites at the place after `marker` and `text` (placesOf), or undefined where it cites none. */
export function rolesAt(p: Prose, marker: string, text: string): ReadonlySet<TitleRole> | undefined {
  const [far, near] = placesOf(marker, text);
  return p.roles.get(far) ?? p.roles.get(near);
}

/** The text with each title cut to one mark (its role's, else CUT), longest title first. */
function cutTitles(text: string, titles: readonly string[], roles?: readonly (TitleRole | undefined)[]): string {
  const order = titles.map((title, i) => ({ title, cut: roles?.[i] ? ROLE_CUT[roles[i]!] : CUT }));
  let t = text;
  for (const { title, cut } of order.sort((a, b) => b.title.length - a.title.length)) if (title) t = t.split(title).join(cut);
  return t;
}

const ITEM = /\p{L}+|[\u0000\u0003-\u0005]/gu; // a word, or a cut title

/** The prose of some texts, each with the titles it cites (cut out first, longest first) and, where known, their roles (in the same order). */
export function prose(texts: Iterable<{ text: string; titles: readonly string[]; roles?: readonly (TitleRole | undefined)[] }>): Prose {
  const words = new Map<string, number>();
  const follows = new Map<string, Map<string, number>>();
  const marks = new Set<string>();
  const loose = new Set<string>();
  const roles = new Map<string, Set<TitleRole>>();
  const enders = new Set<string>();
  const gaps = new Map<string, { word: Set<string>; title: Set<string>; end: Set<string> }>();
  const after = (w: string) => {
    let at = gaps.get(w);
    if (!at) gaps.set(w, (at = { word: new Set(), title: new Set(), end: new Set() }));
    return at;
  };
  const roleOfCut = new Map(Object.entries(ROLE_CUT).map(([r, c]) => [c, r as TitleRole]));
  for (const { text, titles, roles: cited } of texts) {
    const t = cutTitles(text, titles, cited);
    let prev = START;
    let marker = START; // what the text since the last title follows
    let from = 0; // where that text begins
    let last = 0; // where the last item (word or title) ends
    for (const m of t.matchAll(ITEM)) {
      const role = roleOfCut.get(m[0]);
      const ends = SENTENCE_MARK.test(t[m.index! + m[0].length] ?? ''); // a sentence mark right after it
      const gap = gapKey(t.slice(last, m.index));
      // a decoded answer begins with the space the chat layout puts before it (chat.ts answerLead)
      for (const g of prev === START ? [gap, ` ${gap}`] : [gap])
        if (CUTS.test(m[0])) after(prev).title.add(g.trimEnd());
        else after(prev).word.add(g);
      last = m.index! + m[0].length;
      if (role)
        for (const place of placesOf(marker, t.slice(from, m.index)))
          roles.set(place, (roles.get(place) ?? new Set<TitleRole>()).add(role));
      if (CUTS.test(m[0])) {
        prev = CUT;
        marker = titleMarker(role);
        from = m.index! + 1;
        if (ends) enders.add(TITLE);
        continue;
      }
      const w = m[0].toLowerCase();
      words.set(w, (words.get(w) ?? 0) + 1);
      const next = follows.get(prev) ?? new Map<string, number>();
      follows.set(prev, next.set(m[0], (next.get(m[0]) ?? 0) + 1));
      prev = w;
      if (ends) enders.add(w);
    }
    after(prev).end.add(gapKey(t.slice(last)));
    [...t].forEach((ch, i) => {
      if (CUTS.test(ch) || ALNUM.test(ch)) return;
      marks.add(ch);
      if (i === 0 || !ALNUM.test(t[i - 1])) loose.add(ch);
    });
  }
  return { words, follows, marks, bound: new Set([...marks].filter((m) => !loose.has(m))), enders, gaps, roles };
}

const anyGaps = new WeakMap<Prose, Gaps>();
const union = <T>(sets: readonly ReadonlySet<T>[]): Set<T> => new Set(sets.flatMap((x) => [...x]));

/** The gaps the prose has after any word, by what follows them. */
function gapsAnywhere(p: Prose): Gaps {
  let at = anyGaps.get(p);
  if (!at) {
    const all = [...p.gaps.values()];
    anyGaps.set(
      p,
      (at = { word: union(all.map((x) => x.word)), title: union(all.map((x) => x.title)), end: union(all.map((x) => x.end)) }),
    );
  }
  return at;
}

/**
 * The runs of marks, digits and spaces (gapKey) a text, its cited titles given, has where no prose
 * text has them after any word: before a word, before a title or at its end (a text that ends in a
 * word was cut there, and is not counted) — the ",,,," and "video16, \" &, --" of a decoder that
 * knownWords does not hold. Pure.
 */
export function strayGaps(text: string, titles: readonly string[], p: Prose): string[] {
  const any = gapsAnywhere(p);
  const t = cutTitles(text, titles);
  const out: string[] = [];
  let last = 0;
  for (const m of t.matchAll(ITEM)) {
    const gap = gapKey(t.slice(last, m.index));
    if (!(CUTS.test(m[0]) ? any.title.has(gap.trimEnd()) : any.word.has(gap))) out.push(gap);
    last = m.index! + m[0].length;
  }
  const end = gapKey(t.slice(last));
  return end === '' || any.end.has(end) ? out : [...out, end]; // '': cut after a word (the token limit), not garbled
}

/** What the constraint reads of each text token, computed once per tokenizer and prose. */
export interface WordTables {
  lead: string[]; // the letters a token's text begins with, as written ('' when it begins otherwise)
  ends: boolean[]; // whether more follows the lead (so the word the lead goes on ends in this token)
  runs: string[][]; // the runs of letters after the lead, as written
  open: boolean[]; // the last of them goes on into the next token
  marksOk: boolean[]; // its other characters are prose marks (a bound one right after a letter or digit)
  boundFirst: boolean[]; // the token begins with a bound mark (it must follow a letter or digit)
  stop: (string | undefined)[]; // the text before the token's first sentence mark (. ! ?); undefined without one
  between: string[][]; // the runs of other characters (gapKey) around the runs after the lead: before the first, between them, after the last ('' where none)
  special: ('end' | 'title' | 'never' | undefined)[]; // the end token, a title span's opening (without item tokens), another special (a chat marker, a soft token: never in a text); undefined: text
  enders: ReadonlySet<string>;
  gaps: Map<string, Gaps & { prefixes: ReadonlySet<string> }>; // per word (or START, TITLE, ANY: all of them), with every prefix of its gaps (a title's with a space after it)
  follows: ReadonlyMap<string, ReadonlyMap<string, number>>;
  prefixes: Map<string, Set<string>>; // per word (or START, TITLE): every prefix of the words that follow it, as written (filled as asked)
  memo: Map<string, number[]>; // allowed tokens per state (previous word, run as written, gap)
  textVocab: number;
  vocabSize: number;
}

export function wordTables(tok: Tokenizer, p: Prose, textVocab: number): WordTables {
  const g: WordTables = {
    lead: [],
    ends: [],
    runs: [],
    open: [],
    marksOk: [],
    boundFirst: [],
    stop: [],
    between: [],
    special: [],
    enders: p.enders,
    gaps: new Map(),
    follows: new Map([...p.follows, [ANY, new Map([...p.follows.values()].flatMap((f) => [...f]))]]), // ANY's counts unused
    prefixes: new Map(),
    memo: new Map(),
    textVocab,
    vocabSize: tok.vocabSize,
  };
  const specials = new Set(Object.values(tok.special));
  for (let t = 0; t < textVocab; t++) {
    // a special token (the end token, a span's opening …) may come where a word may end
    const piece = specials.has(t) ? '' : tok.decode([t]);
    const l = /^\p{L}*/u.exec(piece)![0];
    const rest = piece.slice(l.length);
    const runs = [...rest.matchAll(RUN)];
    const last = runs.at(-1);
    const chars = [...piece];
    g.lead.push(l);
    g.ends.push(rest.length > 0 || specials.has(t));
    g.runs.push(runs.map((m) => m[0]));
    g.open.push(last !== undefined && last.index! + last[0].length === rest.length);
    g.marksOk.push(
      chars.every((ch, i) => ALNUM.test(ch) || (p.marks.has(ch) && (i === 0 || !p.bound.has(ch) || ALNUM.test(chars[i - 1])))),
    );
    g.boundFirst.push(p.bound.has(chars[0] ?? ''));
    const mark = piece.search(SENTENCE_MARK);
    g.stop.push(mark < 0 ? undefined : piece.slice(0, mark));
    g.between.push(rest.split(/\p{L}+/u).map(gapKey));
    // a title's opening where titles are spans; an item-token model cites by its item tokens
    const opens = t === tok.special.titleOpen && textVocab === tok.vocabSize;
    g.special.push(!specials.has(t) ? undefined : t === tok.special.eos ? 'end' : opens ? 'title' : 'never');
  }
  for (const [w, at] of [...p.gaps, [ANY, gapsAnywhere(p)] as const])
    g.gaps.set(w, { ...at, prefixes: new Set([...at.word, ...at.end, ...[...at.title].map((x) => `${x} `)].flatMap(prefixesOf)) });
  return g;
}

const prefixesOf = (x: string): string[] => [...x].map((_, k) => x.slice(0, k + 1)).concat('');
const NO_GAPS: Gaps & { prefixes: ReadonlySet<string> } = { word: new Set(), title: new Set(), end: new Set(), prefixes: new Set() };

const NONE: ReadonlyMap<string, number> = new Map();

/** Every prefix of the words that follow `prev` (the words included). */
function prefixesAfter(g: WordTables, prev: string): ReadonlySet<string> {
  let out = g.prefixes.get(prev);
  if (!out) {
    out = new Set();
    for (const w of (g.follows.get(prev) ?? NONE).keys()) for (let k = 1; k <= w.length; k++) out.add(w.slice(0, k));
    g.prefixes.set(prev, out);
  }
  return out;
}

/** Whether `word` (as written) may come after `prev` (lower-case) as a whole word, or (open) begin one. */
function mayFollow(g: WordTables, prev: string, word: string, open: boolean): boolean {
  return open ? prefixesAfter(g, prev).has(word) : (g.follows.get(prev) ?? NONE).has(word);
}

/**
 * Whether a token whose text before its first sentence mark is `before` may end a sentence there:
 * right after a word that ends one in the prose (the run being written, with the token's letters,
 * or `prev` where the text ends in a space or a mark, TITLE after a title), never right after a digit.
 */
function endsSentence(g: WordTables, before: string, prev: string, run: string, afterWord: boolean): boolean {
  const letters = /\p{L}*$/u.exec(before)![0];
  if (letters.length < before.length) return letters !== '' && g.enders.has(letters.toLowerCase());
  const word = run + letters;
  if (word !== '') return g.enders.has(word.toLowerCase());
  return !afterWord && (prev === ANY || g.enders.has(prev));
}

/** The gaps that may come after `word` (lower-case, START, TITLE or ANY). */
const gapsAfter = (g: WordTables, word: string) => g.gaps.get(word) ?? NO_GAPS;

/**
 * Whether the gaps a token writes fit the prose: `open`, the gap it goes on with after `word`,
 * comes before the token's first run after it, each later gap before the next run (whole gaps after
 * the run before them, as `ordered` reads words), and the last may go on (a prefix of one).
 */
function gapsFit(
  g: WordTables,
  word: string,
  open: string,
  between: readonly string[],
  runs: readonly string[],
  ordered: boolean,
): boolean {
  for (let i = 1; i < between.length; i++) {
    if (!gapsAfter(g, word).word.has(open)) return false;
    if (ordered) word = runs[i - 1].toLowerCase();
    open = between[i];
  }
  return open === '' || gapsAfter(g, word).prefixes.has(open); // '': the token ends in a run, whose gap comes later
}

/**
 * The tokens that may follow a text whose last word is `prev` and whose run of letters being
 * written is `run` (as written; '' after anything else), and `gap` the gap (gapKey) after its last
 * word or title ('' inside a run); `afterWord`: it ends in a letter or digit. Each gap the token
 * completes must be one the prose has after that word (before a word, a title or the end, as the
 * token goes on), and the one it leaves open a prefix of one; of the special tokens only the end
 * token and a title's opening may come.
 */
function allowedAfter(g: WordTables, prev: string, run: string, gap: string, afterWord: boolean): number[] {
  const closes = run === '' || mayFollow(g, prev, run, false);
  const ordered = prev !== ANY;
  const out: number[] = [];
  for (let t = 0; t < g.textVocab; t++) {
    const special = g.special[t];
    if (special) {
      const at = gapsAfter(g, ordered && run !== '' ? run.toLowerCase() : prev);
      if (special !== 'never' && closes && (special === 'end' ? at.end.has(gap) : at.title.has(gap.trimEnd()))) out.push(t);
      continue;
    }
    if (!g.marksOk[t] || (!afterWord && g.boundFirst[t])) continue;
    if (g.lead[t] !== '' && run === '' && !gapsAfter(g, prev).word.has(gap)) continue; // a word begins after the gap
    const ended = ordered && run + g.lead[t] !== '' ? (run + g.lead[t]).toLowerCase() : prev; // the word the gap after the lead follows
    if (g.ends[t] && !gapsFit(g, ended, (g.lead[t] === '' ? gap : '') + g.between[t][0], g.between[t], g.runs[t], ordered)) continue;
    if (g.stop[t] !== undefined && !endsSentence(g, g.stop[t]!, prev, run, afterWord)) continue;
    const word = run + g.lead[t];
    if (!(g.lead[t] === '' ? closes : mayFollow(g, prev, word, !g.ends[t]))) continue;
    let before = word === '' || !ordered ? prev : word.toLowerCase();
    const runs = g.ends[t] ? g.runs[t] : [];
    const ok = runs.every((r, i) => {
      const fine = mayFollow(g, before, r, i === runs.length - 1 && g.open[t]);
      if (ordered) before = r.toLowerCase();
      return fine;
    });
    if (ok) out.push(t);
  }
  for (let t = g.textVocab; t < g.vocabSize; t++) out.push(t);
  return out;
}

/**
 * Where a text being written stands, outside title spans (undefined inside one): its text since
 * the last title (span or item token, ids from textVocab on), the run of letters being written (as
 * written; '' after anything else) and the word before it, lower-case (START, or TITLE after a title).
 */
export function wordAt(
  tok: Tokenizer,
  ids: readonly number[],
  textVocab: number,
): { text: string; run: string; prev: string; marker: string } | undefined {
  const { titleOpen, titleClose } = tok.special;
  let depth = 0;
  let from = 0;
  ids.forEach((t, j) => {
    depth += t === titleOpen ? 1 : t === titleClose ? -1 : 0;
    if (t === titleClose || t >= textVocab) from = j + 1;
  });
  if (depth > 0) return undefined;
  const text = unmarkTitles(tok.decode(ids.slice(from)));
  const words = [...text.matchAll(RUN)];
  const open = words.length > 0 && /\p{L}$/u.test(text);
  const done = open ? words.slice(0, -1) : words;
  const marker = from > 0 ? TITLE : START;
  return { text, run: open ? words.at(-1)![0] : '', prev: done.length ? done.at(-1)![0].toLowerCase() : marker, marker };
}

/**
 * The constraint over one explanation: its state is the ids generated so far; free inside title
 * spans (the span constraint holds them), and a title (span or item token) ends any run. Without
 * `ordered`, a word may follow any word (a looser constraint to fall back on where the ordered one
 * leaves the fact guard nothing: bothConstraints(bothConstraints(guard, loose), ordered)).
 */
export function knownWords(tok: Tokenizer, g: WordTables, ordered = true): Constraint<readonly number[]> {
  return {
    start: () => [],
    allowed(ids) {
      const at = wordAt(tok, ids, g.textVocab);
      if (!at) return undefined;
      const { text, run } = at;
      const prev = ordered ? at.prev : ANY;
      const afterWord = ALNUM.test(text.at(-1) ?? ' ');
      const gap = run === '' ? gapKey(/\P{L}*$/u.exec(text)![0]) : '';
      const key = `${prev}\u0001${run}\u0001${gap}`; // afterWord follows from run and gap (a digit's gap ends in 0)
      let a = g.memo.get(key);
      if (!a) g.memo.set(key, (a = allowedAfter(g, prev, run, gap, afterWord)));
      return a;
    },
    next: (ids, t) => [...ids, t],
  };
}
