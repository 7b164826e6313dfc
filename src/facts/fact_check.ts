// Fact accuracy of an explanation: the themes (genres, tags, categories …) and eras (a decade or a
// year) a text states, each checked against the data set's metadata of what it is said of. A claim
// is said of the nearest anchor before it in its sentence (else the nearest item after it): a cited
// title (that item), a word about the user's taste or history (the shown history: some item of it
// must have the fact), a word of sharing (the candidate and some history item must both have it),
// or "it" / "this title" (the candidate). Years inside titles (cited or made up) are not claims. Pure.
import type { Item } from '../data/process.js';
import { citedTitles, type Catalogue } from './cite.js';
import { themes } from './targets.js';

/** What the data set says of one item. */
export interface ItemFacts {
  themes: readonly string[];
  year: number | null;
}

/** An item's facts from its metadata: its themes (targets.ts) and a numeric year attribute. */
export function itemFacts(item: Item): ItemFacts {
  const y = Number(item.meta.year);
  return { themes: themes(item), year: Number.isInteger(y) && y > 1000 ? y : null };
}

export interface FactContext {
  catalogue: Catalogue;
  facts: (id: number) => ItemFacts; // the metadata of item id
  vocabulary: readonly string[]; // every theme of the data set: the words that count as theme claims
  history: readonly number[]; // the history the explainer was shown
  item: number; // the candidate
}

export type Subject = { kind: 'item'; item: number } | { kind: 'history' } | { kind: 'shared' };

export interface Claim {
  kind: 'theme' | 'decade' | 'year';
  value: string; // the theme as the data set writes it, "1990s", or "1995"
  subject: Subject;
  holds: boolean;
}

interface Anchor {
  at: number;
  subject: Subject;
}

const HISTORY = /\b(?:tastes?|record|history|histories|leans?|leaning|runs? to|signals?|points? to|pattern|usually|past)\b/gi;
const SHARED = /\b(?:shares?|shared|sharing|in common|through|beyond)\b/gi;
const CANDIDATE = /\b(?:it|this (?:title|film|movie|game|item|one))\b/gi;
const DECADE = /\b(?:the\s+)?(1[5-9]\d0|20\d0)'?s\b/g;
const YEAR = /\b(1[5-9]\d\d|20\d\d)\b(?!'?s)/g;
const SENTENCE = /[^.!?\n]+[.!?]*/g;
const MASK = '\u2060'; // stands in for every character of a cited title (not a word character, not a sentence end)

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Theme words as regexes, longest first, so "Film-Noir" is read before a shorter theme inside it. */
function themePatterns(vocabulary: readonly string[]): { theme: string; re: RegExp }[] {
  const seen = new Map<string, string>();
  for (const t of vocabulary) if (t.trim() && !seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
  return [...seen.values()]
    .sort((a, b) => b.length - a.length)
    .map((theme) => ({
      theme,
      re: new RegExp(String.raw`(?<![\p{L}\p{N}])${escape(theme).replace(/\s+/g, String.raw`\s+`)}(?![\p{L}\p{N}])`, 'giu'),
    }));
}

const patterns = new WeakMap<readonly string[], { theme: string; re: RegExp }[]>();

function decadeOf(year: number): number {
  return Math.floor(year / 10) * 10;
}

/** Whether an item has the claimed fact. */
function itemHas(f: ItemFacts, c: Pick<Claim, 'kind' | 'value'>): boolean {
  if (c.kind === 'theme') return f.themes.some((t) => t.toLowerCase() === c.value.toLowerCase());
  if (f.year === null) return false;
  return c.kind === 'year' ? String(f.year) === c.value : `${decadeOf(f.year)}s` === c.value;
}

/** Whether the metadata bears out a claim said of `subject`. */
export function holds(c: Pick<Claim, 'kind' | 'value'>, subject: Subject, ctx: FactContext): boolean {
  const inHistory = () => ctx.history.some((h) => itemHas(ctx.facts(h), c));
  if (subject.kind === 'item') return itemHas(ctx.facts(subject.item), c);
  if (subject.kind === 'history') return inHistory();
  return itemHas(ctx.facts(ctx.item), c) && inHistory();
}

/** The text in its titles' normal form with every cited or made-up title masked, and the cited titles. */
function maskTitles(text: string, ctx: FactContext): { text: string; cited: ReturnType<typeof citedTitles> } {
  const cited = citedTitles(text, ctx.catalogue);
  let out = cited.normal;
  for (const s of [...cited.spans, ...cited.unknownSpans]) out = out.slice(0, s.start) + MASK.repeat(s.end - s.start) + out.slice(s.end);
  return { text: out, cited };
}

/** The anchors of the sentence at [from, to) of a masked text, in order. */
function anchorsIn(sentence: string, from: number, to: number, cited: ReturnType<typeof citedTitles>, ctx: FactContext): Anchor[] {
  return [
    ...cited.spans
      .filter((s) => s.start >= from && s.start < to)
      .map((s) => ({ at: s.start - from, subject: { kind: 'item', item: s.id } as Subject })),
    ...[...sentence.matchAll(HISTORY)].map((x) => ({ at: x.index, subject: { kind: 'history' } as Subject })),
    ...[...sentence.matchAll(SHARED)].map((x) => ({ at: x.index, subject: { kind: 'shared' } as Subject })),
    ...[...sentence.matchAll(CANDIDATE)].map((x) => ({ at: x.index, subject: { kind: 'item', item: ctx.item } as Subject })),
  ].sort((a, b) => a.at - b.at);
}

/** What a claim written right after `text` would be said of: the last anchor of its unfinished sentence (none after a sentence end). */
export function subjectAtEnd(text: string, ctx: FactContext): Subject | undefined {
  const m = maskTitles(text, ctx);
  const last = [...m.text.matchAll(SENTENCE)].pop();
  if (!last || /[.!?]\s*$/.test(last[0])) return undefined;
  return anchorsIn(last[0], last.index, last.index + last[0].length, m.cited, ctx).pop()?.subject;
}

/** Every theme and era claim in the text, with what it is said of and whether the metadata bears it out. */
export function checkFacts(text: string, ctx: FactContext): Claim[] {
  const { text: masked, cited } = maskTitles(text, ctx);
  let themes = patterns.get(ctx.vocabulary);
  if (!themes) patterns.set(ctx.vocabulary, (themes = themePatterns(ctx.vocabulary)));
  const claims: Claim[] = [];
  for (const m of masked.matchAll(SENTENCE)) {
    const [from, to] = [m.index, m.index + m[0].length];
    const sentence = m[0];
    const anchors = anchorsIn(sentence, from, to, cited, ctx);
    const found: { at: number; end: number; kind: Claim['kind']; value: string }[] = [];
    const free = (at: number, end: number) => found.every((f) => end <= f.at || at >= f.end);
    for (const { theme, re } of themes) {
      for (const x of sentence.matchAll(re))
        if (free(x.index, x.index + x[0].length)) found.push({ at: x.index, end: x.index + x[0].length, kind: 'theme', value: theme });
    }
    for (const x of sentence.matchAll(DECADE)) found.push({ at: x.index, end: x.index + x[0].length, kind: 'decade', value: `${x[1]}s` });
    for (const x of sentence.matchAll(YEAR))
      if (free(x.index, x.index + x[0].length)) found.push({ at: x.index, end: x.index + x[0].length, kind: 'year', value: x[1] });
    for (const f of found.sort((a, b) => a.at - b.at)) {
      const before = anchors.filter((a) => a.at < f.at).pop();
      const after = anchors.find((a) => a.at > f.at && a.subject.kind === 'item');
      const subject = (before ?? after)?.subject;
      if (subject) claims.push({ kind: f.kind, value: f.value, subject, holds: holds(f, subject, ctx) });
    }
  }
  return claims;
}

/** The share of claims that hold over many texts' claims; null when no text makes one. */
export function factAccuracy(claimsPerText: readonly (readonly Claim[])[]): number | null {
  const all = claimsPerText.flat();
  return all.length === 0 ? null : all.filter((c) => c.holds).length / all.length;
}

/** A claim in words, for reports: "Comedy of Heat (1995)", "1990s of the history". */
export function claimText(c: Claim, titles: readonly string[]): string {
  const of =
    c.subject.kind === 'item' ? titles[c.subject.item] : c.subject.kind === 'history' ? 'the history' : 'the candidate and the history';
  return `${c.value} of ${of}`;
}
