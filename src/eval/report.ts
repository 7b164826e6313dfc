// The alignment table (paper Table 1 on our data) as Markdown and as a grouped bar chart; rows
// in METHOD_NAMES order, a metric a method cannot produce shown as "—".
import { groupedBarChart } from '../report/svg.js';
import type { MethodMetrics } from './evaluate.js';
import { METHOD_NAMES, type MethodName } from './method.js';

type Methods = Partial<Record<MethodName, MethodMetrics>>;

const COLUMNS: { head: string; get: (m: MethodMetrics) => number | null }[] = [
  { head: 'T1 H@5', get: (m) => m.task1['hr@5'] },
  { head: 'T1 N@5', get: (m) => m.task1['ndcg@5'] },
  { head: 'T2 N@5', get: (m) => m.task2['ndcg@5'] },
  { head: 'T3 ACC', get: (m) => m.task3.acc },
  { head: 'T6 HCR', get: (m) => m.task6.hcr },
  { head: 'T4 title acc', get: (m) => m.task4.title_acc },
];

function rows(methods: Methods): [MethodName, MethodMetrics][] {
  return METHOD_NAMES.filter((n) => methods[n]).map((n) => [n, methods[n]!]);
}

const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(4));

/** Table 1 shape (the reference implementation's metrics) plus task-4 title recovery, the invalid-output rates and our graded task-2 NDCG. */
export function methodsTable(methods: Methods): string {
  const extra = [
    { head: 'T1 invalid', get: (m: MethodMetrics) => m.task1.invalid_rate },
    { head: 'T4 invalid', get: (m: MethodMetrics) => m.task4.invalid_rate },
    { head: 'T2 parsed', get: (m: MethodMetrics) => m.task2.parsed_rate },
    { head: 'T2 N@5 graded', get: (m: MethodMetrics) => m.task2['ndcg@5_graded'] },
  ];
  const cols = [...COLUMNS, ...extra];
  return [
    `| method | ${cols.map((c) => c.head).join(' | ')} | seconds |`,
    `|---|${cols.map(() => '---:').join('|')}|---:|`,
    ...rows(methods).map(([n, m]) => `| ${n} | ${cols.map((c) => fmt(c.get(m))).join(' | ')} | ${m.seconds.toFixed(0)} |`),
  ].join('\n');
}

export function methodsChart(methods: Methods): string {
  return groupedBarChart({
    title: 'Alignment: how well each method reproduces the target recommender',
    groups: COLUMNS.map((c) => c.head),
    series: rows(methods).map(([n, m]) => ({ name: n, values: COLUMNS.map((c) => c.get(m)) })),
    yMax: 1,
  });
}
