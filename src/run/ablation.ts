// The task ablation of `run --ablate` (paper Fig. 7): RecExplainer-H aligned again without one
// task's training samples, per listed task, and scored on Table 1 and the explanation metrics.
// Here: the flag's parser, report.json's "ablation" shape (DESIGN.md §6) and its table and chart,
// the full H model as the reference.
import { UserError } from '../engine/errors.js';
import type { ArgType } from '../engine/options.js';
import type { MethodMetrics } from '../eval/evaluate.js';
import type { ExplanationMetrics } from '../explain/evaluate.js';
import { groupedBarChart } from '../report/svg.js';
import { fixed4 } from '../report/format.js';

/** The alignment tasks an H model trains on. */
export const ALIGN_TASKS = [1, 2, 3, 4, 5, 6, 7] as const;

/** --ablate: "all" or comma-separated task numbers 1–7 (distinct, sorted). */
export const ablateTasks: ArgType<number[]> = {
  arg: '<tasks>',
  parse(v) {
    if (v.trim() === 'all') return [...ALIGN_TASKS];
    const named = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = named.find((s) => !(ALIGN_TASKS as readonly number[]).includes(Number(s)) || !/^\d$/.test(s));
    if (bad !== undefined || named.length === 0) throw new UserError(`expected "all" or task numbers among 1–7, got "${bad ?? v}"`);
    return [...new Set(named.map(Number))].sort((a, b) => a - b);
  },
};

/** One ablated model's figures: its Table 1 row and its explanation metrics (report.json "ablation.tasks.<t>"). */
export interface AblationRow {
  task1: MethodMetrics['task1'];
  task2: MethodMetrics['task2'];
  task3: MethodMetrics['task3'];
  task4: MethodMetrics['task4'];
  task6: MethodMetrics['task6'];
  explanations: ExplanationMetrics;
}

export interface Ablation {
  profile: string;
  steps: number | null; // --ablate-steps (null: the profile's H settings)
  users: number | null; // --ablate-users (null: the profile's samples)
  reference: AblationRow | null; // H on every task, trained and scored as the ablated ones; null: the run's H model is the reference
  tasks: Record<string, AblationRow>; // by the removed task's number
}

/** What each task teaches, for the table. */
const TASK_NAMES: Record<number, string> = {
  1: 'next item',
  2: 'ranking',
  3: 'interest (yes/no)',
  4: 'item knowledge',
  5: 'general text',
  6: 'history',
  7: 'explanations',
};

type Row = {
  task1: MethodMetrics['task1'];
  task2: MethodMetrics['task2'];
  task3: MethodMetrics['task3'];
  task4: MethodMetrics['task4'];
  task6: MethodMetrics['task6'];
  explanations?: ExplanationMetrics | null;
};

const COLUMNS: { head: string; get: (r: Row) => number | null | undefined; chart?: (v: number) => number }[] = [
  { head: 'T1 H@5', get: (r) => r.task1['hr@5'] },
  { head: 'T1 N@5', get: (r) => r.task1['ndcg@5'] },
  { head: 'T2 N@5', get: (r) => r.task2['ndcg@5'] },
  { head: 'T3 ACC', get: (r) => r.task3.acc },
  { head: 'T6 HCR', get: (r) => r.task6.hcr },
  { head: 'T4 title acc', get: (r) => r.task4.title_acc },
  { head: 'agreement', get: (r) => r.explanations?.agreement },
  { head: 'attr. P@3', get: (r) => r.explanations?.['attribution_p@3'] },
  { head: 'hallucination', get: (r) => r.explanations?.hallucination_rate },
  { head: 'fact acc', get: (r) => r.explanations?.fact_accuracy },
  { head: 'rule judge', get: (r) => r.explanations?.rule_judge_mean, chart: (v) => v / 3 },
  { head: 'LLM judge', get: (r) => r.explanations?.llm_judge_mean, chart: (v) => v / 3 },
];

/** The columns any row has a value for (the LLM judge only with --judge-url or --judge-gguf). */
function shown(rows: Row[]) {
  return COLUMNS.filter((c) => rows.some((r) => c.get(r) !== null && c.get(r) !== undefined));
}

/** The rows: the reference H model (the ablation's own, else the run's when it has one), then one per removed task. */
function rowsOf(a: Ablation, full: Row | undefined): [string, Row][] {
  const reference = a.reference ?? full;
  return [
    ...(reference ? [['RecExplainer-H (all tasks)', reference] as [string, Row]] : []),
    ...Object.entries(a.tasks).map(([t, r]): [string, Row] => [`without task ${t} (${TASK_NAMES[Number(t)] ?? '?'})`, r]),
  ];
}

/** What the rows were trained and scored on, in words. */
function settingsLine(a: Ablation): string {
  const trained = a.steps
    ? `at most ${a.steps} optimizer steps, the ${a.profile} profile's other H settings`
    : `the ${a.profile} profile's H settings and steps`;
  const scored = a.users
    ? `${a.users} test users and ${a.users} explanation pairs`
    : 'the same test samples and explanation pairs as above';
  const reference = a.reference
    ? 'the first row is an H model on every task trained and scored the same way'
    : "the first row is the run's full H model";
  return `Each row is RecExplainer-H aligned again (${trained}) with one task's training samples removed, then evaluated on ${scored}, grounded, without the free-decoding pass; ${reference} (paper Fig. 7).`;
}

/** The ablation section of report.md; `chart` is the SVG's file name beside it. */
export function ablationMarkdown(a: Ablation, full: Row | undefined, chart: string): string[] {
  const rows = rowsOf(a, full);
  const cols = shown(rows.map(([, r]) => r));
  return [
    '## Task ablation: RecExplainer-H without one alignment task',
    '',
    `${settingsLine(a)} Explanation metrics as in the Explanations section; the rule and LLM judges rate 0–3.`,
    '',
    `| model | ${cols.map((c) => c.head).join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    ...rows.map(([n, r]) => `| ${n} | ${cols.map((c) => fixed4(c.get(r))).join(' | ')} |`),
    '',
    `![task ablation](${chart})`,
    '',
  ];
}

/** One bar group per metric, one bar per removed task, the full H model first (judges scaled to 0–1). */
export function ablationChart(a: Ablation, full: Row | undefined): string {
  const rows = rowsOf(a, full);
  const cols = shown(rows.map(([, r]) => r));
  return groupedBarChart({
    title: 'Task ablation: RecExplainer-H without one alignment task',
    groups: cols.map((c) => (c.chart ? `${c.head} /3` : c.head)),
    series: rows.map(([n, r]) => ({
      name: n.startsWith('RecExplainer') ? 'all tasks' : n.replace(/ \(.*\)$/, '').replace('without ', 'no '),
      values: cols.map((c) => {
        const v = c.get(r);
        return v === null || v === undefined ? null : c.chart ? c.chart(v) : v;
      }),
    })),
    yMax: 1,
  });
}
