// Table 1's metrics as the RecExplainer reference implementation computes them (microsoft/RecAI,
// RecExplainer/src/inference.py), pure functions: answers are compared stripped and lower-cased with
// no other normalisation (lists split on our separator "|", where the reference's lists use ", "),
// and a misspelt or unnamed title gains nothing. The paper's figures were computed this way;
// metrics.ts holds our more forgiving definitions, reported beside these.

/** The reference's text key: surrounding white space stripped, lower-cased. */
function refKey(s: string): string {
  return s.trim().toLowerCase();
}

/** A list answer's entries, split on the tasks' list separator ("|"); empty entries keep their place, as in the reference's split. */
function entries(text: string): string[] {
  return text.split('|');
}

/** The reference's relevance of f's 1st … 5th candidate in task 2 (linear gain). */
export const TASK2_RELEVANCE: readonly number[] = [1000, 100, 10, 1, 0];

/**
 * Task 1: hit@k and ndcg@k of f's top item among the first k beams, each beam compared whole
 * (stripped, lower-cased) with the target title. A repeated beam keeps its place (no de-duplication);
 * ndcg = 1/log2(rank + 2) at the first matching beam (0-based rank), 0 without a match.
 */
export function refTask1(beams: readonly string[], target: string, k = 5): { hit: number; ndcg: number } {
  const want = refKey(target);
  const rank = beams.slice(0, k).findIndex((b) => refKey(b) === want);
  return rank < 0 ? { hit: 0, ndcg: 0 } : { hit: 1, ndcg: 1 / Math.log2(rank + 2) };
}

/**
 * Task 2: ndcg@k of the answer's list against f's order of the candidates. The answer is split on
 * the tasks' list separator; of its first k entries, each of f's candidates (in f's order, index i)
 * takes the first not yet used entry equal to it (stripped, lower-cased) at position j and adds
 * TASK2_RELEVANCE[i]/log2(j + 2). IDCG is f's own order over all five relevances, so the value
 * lies in [0, 1]; candidates the answer never names, or misspells, add nothing.
 */
export function refTask2(text: string, candidatesInFOrder: readonly string[], k = 5): number {
  if (candidatesInFOrder.length > TASK2_RELEVANCE.length)
    throw new RangeError(`refTask2: at most ${TASK2_RELEVANCE.length} candidates, got ${candidatesInFOrder.length}`);
  const pred = entries(text).slice(0, k).map(refKey);
  const used = new Set<number>();
  let dcg = 0;
  candidatesInFOrder.forEach((c, i) => {
    const want = refKey(c);
    const j = pred.findIndex((p, at) => p === want && !used.has(at));
    if (j < 0) return;
    used.add(j);
    dcg += TASK2_RELEVANCE[i] / Math.log2(j + 2);
  });
  const idcg = TASK2_RELEVANCE.reduce((s, rel, i) => s + rel / Math.log2(i + 2), 0);
  return dcg / idcg;
}

/**
 * Task 3: 1 when the model's choice matches the label, else 0; the model says yes when the score
 * of yes is at least that of no (a tie counts as yes), as the reference compares the two logits.
 */
export function refTask3(scoreYes: number, scoreNo: number, label: 'yes' | 'no'): number {
  const saysYes = scoreYes >= scoreNo;
  return saysYes === (label === 'yes') ? 1 : 0;
}

/**
 * Task 6 history coverage: the answer split on the list separator, its first |history| entries
 * kept, and each entry found (stripped, lower-cased) among the history's titles counts 1/|history|,
 * a repeated entry each time it occurs. 0 for an empty history.
 */
export function refTask6(text: string, history: readonly string[]): number {
  if (history.length === 0) return 0;
  const titles = new Set(history.map(refKey));
  const found = entries(text)
    .slice(0, history.length)
    .filter((p) => titles.has(refKey(p))).length;
  return found / history.length;
}
