// Alignment metrics over the LM's free-text answers, pure functions: titles match exactly by
// titleKey after list decoration is stripped, and output that cannot be read never scores better
// than a wrong answer (pessimistic completion, ties count as wrong).
import { parseList, titleKey } from '../data/text_forms.js';

/** Anything a key can be looked up in (a Set of keys or a Map keyed by them). */
interface Keyed {
  has(key: string): boolean;
}

const MARKER = /^(?:\d{1,3}[.)]|[-*•])\s+/; // "1. ", "2) ", "- ", "* ", "• "
const QUOTED = /^["'“‘«](.*)["'”’»]$/;
const PERIOD = /\.\s*$/;

/** One answer's list items: split on "|" and line breaks, trimmed, empty parts dropped. */
export function splitAnswer(text: string): string[] {
  return parseList(text.replace(/[\r\n]+/g, '|'));
}

/** A single-title answer's title: its first non-empty line (later lines are trailing junk). */
export function firstLine(text: string): string | undefined {
  return text
    .split(/[\r\n]+/)
    .map((s) => s.trim())
    .find(Boolean);
}

/** Text such as "A" or “A” without its quote marks (one pair, when a quote mark opens and closes it). */
function unquote(s: string): string {
  return s.replace(QUOTED, '$1').trim();
}

/**
 * The keys a part may stand for, least stripped first: as written, without a list marker,
 * unquoted, without a trailing period, unquoted again ('"A".' and '"A."' both give "a").
 * Empty keys are dropped: an empty string is no title.
 */
function keyVariants(part: string): string[] {
  const s0 = part.trim();
  const s1 = s0.replace(MARKER, '');
  const s2 = unquote(s1);
  const s3 = s2.replace(PERIOD, '');
  const s4 = unquote(s3);
  return [...new Set([s0, s1, s2, s3, s4].map(titleKey))].filter(Boolean);
}

/** The first variant key of a part that is known; undefined when none is. */
function matchKey(part: string, known: Keyed): string | undefined {
  return keyVariants(part).find((key) => known.has(key));
}

function checkK(k: number, fn: string): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${fn}: k must be a positive integer, got ${k}`);
}

/**
 * Task 1 (next item): hit@k and ndcg@k of `target` among the LM's beams (best first).
 * A beam names the title on its first non-empty line; it counts as the target when any of its
 * stripped forms matches the target's key, otherwise it is keyed by its most stripped form.
 * Empty beams are skipped and later beams naming an already-seen key are dropped before the
 * cut at k, so duplicates cannot push the target down. ndcg = 1/log2(rank + 2), 0-based rank
 * (one relevant item, IDCG = 1); both are 0 when the target is not among the first k titles.
 */
export function task1Hit(beams: readonly string[], target: string, k = 5): { hit: number; ndcg: number } {
  checkK(k, 'task1Hit');
  const targetKey = new Set([titleKey(target)]);
  const seen = new Set<string>();
  for (const beam of beams) {
    const line = firstLine(beam);
    if (line === undefined) continue;
    const key = matchKey(line, targetKey) ?? keyVariants(line).at(-1);
    if (key === undefined || seen.has(key)) continue;
    if (targetKey.has(key)) return { hit: 1, ndcg: 1 / Math.log2(seen.size + 2) };
    seen.add(key);
    if (seen.size >= k) break;
  }
  return { hit: 0, ndcg: 0 };
}

/**
 * Task 2 output parsing: the candidate indices in the order the answer names them.
 * Items are read with splitAnswer ("|", line breaks) and keyVariants (numbering, quotes,
 * trailing period); items that name no candidate are ignored and a candidate named again keeps
 * its first position. Candidates sharing a key are indistinguishable: each naming of the key
 * places the next unplaced one, in candidate order. Candidates never named are appended in
 * reverse candidate order (pessimistic completion: with candidates in f's order, the worst
 * first), so unreadable output scores as the reversed ranking. parsed = candidates named.
 */
export function parseRanking(text: string, candidates: readonly string[]): { order: number[]; parsed: number } {
  const byKey = new Map<string, number[]>();
  candidates.forEach((c, i) => {
    const key = titleKey(c);
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  const named: number[] = [];
  for (const part of splitAnswer(text)) {
    const key = matchKey(part, byKey);
    const next = key === undefined ? undefined : byKey.get(key)?.shift();
    if (next !== undefined) named.push(next);
  }
  const placed = new Set(named);
  const missing = candidates.map((_, i) => i).filter((i) => !placed.has(i));
  return { order: [...named, ...missing.reverse()], parsed: named.length };
}

/**
 * ndcg@k of a generated order of n candidates against f's order. Relevance grading: the
 * candidate at index i of f's order (0 = f's top) has relevance n − i, so f's top gets n and
 * its last gets 1. DCG = Σ_{p<k} (2^rel − 1)/log2(p + 2) over generated positions p; IDCG is
 * the DCG of f's own order 0, 1, …, n − 1. order must be a permutation of 0..n − 1.
 */
export function rankingNdcg(order: readonly number[], k = 5): number {
  checkK(k, 'rankingNdcg');
  const n = order.length;
  if (n === 0 || new Set(order).size !== n || order.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) {
    throw new RangeError(`rankingNdcg: order must be a permutation of 0..n-1, got [${order.join(', ')}]`);
  }
  const dcg = (ranked: readonly number[]) => ranked.slice(0, k).reduce((sum, i, p) => sum + (2 ** (n - i) - 1) / Math.log2(p + 2), 0);
  return dcg(order) / dcg(order.map((_, i) => i));
}

/** Task 2: ndcg@k of an answer over candidates given in f's order, and how many it named. */
export function task2Ndcg(text: string, candidatesInFOrder: readonly string[], k = 5): { ndcg: number; parsed: number } {
  const { order, parsed } = parseRanking(text, candidatesInFOrder);
  return { ndcg: rankingNdcg(order, k), parsed };
}

/**
 * Task 3 (interest): 1 when the LM's choice matches the label, else 0. The LM says "yes" when
 * log p(yes) > log p(no); a tie counts as wrong, as does a NaN on either side. The label is
 * "yes" or "no", compared case-insensitively; anything else throws a RangeError.
 */
export function task3Correct(logpYes: number, logpNo: number, label: string): number {
  const want = label.trim().toLowerCase();
  if (want !== 'yes' && want !== 'no') throw new RangeError(`task3Correct: label must be Yes or No, got "${label}"`);
  if (Number.isNaN(logpYes) || Number.isNaN(logpNo) || logpYes === logpNo) return 0;
  return logpYes > logpNo === (want === 'yes') ? 1 : 0;
}

/**
 * Task 6 history coverage ratio: the share of the distinct history titles (deduplicated by
 * titleKey) that the answer names among its list items (read as in parseRanking).
 * Throws a RangeError when the history has no title.
 */
export function historyCoverage(text: string, history: readonly string[]): number {
  const keys = new Set(history.map(titleKey).filter(Boolean));
  if (keys.size === 0) throw new RangeError('historyCoverage: the history has no title');
  const named = new Set<string>();
  for (const part of splitAnswer(text)) {
    const key = matchKey(part, keys);
    if (key !== undefined) named.add(key);
  }
  return named.size / keys.size;
}

/** Task 4: 1 when the answer's first line names `target` (by titleKey, decoration stripped), else 0. */
export function titleMatch(output: string, target: string): number {
  const line = firstLine(output);
  return line !== undefined && matchKey(line, new Set([titleKey(target)])) !== undefined ? 1 : 0;
}

/** Whether the answer's first line names a catalogue title (keys from titleKey); false counts as invalid output. */
export function isCatalogueTitle(output: string, catalogueKeys: ReadonlySet<string>): boolean {
  const line = firstLine(output);
  return line !== undefined && matchKey(line, catalogueKeys) !== undefined;
}

/** The arithmetic mean; null for an empty list, so reports can show "—" instead of NaN. */
export function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}
