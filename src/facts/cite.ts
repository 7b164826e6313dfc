// Which catalogue titles an explanation cites: titles are found by their key (normal form,
// case-folded) through an index of each title's first word, the longest match winning, and
// title-like spans "Some Words (1999)" that name no catalogue title are reported as unknown.
import { UserError } from '../engine/errors.js';
import { normalTitle, safeText } from '../data/text_forms.js';

/** Item titles by id (index = item id; [0] is the padding id's ''). Treat as immutable: its index is cached. */
export interface Catalogue {
  titles: readonly string[];
}

export interface Citations {
  items: number[]; // cited catalogue ids (see canonicalId), in order of first appearance, each once
  unknown: string[]; // title-like spans that name no catalogue title, in order, each once (by key)
  remainder: string; // the normalised text with every cited and unknown span replaced by " | "
  normal: string; // the text in the titles' normal form, which the spans index
  spans: { start: number; end: number; id: number }[]; // every cited title's place in `normal`, in order
  unknownSpans: { start: number; end: number }[]; // every title-like span's place in `normal`, in order
}

interface Entry {
  key: string; // folded normal title (or an article alias of it)
  id: number;
  lead: number; // characters before the key's first word (0 when it has none)
  tight: boolean; // the key ends in a letter or digit, so the text must not go on with one
}

interface TitleIndex {
  ids: Map<string, number>; // key → lowest id with that key
  byWord: Map<string, Entry[]>; // first word → entries, longest key first
  bare: Entry[]; // keys without any letter or digit (found by plain search)
}

/** A cited title's place in the normal text. */
interface Match {
  start: number;
  end: number;
  id: number;
}

const WORD = /[\p{L}\p{N}]+/gu;
const IS_WORD = /^[\p{L}\p{N}]$/u;
const ARTICLE_LAST = /^(.+), (the|a|an)( \(\d{4}\))?$/i; // "Lion King, The (1994)"
const SPAN_MARK = ' | '; // normal text never holds "|" (normalTitle writes it as "/")

// A title-like span: capitalised words (a digit counts as a capital), which lower-case joining
// words and the separators , : & – — or a spaced - may join (up to 25 capitalised words, as
// titles have at most TITLE_MAX characters), then a 4-digit year in parentheses.
const CAP = String.raw`[\p{Lu}\p{Lt}\p{N}][\p{L}\p{N}]*(?:['’.\-][\p{L}\p{N}]+)*`;
const JOIN = String.raw`(?:a|an|the|of|and|or|in|on|at|to|for|with|from|by|vs|de|del|la|le|les|du|des|der|die|das|von|van|y|et)`;
const SEP = String.raw`(?:\s*[,:&–—]\s*|\s+-\s+|\s+)`; // a bare "-" belongs to the word ("Sci-Fi")
const TITLE_LIKE = new RegExp(String.raw`(?<![\p{L}\p{N}'’])${CAP}(?:${SEP}(?:${JOIN}${SEP}){0,3}${CAP}){0,24}\s*\(\d{4}\)`, 'gu'); // bounded: linear time

const indexes = new WeakMap<readonly string[], TitleIndex>();

/**
 * Case folding that keeps every position: each code point lower-cased where that keeps its
 * length (so the same as toLowerCase but for a few context-dependent letters, on both sides).
 */
function fold(s: string): string {
  let out = '';
  for (const c of s) {
    const l = c.toLowerCase();
    out += l.length === c.length ? l : c;
  }
  return out;
}

/** The key a title is matched on: titleKey's normal form, folded position by position. */
function keyOf(title: string): string {
  return fold(normalTitle(title));
}

function isWordAt(s: string, i: number): boolean {
  const c = s.codePointAt(i);
  return c !== undefined && IS_WORD.test(String.fromCodePoint(c));
}

function buildIndex(titles: readonly string[]): TitleIndex {
  const ids = new Map<string, number>();
  const aliases = new Map<string, number>();
  for (let id = 1; id < titles.length; id++) {
    const t = normalTitle(titles[id] ?? '');
    if (!t) continue;
    const key = fold(t);
    if (!ids.has(key)) ids.set(key, id);
    const m = ARTICLE_LAST.exec(t);
    if (m) {
      const alias = fold(`${m[2]} ${m[1]}${m[3] ?? ''}`);
      if (!aliases.has(alias)) aliases.set(alias, id);
    }
  }
  const byWord = new Map<string, Entry[]>();
  const bare: Entry[] = [];
  const add = (key: string, id: number) => {
    const first = key.match(/[\p{L}\p{N}]+/u);
    const e = { key, id, lead: first?.index ?? 0, tight: IS_WORD.test([...key].pop() ?? '') };
    if (!first) bare.push(e);
    else if (byWord.has(first[0])) byWord.get(first[0])!.push(e);
    else byWord.set(first[0], [e]);
  };
  for (const [key, id] of ids) add(key, id);
  for (const [key, id] of aliases) if (!ids.has(key)) add(key, id); // a real title beats an alias
  for (const list of byWord.values()) list.sort((a, b) => b.key.length - a.key.length);
  return { ids, byWord, bare };
}

function titleIndex(catalogue: Catalogue): TitleIndex {
  let ix = indexes.get(catalogue.titles);
  if (!ix) {
    ix = buildIndex(catalogue.titles);
    indexes.set(catalogue.titles, ix);
  }
  return ix;
}

/**
 * The id an item is cited as: items whose titles share a key are one title to a text, cited as
 * the lowest such id; an id with an empty title is its own. Throws a UserError for an id
 * outside the catalogue.
 */
export function canonicalId(id: number, catalogue: Catalogue): number {
  if (!Number.isInteger(id) || id < 1 || id >= catalogue.titles.length)
    throw new UserError(`unknown item id ${id} (the catalogue has items 1..${catalogue.titles.length - 1})`);
  return titleIndex(catalogue).ids.get(keyOf(catalogue.titles[id] ?? '')) ?? id;
}

/** Every place a catalogue key occurs in the folded text as whole words (overlaps included). */
function findKeys(folded: string, ix: TitleIndex): Match[] {
  const found: Match[] = [];
  const tryAt = (e: Entry, start: number) => {
    if (start < 0 || !folded.startsWith(e.key, start)) return;
    const end = start + e.key.length;
    if (!e.tight || !isWordAt(folded, end)) found.push({ start, end, id: e.id });
  };
  for (const w of folded.matchAll(WORD)) for (const e of ix.byWord.get(w[0]) ?? []) tryAt(e, w.index - e.lead);
  for (const e of ix.bare) for (let at = folded.indexOf(e.key); at >= 0; at = folded.indexOf(e.key, at + 1)) tryAt(e, at);
  return found;
}

/** Leftmost-longest choice of non-overlapping matches: a title inside a longer cited one is not counted. */
function leftmostLongest(found: Match[]): Match[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Match[] = [];
  let at = 0;
  for (const m of found) {
    if (m.start < at) continue;
    kept.push(m);
    at = m.end;
  }
  return kept;
}

function mask(text: string, spans: readonly { start: number; end: number }[]): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + SPAN_MARK;
    at = s.end;
  }
  return out + text.slice(at);
}

/**
 * The catalogue titles a text cites and the title-like spans it makes up. The text is read in
 * the titles' normal form (whitespace collapsed, "|" as "/") and matched case-insensitively on
 * whole words; where titles overlap, the leftmost, then longest, match wins and the titles
 * inside it are not cited ("White Heat (1949)" does not also cite "Heat (1949)"). A title
 * written "X, The (year)" is also found as "The X (year)" (likewise A, An). A title-like span is
 * capitalised words before "(dddd)" (lower-case joining words such as "of", "the" allowed
 * between them) outside every cited title; its start is a heuristic, and wholly lower-case
 * made-up titles are not seen.
 */
export function citedTitles(text: string, catalogue: Catalogue): Citations {
  const ix = titleIndex(catalogue);
  const norm = safeText(text).replace(/\|/g, '/');
  const kept = leftmostLongest(findKeys(fold(norm), ix)); // fold keeps positions, so they hold in norm
  const items = [...new Set(kept.map((m) => m.id))];
  const blocked = kept.reduce((t, m) => t.slice(0, m.start) + '|'.repeat(m.end - m.start) + t.slice(m.end), norm); // same length: "|" stops a title-like span
  const spans = [...blocked.matchAll(TITLE_LIKE)].map((m) => ({ start: m.index, end: m.index + m[0].length, title: normalTitle(m[0]) }));
  const unknown = new Map<string, string>();
  for (const s of spans) if (!unknown.has(fold(s.title))) unknown.set(fold(s.title), s.title);
  const all = [...kept, ...spans].sort((a, b) => a.start - b.start);
  return {
    items,
    unknown: [...unknown.values()],
    remainder: mask(norm, all),
    normal: norm,
    spans: kept,
    unknownSpans: spans.map(({ start, end }) => ({ start, end })),
  };
}
