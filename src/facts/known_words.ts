// Known-word decoding of explanations (with explain --fact-guard): between title spans (and item
// tokens), a text writes only the prose of the training explanations — their words (runs of
// letters, lower-cased) and their other characters, with the titles they cite cut out. The run of
// letters being written must be a prefix of such a word and a run that ends must be one, so a
// decoder that the fact guard refuses a false theme writes another whole word, never half of one
// ("a com|like title"), nor a title's words or marks outside a span ("a drama and * Bananas").
// Special tokens may come where a word may end; item tokens (ids from textVocab on) are never refused.
import type { Constraint } from '../lm/decode/constraint.js';
import { unmarkTitles } from '../lm/tokenizer/chat.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';

/** The prose of the training explanations: each word with its count, and every other character they use. */
export interface Prose {
  words: ReadonlyMap<string, number>;
  marks: ReadonlySet<string>;
  bound: ReadonlySet<string>; // the marks that only ever follow a letter or digit ("-" of "sci-fi", "'" of "user's")
}

const RUN = /\p{L}+/gu;
const ALNUM = /[\p{L}\p{N}]/u;
const CUT = '\u0000'; // where a title was

/** The prose of some texts, each with the titles it cites (cut out first, longest first). */
export function prose(texts: Iterable<{ text: string; titles: readonly string[] }>): Prose {
  const words = new Map<string, number>();
  const marks = new Set<string>();
  const loose = new Set<string>();
  for (const { text, titles } of texts) {
    let t = text;
    for (const title of [...titles].sort((a, b) => b.length - a.length)) if (title) t = t.split(title).join(CUT);
    for (const m of t.toLowerCase().matchAll(RUN)) words.set(m[0], (words.get(m[0]) ?? 0) + 1);
    [...t].forEach((ch, i) => {
      if (ch === CUT || ALNUM.test(ch)) return;
      marks.add(ch);
      if (i === 0 || !ALNUM.test(t[i - 1])) loose.add(ch);
    });
  }
  return { words, marks, bound: new Set([...marks].filter((m) => !loose.has(m))) };
}

/** What the constraint reads of each text token, computed once per tokenizer and prose. */
export interface WordTables {
  lead: string[]; // the letters a token's text begins with, lower-case ('' when it begins otherwise)
  ends: boolean[]; // whether more follows the lead (so the word the lead goes on ends in this token)
  restOk: boolean[]; // after the lead: only prose marks (a bound one right after a letter or digit), every whole run a prose word, the last one a prefix of one
  boundFirst: boolean[]; // the token begins with a bound mark (it must follow a letter or digit)
  words: ReadonlyMap<string, number>;
  prefixes: ReadonlySet<string>; // every prefix of every prose word, the words included
  textVocab: number;
  vocabSize: number;
}

export function wordTables(tok: Tokenizer, p: Prose, textVocab: number): WordTables {
  const prefixes = new Set<string>();
  for (const w of p.words.keys()) for (let k = 1; k <= w.length; k++) prefixes.add(w.slice(0, k));
  const lead: string[] = [];
  const ends: boolean[] = [];
  const restOk: boolean[] = [];
  const boundFirst: boolean[] = [];
  const specials = new Set(Object.values(tok.special));
  for (let t = 0; t < textVocab; t++) {
    if (specials.has(t)) {
      // the end token, a span's opening …: each may come where a word may end
      lead.push('');
      ends.push(true);
      restOk.push(true);
      boundFirst.push(false);
      continue;
    }
    const piece = tok.decode([t]).toLowerCase();
    const l = /^\p{L}*/u.exec(piece)![0];
    const rest = piece.slice(l.length);
    const runs = [...rest.matchAll(RUN)];
    const last = runs.at(-1);
    const open = last !== undefined && last.index! + last[0].length === rest.length; // the token ends inside a run
    lead.push(l);
    ends.push(rest.length > 0);
    const chars = [...piece];
    restOk.push(
      chars.every((ch, i) => ALNUM.test(ch) || (p.marks.has(ch) && (i === 0 || !p.bound.has(ch) || ALNUM.test(chars[i - 1])))) &&
        runs.every((m, i) => (i === runs.length - 1 && open ? prefixes.has(m[0]) : p.words.has(m[0]))),
    );
    boundFirst.push(p.bound.has(chars[0] ?? ''));
  }
  return { lead, ends, restOk, boundFirst, words: p.words, prefixes, textVocab, vocabSize: tok.vocabSize };
}

/** The tokens that may follow a text whose last run of letters is `run` (lower-case, '' after anything else); `afterWord`: it ends in a letter or digit. */
function allowedAfter(g: WordTables, run: string, afterWord: boolean): number[] {
  const closes = run === '' || g.words.has(run);
  const out: number[] = [];
  for (let t = 0; t < g.textVocab; t++) {
    const l = g.lead[t];
    const ok = (l === '' ? closes : g.ends[t] ? g.words.has(run + l) : g.prefixes.has(run + l)) && (afterWord || !g.boundFirst[t]);
    if (ok && g.restOk[t]) out.push(t);
  }
  for (let t = g.textVocab; t < g.vocabSize; t++) out.push(t);
  return out;
}

/**
 * The constraint over one explanation: its state is the ids generated so far; free inside title
 * spans (the span constraint holds them), and a title (span or item token) ends any run.
 */
export function knownWords(tok: Tokenizer, g: WordTables): Constraint<readonly number[]> {
  const { titleOpen, titleClose } = tok.special;
  const memo = new Map<string, number[]>();
  return {
    start: () => [],
    allowed(ids) {
      let depth = 0;
      let from = 0;
      ids.forEach((t, j) => {
        depth += t === titleOpen ? 1 : t === titleClose ? -1 : 0;
        if (t === titleClose || t >= g.textVocab) from = j + 1;
      });
      if (depth > 0) return undefined;
      const text = unmarkTitles(tok.decode(ids.slice(from))).toLowerCase();
      const run = /\p{L}*$/u.exec(text)![0];
      const afterWord = ALNUM.test(text.at(-1) ?? ' ');
      const key = `${afterWord ? 1 : 0}${run}`;
      let a = memo.get(key);
      if (!a) memo.set(key, (a = allowedAfter(g, run, afterWord)));
      return a;
    },
    next: (ids, t) => [...ids, t],
  };
}
