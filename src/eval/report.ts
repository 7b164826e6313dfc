// The alignment table (paper Table 1 on our data) as Markdown and as a grouped bar chart; rows
// in METHOD_NAMES order, a metric a method cannot produce shown as "—", a row that was not run or
// failed (null, the icl-llm baseline) marked so, with its note under the table. Grounded runs add
// the LM methods' free-decoding table (the paper's decoding) with its share of valid titles.
import { groupedBarChart } from '../report/svg.js';
import type { MethodMetrics } from './evaluate.js';
import { METHOD_NAMES, type MethodName } from './method.js';
import type { EvalResult, FreeMetrics } from './run.js';
import { fixed4 } from '../report/format.js';

type Methods<M = MethodMetrics> = Partial<Record<MethodName, M | null>>;
type Notes = Partial<Record<MethodName, string>>;
interface Column<M> {
  head: string;
  get: (m: M) => number | null;
}

const COLUMNS: Column<MethodMetrics>[] = [
  { head: 'T1 H@5', get: (m) => m.task1['hr@5'] },
  { head: 'T1 N@5', get: (m) => m.task1['ndcg@5'] },
  { head: 'T2 N@5', get: (m) => m.task2['ndcg@5'] },
  { head: 'T3 ACC', get: (m) => m.task3.acc },
  { head: 'T6 HCR', get: (m) => m.task6.hcr },
  { head: 'T4 title acc', get: (m) => m.task4.title_acc },
];

function rows<M>(methods: Methods<M>): [MethodName, M | null][] {
  return METHOD_NAMES.filter((n) => methods[n] !== undefined).map((n) => [n, methods[n]!]);
}

/** "not run" or "failed" for a null row, from its note. */
function why(note: string | undefined): string {
  return note?.startsWith('failed') ? 'failed' : 'not run';
}

/** The notes of the rows, as lines under a table ("" when none). */
export function notesMarkdown(notes: Notes | undefined): string[] {
  const lines = METHOD_NAMES.filter((n) => notes?.[n]).map((n) => `- ${n}: ${notes![n]}`);
  return lines.length ? ['', ...lines] : [];
}

/** Table 1 shape (the reference implementation's metrics) plus task-4 title recovery, the invalid-output rates and our graded task-2 NDCG. */
export function methodsTable<M extends MethodMetrics>(methods: Methods<M>, more: Column<M>[] = [], notes?: Notes): string {
  const extra: Column<M>[] = [
    { head: 'T1 invalid', get: (m: MethodMetrics) => m.task1.invalid_rate },
    { head: 'T4 invalid', get: (m: MethodMetrics) => m.task4.invalid_rate },
    { head: 'T2 parsed', get: (m: MethodMetrics) => m.task2.parsed_rate },
    { head: 'T2 N@5 graded', get: (m: MethodMetrics) => m.task2['ndcg@5_graded'] },
  ];
  const cols = [...COLUMNS, ...extra, ...more];
  return [
    `| method | ${cols.map((c) => c.head).join(' | ')} | seconds |`,
    `|---|${cols.map(() => '---:').join('|')}|---:|`,
    ...rows(methods).map(([n, m]) =>
      m === null
        ? `| ${n} (${why(notes?.[n])}) | ${cols.map(() => '—').join(' | ')} | — |`
        : `| ${n} | ${cols.map((c) => fixed4(c.get(m))).join(' | ')} | ${m.seconds.toFixed(0)} |`,
    ),
    ...notesMarkdown(notes),
  ].join('\n');
}

/** The free-decoding section of a grounded run's report.md (nothing for a free run). */
export function freeDecodingMarkdown(free: EvalResult['free']): string[] {
  if (!free) return [];
  const valid: Column<FreeMetrics> = { head: 'valid', get: (m) => m.valid_rate };
  return [
    "### The LM methods with free decoding (the paper's)",
    '',
    methodsTable(free.methods, [valid]),
    '',
    'The table above decodes grounded in the catalogue (task 1/4: catalogue titles only, task 2: orders of the candidates, task 6: lists of distinct titles); valid: share of free task-1 (top beam) and task-4 answers that are catalogue titles.',
    '',
  ];
}

export function methodsChart(methods: Methods): string {
  return groupedBarChart({
    title: 'Alignment: how well each method reproduces the target recommender',
    groups: COLUMNS.map((c) => c.head),
    series: rows(methods).flatMap(([n, m]) => (m === null ? [] : [{ name: n, values: COLUMNS.map((c) => c.get(m)) }])),
    yMax: 1,
  });
}
