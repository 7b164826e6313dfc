// The copy/induction curriculum that precedes the text mix in pre-training, and the held-out probe
// sets: random token spans repeated later in a window ("… A B C … A B C"), and lists of item titles
// followed by all of them again or by one of them. Every sequence comes from a seeded Rng.
import { Rng } from '../engine/rng.js';
import { LIST_SEP } from '../data/text_forms.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import type { LmExample } from '../lm/train/train.js';

/** What the sequences are made of: the tokenizer's ids and the catalogue's titles, tokenised. */
export interface CopyVocab {
  bos: number;
  eos: number;
  spanIds: readonly number[]; // what random spans are drawn from: every id but the specials
  titles: readonly (readonly number[])[]; // each title as " title" tokens
  sep: readonly number[]; // the list separator (" |")
  listCue: readonly number[]; // "Items:"
  allCue: readonly number[]; // ". All:" — the whole list follows again
  oneCue: readonly number[]; // ". One:" — one title of the list follows
  end: readonly number[]; // "." after a recalled list or title
}

/** A probe: greedy decoding after `prompt` must give exactly `target`. */
export interface CopyProbe {
  prompt: number[];
  target: number[];
}

export const SPAN_LEN: readonly [number, number] = [2, 12]; // random span lengths in training, inclusive
export const LIST_LEN: readonly [number, number] = [3, 12]; // titles per training list, inclusive
const NOISE_MAX = 8; // random tokens between a span and its repeat (training: none half the time), and before a probe's span
const SPANS_FIRST = 2 / 3; // share of the curriculum that is span windows only
export const PROBE_SPAN = 8;
export const PROBE_TITLES = 9;

/** The vocabulary of the sequences for a tokenizer and the catalogue's titles. */
export function copyVocab(tok: Tokenizer, titles: readonly string[]): CopyVocab {
  return {
    bos: tok.special.bos,
    eos: tok.special.eos,
    spanIds: Array.from({ length: tok.vocabSize }, (_, id) => id).filter((id) => !tok.isSpecial(id)),
    titles: titles.map((t) => tok.encode(' ' + t)),
    sep: tok.encode(LIST_SEP.trimEnd()),
    listCue: tok.encode('Items:'),
    allCue: tok.encode('. All:'),
    oneCue: tok.encode('. One:'),
    end: tok.encode('.'),
  };
}

const between = (rng: Rng, [lo, hi]: readonly [number, number]) => lo + rng.int(hi - lo + 1);
const randomIds = (rng: Rng, v: CopyVocab, n: number) => Array.from({ length: n }, () => v.spanIds[rng.int(v.spanIds.length)]);

/** Titles k (in that order) as one list: title, sep, title, … */
function listIds(v: CopyVocab, picks: readonly number[]): number[] {
  return picks.flatMap((k, i) => (i === 0 ? [...v.titles[k]] : [...v.sep, ...v.titles[k]]));
}

/**
 * A window of `len` tokens: bos, then (span, noise, the span again) until full; the loss is on the
 * repeated span's tokens after its first (the first cannot be known from what precedes it).
 */
export function spanExample(v: CopyVocab, rng: Rng, len: number): LmExample {
  const ids = [v.bos];
  const mask = [0];
  while (ids.length < len) {
    const span = randomIds(rng, v, between(rng, SPAN_LEN));
    const gap = randomIds(rng, v, rng.int(2) * between(rng, [1, NOISE_MAX]));
    for (const t of [...span, ...gap]) (ids.push(t), mask.push(0));
    span.forEach((t, i) => (ids.push(t), mask.push(i > 0 ? 1 : 0)));
  }
  return { ids: ids.slice(0, len), lossMask: mask.slice(0, len) };
}

/**
 * "Items: t1 | … | tn. All: t1 | … | tn." or "Items: t1 | … | tn. One: tk." then eos, at most maxLen
 * tokens (titles are dropped from a list that would not fit); the loss is on the recalled part and
 * what ends it (the first recalled token teaches which titles may come, the rest to copy them).
 */
export function titleExample(v: CopyVocab, rng: Rng, maxLen: number): LmExample {
  let picks = rng.sampleIndices(v.titles.length, between(rng, LIST_LEN));
  const all = rng.int(2) === 0;
  for (;;) {
    const list = listIds(v, picks);
    const prompt = [v.bos, ...v.listCue, ...list, ...(all ? v.allCue : v.oneCue)];
    const answer = [...(all ? list : v.titles[picks[rng.int(picks.length)]]), ...v.end, v.eos];
    if (prompt.length + answer.length <= maxLen || picks.length === 1) {
      const ids = [...prompt, ...answer].slice(0, maxLen);
      return { ids, lossMask: ids.map((_, i) => (i >= prompt.length ? 1 : 0)) };
    }
    picks = picks.slice(0, -1);
  }
}

/** n sequences, span windows of spanLen tokens and title lists (all or one) alternating. */
export function copyMixture(v: CopyVocab, n: number, spanLen: number, maxLen: number, seed: number): LmExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => (i % 2 === 1 ? titleExample(v, rng, maxLen) : spanExample(v, rng, spanLen)));
}

/**
 * n curriculum sequences, in training order: span windows of spanLen tokens for the first
 * SPANS_FIRST of them (the induction heads they teach form only after ~10⁴ windows, and title lists
 * mixed in delay that), then copyMixture.
 */
export function copyCurriculum(v: CopyVocab, n: number, spanLen: number, maxLen: number, seed: number): LmExample[] {
  const rng = new Rng(seed);
  const first = Math.round(SPANS_FIRST * n);
  const spans = Array.from({ length: first }, () => spanExample(v, rng, spanLen));
  return [...spans, ...copyMixture(v, n - first, spanLen, maxLen, seed + 1)];
}

/**
 * n span probes: bos, noise, a random PROBE_SPAN-token span, noise, its first token; the target is
 * its other tokens. Drawn from their own seed, so no training window holds them.
 */
export function spanProbes(v: CopyVocab, n: number, seed: number): CopyProbe[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const span = randomIds(rng, v, PROBE_SPAN);
    const pre = randomIds(rng, v, between(rng, [1, NOISE_MAX]));
    const gap = randomIds(rng, v, between(rng, [1, NOISE_MAX]));
    return { prompt: [v.bos, ...pre, ...span, ...gap, span[0]], target: span.slice(1) };
  });
}

/** n list probes: "Items: PROBE_TITLES titles. All:"; the target is the same list. */
export function titleProbes(v: CopyVocab, n: number, seed: number): CopyProbe[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const list = listIds(v, rng.sampleIndices(v.titles.length, PROBE_TITLES));
    return { prompt: [v.bos, ...v.listCue, ...list, ...v.allCue], target: list };
  });
}
