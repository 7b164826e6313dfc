// Controllable explanations (paper §3.5.2): three aspects an explanation can be asked to focus
// on — the candidate's themes (genres, tags, …), its era, or the history items behind f's
// decision — with the words a prompt may name each by, the aspect-focused training texts task 7
// mixes in (decision first, then only that aspect), and the check of which aspects a text covers,
// so that `explain --aspect` can measure whether the explainer followed the request.
import type { Rng } from '../engine/rng.js';
import { canonicalId, citedTitles, type Catalogue } from './cite.js';
import { mentions } from './themes.js';
import { kindOf, listText, type ExplanationFacts } from './targets.js';

export type AspectId = 'themes' | 'era' | 'history';
export const ASPECTS: readonly AspectId[] = ['themes', 'era', 'history'];

/** Words that name each aspect (lower case); the first few are what training prompts use. */
const NAMES: Record<AspectId, readonly string[]> = {
  themes: ['genre', 'genres', 'themes', 'theme', 'tags', 'categories', 'category', 'style'],
  era: ['era', 'release year', 'period', 'year', 'decade', 'time period', 'age'],
  history: ['history', 'past items', 'viewing history', 'the items behind it', 'contributors'],
};
const TRAINING_NAMES = 3;

/** The text appended to an explanation prompt to steer it toward an aspect. */
export function aspectSuffix(aspect: string): string {
  return ` Focus the explanation on ${aspect.trim()}.`;
}

/** The aspect a free-text request names ("genre", "Era", "the release year" …), or null for free text we cannot check. */
export function knownAspect(request: string): AspectId | null {
  const r = request
    .trim()
    .toLowerCase()
    .replace(/^(the|its|their)\s+/, '');
  return ASPECTS.find((a) => NAMES[a].includes(r)) ?? null;
}

/** A word for an aspect as training prompts name it: seeded, or the first one. */
export function aspectWord(aspect: AspectId, rng?: Rng): string {
  return NAMES[aspect][rng ? rng.int(TRAINING_NAMES) : 0];
}

/**
 * The aspects a task-7 pair can be explained by: themes when the candidate has some, era when
 * it has a year (and the history one too), history always.
 */
export function aspectsFor(f: ExplanationFacts): AspectId[] {
  return ASPECTS.filter((a) =>
    a === 'themes' ? f.itemThemes.length > 0 : a === 'era' ? f.era !== null && f.historyEras.length > 0 : true,
  );
}

/** The explanation of f's decision restricted to one aspect; titles[id] is the normal title of item id. */
export function aspectText(f: ExplanationFacts, aspect: AspectId, titles: readonly string[], rng: Rng): string {
  const yes = f.decision === 'yes';
  const item = titles[f.item];
  const open = yes ? 'Yes.' : 'No.';
  if (aspect === 'themes') {
    const kind = kindOf(f.itemThemes);
    const taste = f.historyThemes.length ? listText(f.historyThemes.map((t) => t.toLowerCase())) : 'no single theme';
    const shared = f.shared.length ? listText(f.shared.map((t) => t.toLowerCase())) : null;
    return [
      `${open} By theme: the history leans to ${taste}, and ${item} is ${kind}${shared ? `, sharing ${shared}` : ', sharing none of it'}${yes ? '' : shared ? ', not enough to outweigh the rest' : ''}.`,
      `${open} Looking only at themes, this user favours ${taste}; ${item}, ${kind}, ${yes ? 'suits that taste' : 'does not suit it'}.`,
    ][rng.int(2)];
  }
  if (aspect === 'era') {
    const eras = listText(f.historyEras);
    const same = f.historyEras.includes(f.era!);
    return [
      `${open} By era: most of this history dates from ${eras}, and ${item} is from ${f.era}${same ? ', the same period' : ', another period'}${yes === same ? '' : ', though that alone does not decide it'}.`,
      `${open} In terms of when it was made, the user's record centres on ${eras}; ${item} comes from ${f.era}${yes ? ', close enough to that taste' : same ? ', yet other items of that period are preferred' : ', away from it'}.`,
    ][rng.int(2)];
  }
  const cited = listText(f.contributors.map((c) => titles[c]));
  return [
    `${open} The history items that decide this are ${cited}; ${yes ? `${item} follows from them` : `${item} does not follow from them`}.`,
    `${open} Of the past items, ${cited} weigh most, and they ${yes ? 'point toward' : 'point away from'} ${item}.`,
  ][rng.int(2)];
}

/** What a text is checked against: the pair's shown history and the candidate's themes. */
export interface AspectCase {
  shown: readonly number[];
  itemAttributes: readonly string[]; // the candidate's themes
}

/**
 * The aspects a text covers: themes when it names one of the candidate's themes, era when it
 * names a decade ("1990s", outside cited titles), history when it cites a shown history item.
 */
export function coveredAspects(text: string, c: AspectCase, catalogue: Catalogue): Set<AspectId> {
  const cites = citedTitles(text, catalogue);
  const rest = cites.remainder;
  const out = new Set<AspectId>();
  if (c.itemAttributes.some((t) => mentions(rest, t))) out.add('themes');
  if (/\b\d{3}0s\b/.test(rest)) out.add('era');
  const shown = new Set(c.shown.map((i) => canonicalId(i, catalogue)));
  if (cites.items.some((i) => shown.has(i))) out.add('history');
  return out;
}

/** Shares of texts covering each aspect; `only`: the share covering the asked aspect and no other (absent when none was asked). */
export interface AspectCoverage {
  themes: number;
  era: number;
  history: number;
  only?: number;
}

/** How a set of explanations covers the aspects (texts[i] explains cases[i]). */
export function aspectCoverage(
  texts: readonly string[],
  cases: readonly AspectCase[],
  catalogue: Catalogue,
  asked: AspectId | null,
): AspectCoverage {
  const n = Math.max(1, texts.length);
  const covered = texts.map((t, i) => coveredAspects(t, cases[i], catalogue));
  const share = (a: AspectId) => covered.filter((c) => c.has(a)).length / n;
  const out: AspectCoverage = { themes: share('themes'), era: share('era'), history: share('history') };
  if (asked !== null) out.only = covered.filter((c) => c.has(asked) && c.size === 1).length / n;
  return out;
}
