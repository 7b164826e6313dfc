// Explanation texts grounded in the target model f (the embedded LM knows nothing of the world,
// so its explanations are learned from f): f's decision first, then the history items with the
// largest leave-one-out effect on f's score, the themes (list-valued metadata such as genres) they
// share with the candidate, its era, and the catalogue item f finds most similar to it. Several
// phrasings in our own words, picked by a seeded Rng.
import type { Item } from '../data/process.js';
import type { Rng } from '../engine/rng.js';

export interface ExplanationFacts {
  decision: 'yes' | 'no';
  item: number;
  contributors: number[]; // f's strongest history items for this score, strongest first (2–3)
  shared: string[]; // themes the candidate shares with the contributors (or the shown history)
  historyThemes: string[]; // the shown history's most frequent themes
  itemThemes: string[];
  era: string | null; // "the 1990s"
  historyEras: string[]; // the shown history's most frequent eras (at most 2)
  similar: number | null; // the catalogue item most similar to the candidate under f
}

/** List-valued metadata (genres, tags, categories …) as plain theme strings; "(no genres listed)" and the like dropped. */
export function themes(item: Item): string[] {
  return Object.values(item.meta)
    .flatMap((v) => (Array.isArray(v) ? v.map(String) : []))
    .filter((t) => t && !t.startsWith('('));
}

/** "the 1990s" for a numeric year attribute, else null. */
export function era(item: Item): string | null {
  const y = Number(item.meta.year);
  return Number.isInteger(y) && y > 1000 ? `the ${Math.floor(y / 10) * 10}s` : null;
}

/** The most frequent themes of some items (ties: first seen), at most k. */
export function topThemes(items: readonly Item[], k: number): string[] {
  const count = new Map<string, number>();
  for (const it of items) for (const t of themes(it)) count.set(t, (count.get(t) ?? 0) + 1);
  return [...count]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([t]) => t);
}

/** The most frequent eras of some items (ties: first seen), at most k. */
export function topEras(items: readonly Item[], k: number): string[] {
  const count = new Map<string, number>();
  for (const it of items) {
    const e = era(it);
    if (e) count.set(e, (count.get(e) ?? 0) + 1);
  }
  return [...count]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([e]) => e);
}

/** The facts behind one explanation; items[id − 1] is item id. */
export function explanationFacts(
  items: readonly Item[],
  shown: readonly number[],
  item: number,
  decision: 'yes' | 'no',
  contributors: readonly number[],
  similar: number | null,
): ExplanationFacts {
  const get = (id: number) => items[id - 1];
  const itemThemes = themes(get(item));
  const fromContributors = new Set(contributors.flatMap((c) => themes(get(c))));
  const historyThemes = topThemes(shown.map(get), 3);
  const shared = itemThemes.filter((t) => fromContributors.has(t) || historyThemes.includes(t));
  return {
    decision,
    item,
    contributors: [...contributors],
    shared,
    historyThemes,
    itemThemes,
    era: era(get(item)),
    historyEras: topEras(shown.map(get), 2),
    similar,
  };
}

/** "a", "a and b", "a, b and c". */
export const listText = (xs: readonly string[]): string =>
  xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());

/** "an action and crime title" from up to three of the candidate's themes ("a title" without). */
export function kindOf(itemThemes: readonly string[]): string {
  const kind = listText(lower(itemThemes.slice(0, 3)));
  return kind ? `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} title` : 'a title';
}

/** The explanation text; titles[id] is the normal title of item id. */
export function explanationText(f: ExplanationFacts, titles: readonly string[], rng: Rng): string {
  const item = titles[f.item];
  const cited = listText(f.contributors.map((c) => titles[c]));
  const what = `${kindOf(f.itemThemes)}${f.era ? ` from ${f.era}` : ''}`;
  const taste = f.historyThemes.length ? listText(lower(f.historyThemes)) : 'a mix of things';
  const like = f.similar !== null ? titles[f.similar] : null;
  if (f.decision === 'yes') {
    const why = f.shared.length ? `they share ${listText(lower(f.shared))} with it` : 'they set the tone of this history';
    return [
      [
        `Yes. The history items that weigh most here are ${cited}; ${why}.`,
        `${item} is ${what}, which fits that pattern${like ? `, much like ${like}` : ''}.`,
      ],
      [
        `Yes, this user would probably enjoy ${item}.`,
        `Their record leans toward ${taste}, led by ${cited}, and ${why}.`,
        `${item} is ${what}${like ? ` and close to ${like}` : ''}.`,
      ],
      [
        `Yes. Behind this choice are ${cited} in the user's history.`,
        `The user's taste runs to ${taste}; ${item}, ${what}, matches it${f.shared.length ? ` through ${listText(lower(f.shared))}` : ''}.`,
      ],
    ][rng.int(3)].join(' ');
  }
  const gap = f.shared.length ? `beyond ${listText(lower(f.shared))}, it shares little with them` : 'it has little in common with them';
  return [
    [`No. The history is driven by ${cited}, which point to ${taste}.`, `${item} is ${what}; ${gap}.`],
    [
      `No, ${item} is unlikely to appeal to this user.`,
      `Their strongest signals are ${cited}, a taste for ${taste}, while ${item} is ${what}, so ${gap}.`,
    ],
    [
      `No. What counts most in this record is ${cited}.`,
      `${item}, ${what}, sits apart from that taste for ${taste}${like ? `; it is closer to ${like}` : ''}.`,
    ],
  ][rng.int(3)].join(' ');
}
