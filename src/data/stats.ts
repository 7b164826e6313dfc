// Data set statistics (pure) and their Markdown report: the paper's Table B1 shape
// (#users, #items, #interactions, sparsity) plus sequence lengths, skips and filters.
import type { Processed, Sequence } from './process.js';
import type { TitleConflicts } from './rawlog.js';

export interface Stats {
  source: string;
  users: number;
  items: number;
  interactions: number;
  sparsity: number; // 1 − interactions / (users · items)
  sequence_length: { min: number; median: number; mean: number; max: number };
  split: { train: number; valid: number; test: number }; // events per part (leave-one-out)
  time_span: { first: string | null; last: string | null }; // ISO dates when times look like unix seconds
  shared_titles: number; // items whose title another item also has (ambiguous in title matching)
  title_conflicts: TitleConflicts; // item ids listed with two titles in the raw data (the first kept)
  raw: { users: number; items: number; interactions: number }; // as loaded, before any filter
  skipped: Record<string, number>;
  skipped_examples: Record<string, string>;
  filtered: Record<string, number>;
}

export function sparsity(users: number, items: number, interactions: number): number {
  return users > 0 && items > 0 ? 1 - interactions / (users * items) : 1;
}

export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export function computeStats(
  p: Processed,
  source: string,
  skipExamples: Record<string, string>,
  titleConflicts: TitleConflicts = { count: 0, examples: [] },
): Stats {
  const lens = p.sequences.map((s) => s.items.length).sort((a, b) => a - b);
  const interactions = lens.reduce((a, b) => a + b, 0);
  const users = p.sequences.length;
  return {
    source,
    users,
    items: p.items.length,
    interactions,
    sparsity: sparsity(users, p.items.length, interactions),
    sequence_length: {
      min: lens[0] ?? 0,
      median: median(lens),
      mean: users ? interactions / users : 0,
      max: lens[lens.length - 1] ?? 0,
    },
    split: { train: interactions - 2 * users, valid: users, test: users },
    time_span: timeSpan(p.sequences),
    shared_titles: sharedTitles(p.items.map((i) => i.title)),
    title_conflicts: titleConflicts,
    raw: p.raw,
    skipped: p.skipped,
    skipped_examples: Object.fromEntries(Object.entries(skipExamples).filter(([k]) => k in p.skipped)),
    filtered: p.filtered,
  };
}

function timeSpan(seqs: Sequence[]): Stats['time_span'] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of seqs) for (const t of s.times) ((lo = Math.min(lo, t)), (hi = Math.max(hi, t)));
  // unix seconds between 1990 and 2100; otherwise times are positions, not dates
  const looksUnix = lo > 631152000 && hi < 4102444800;
  const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
  return looksUnix ? { first: iso(lo), last: iso(hi) } : { first: null, last: null };
}

export function sharedTitles(titles: string[]): number {
  const n = new Map<string, number>();
  for (const t of titles) n.set(t.toLowerCase(), (n.get(t.toLowerCase()) ?? 0) + 1);
  let shared = 0;
  for (const c of n.values()) if (c > 1) shared += c;
  return shared;
}

/** Sequence-length histogram in buckets, for the chart. */
export function lengthHistogram(
  seqs: Sequence[],
  buckets = [3, 5, 10, 20, 50, 100, 200, 500, 1000],
): { labels: string[]; values: number[] } {
  const labels = buckets.map((b, i) => (i + 1 < buckets.length ? `${b}–${buckets[i + 1] - 1}` : `${b}+`));
  const values = buckets.map(() => 0);
  for (const s of seqs) {
    let k = buckets.length - 1;
    while (k > 0 && s.items.length < buckets[k]) k--;
    values[k]++;
  }
  return { labels, values };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function statsMarkdown(s: Stats, chartFile?: string): string {
  const lines = [
    `# Data set: ${s.source}`,
    '',
    '| Dataset | #Users | #Items | #Inters | Sparsity |',
    '|---|---:|---:|---:|---:|',
    `| ${s.source} | ${fmt(s.users)} | ${fmt(s.items)} | ${fmt(s.interactions)} | ${(100 * s.sparsity).toFixed(3)}% |`,
    '',
    `As loaded, before filtering: ${fmt(s.raw.users)} users, ${fmt(s.raw.items)} items, ${fmt(s.raw.interactions)} interactions.`,
    '',
    `Sequence length: min ${s.sequence_length.min}, median ${s.sequence_length.median}, mean ${s.sequence_length.mean.toFixed(1)}, max ${s.sequence_length.max}.`,
    `Leave-one-out split: ${fmt(s.split.train)} training, ${fmt(s.split.valid)} validation, ${fmt(s.split.test)} test events.`,
  ];
  if (s.time_span.first) lines.push(`Time span: ${s.time_span.first} to ${s.time_span.last}.`);
  lines.push(`Items sharing their title (case-folded) with another item: ${fmt(s.shared_titles)}.`);
  if (s.title_conflicts.count)
    lines.push(
      '',
      `Item ids listed with two titles (the first kept): ${fmt(s.title_conflicts.count)}, e.g. ${s.title_conflicts.examples[0]}.`,
    );
  if (chartFile) lines.push('', `![Sequence lengths](${chartFile})`);
  lines.push('', '## Skipped input', '');
  lines.push(...reasonTable(s.skipped, s.skipped_examples));
  lines.push('', '## Removed by filters', '');
  lines.push(...reasonTable(s.filtered, {}));
  return lines.join('\n') + '\n';
}

function reasonTable(counts: Record<string, number>, examples: Record<string, string>): string[] {
  const keys = Object.keys(counts).sort();
  if (keys.length === 0) return ['None.'];
  return [
    '| reason | count | first seen |',
    '|---|---:|---|',
    ...keys.map((k) => `| ${k} | ${fmt(counts[k])} | ${(examples[k] ?? '').replace(/\|/g, '\\|')} |`),
  ];
}
