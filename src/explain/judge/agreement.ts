// Agreement between two raters over the same cases, pure functions: Cohen's kappa (ratings as
// categories) and Spearman's rho (ratings as ranks). Both refuse empty or unequal-length input.

function check(a: readonly number[], b: readonly number[], fn: string): void {
  if (a.length !== b.length) throw new RangeError(`${fn}: the raters rated ${a.length} and ${b.length} cases`);
  if (a.length === 0) throw new RangeError(`${fn}: no ratings`);
  if (![...a, ...b].every(Number.isFinite)) throw new RangeError(`${fn}: every rating must be a finite number`);
}

/**
 * Unweighted Cohen's kappa, κ = (pₒ − pₑ) / (1 − pₑ): pₒ is the share of cases both raters
 * labelled alike, pₑ = Σ_c pa(c)·pb(c) the share expected by chance from each rater's own label
 * frequencies, over the union of labels either rater used. pₑ = 1 only when both raters gave
 * every case one and the same label; they then agree on everything and κ is 1 (not 0/0).
 * Throws RangeError on unequal lengths, empty input or a non-finite rating.
 */
export function cohenKappa(a: readonly number[], b: readonly number[]): number {
  check(a, b, 'cohenKappa');
  const n = a.length;
  const countA = new Map<number, number>();
  const countB = new Map<number, number>();
  let same = 0;
  for (let i = 0; i < n; i++) {
    countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
    countB.set(b[i], (countB.get(b[i]) ?? 0) + 1);
    if (a[i] === b[i]) same++;
  }
  const po = same / n;
  let pe = 0;
  for (const [label, ca] of countA) pe += (ca / n) * ((countB.get(label) ?? 0) / n);
  return pe === 1 ? 1 : (po - pe) / (1 - pe);
}

/** 1-based ranks, tied values sharing the mean of the ranks they span. */
export function averageRanks(x: readonly number[]): number[] {
  const order = x.map((_, i) => i).sort((i, j) => x[i] - x[j]);
  const ranks = new Array<number>(x.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && x[order[end]] === x[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 … end
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's rho: the Pearson correlation of the two raters' average ranks (ties share the mean
 * rank). When either rater gave every case the same rating its ranks have no spread and the
 * correlation is undefined; rho is then 0 (no measurable association), never NaN.
 * Throws RangeError on unequal lengths, empty input or a non-finite rating.
 */
export function spearmanRho(a: readonly number[], b: readonly number[]): number {
  check(a, b, 'spearmanRho');
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (ra.length + 1) / 2; // ranks 1…n always average (n + 1) / 2, ties included
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    const da = ra[i] - mean;
    const db = rb[i] - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return 0;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}
