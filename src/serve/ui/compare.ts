// Compare: the run's report.json as tables — Table 1 (how faithfully each method reproduces f), the
// free-decoding table when the run has one, the explanation table with the humans' mean rating so far
// beside the judges' — and the run's charts (its SVG files).
import type { AgreementReport } from '../ratings/agreement.js';
import { api, h, num } from './dom.js';

type Metrics = Record<string, Record<string, number | null> | number | null | undefined>;
type Report = {
  profile?: string;
  dataset?: { name?: string; users?: number; items?: number; interactions?: number };
  decoding?: string;
  methods?: Record<string, Metrics>;
  free?: { methods?: Record<string, Metrics>; explanations?: Record<string, Metrics> };
  explanations?: Record<string, Metrics>;
  distinction?: { discriminator_acc?: number } | null;
};
type Column = { head: string; get: (m: Metrics) => number | null | undefined; digits?: number };

const at = (task: string, key: string) => (m: Metrics) => (m[task] as Record<string, number | null> | undefined)?.[key];
const flat = (key: string) => (m: Metrics) => m[key] as number | null | undefined;

const TABLE1: Column[] = [
  { head: 'T1 HR@5', get: at('task1', 'hr@5') },
  { head: 'T1 NDCG@5', get: at('task1', 'ndcg@5') },
  { head: 'T2 NDCG@5', get: at('task2', 'ndcg@5') },
  { head: 'T3 ACC', get: at('task3', 'acc') },
  { head: 'T6 HCR', get: at('task6', 'hcr') },
];

const EXPLANATIONS: Column[] = [
  { head: 'agreement', get: flat('agreement') },
  { head: 'attribution P@3', get: flat('attribution_p@3') },
  { head: 'hallucination', get: flat('hallucination_rate') },
  { head: 'fact accuracy', get: flat('fact_accuracy') },
  { head: 'rule judge', get: flat('rule_judge_mean') },
  { head: 'LLM judge', get: flat('llm_judge_mean') },
  { head: 'pairs', get: flat('samples'), digits: 0 },
];

function table(id: string, first: string, rows: [string, Metrics][], cols: Column[]): HTMLElement {
  return h(
    'table',
    { id },
    h('thead', null, h('tr', null, h('th', null, first), ...cols.map((c) => h('th', null, c.head)))),
    h(
      'tbody',
      null,
      ...rows.map(([name, m]) => h('tr', null, h('th', null, name), ...cols.map((c) => h('td', null, num(c.get(m), c.digits ?? 4))))),
    ),
  );
}

export async function comparePage(root: HTMLElement): Promise<void> {
  const [report, charts, human] = await Promise.all([
    api<Report>('/v1/report'),
    api<{ charts: string[] }>('/v1/report/charts'),
    api<AgreementReport>('/v1/ratings/agreement').catch(() => null),
  ]);
  const parts: HTMLElement[] = [];
  const d = report.dataset;
  parts.push(
    h(
      'p',
      { class: 'muted' },
      `profile ${report.profile ?? '—'}`,
      d ? ` · ${d.name ?? 'data set'}: ${d.users ?? '?'} users, ${d.items ?? '?'} items, ${d.interactions ?? '?'} interactions` : '',
      report.decoding ? ` · ${report.decoding} decoding` : '',
    ),
  );
  parts.push(h('h2', null, 'Alignment (Table 1)'));
  parts.push(
    report.methods
      ? table('table1', 'method', Object.entries(report.methods), TABLE1)
      : h('p', { class: 'muted' }, 'This report has no methods table.'),
  );
  if (report.free?.methods) {
    parts.push(h('h3', null, 'Free decoding (the paper’s way)'));
    parts.push(
      table('table1-free', 'method', Object.entries(report.free.methods), [...TABLE1, { head: 'valid', get: flat('valid_rate') }]),
    );
  }
  parts.push(h('h2', null, 'Explanations'));
  if (report.explanations) {
    const humans = (name: string): Metrics => ({
      human: human?.explainers[name]?.human_mean ?? null,
      rated: human?.explainers[name]?.n ?? 0,
    });
    const rows = Object.entries(report.explanations).map(([n, m]): [string, Metrics] => [n, { ...m, ...humans(n) }]);
    parts.push(
      table('explanations', 'explainer', rows, [
        ...EXPLANATIONS,
        { head: 'humans (blind)', get: flat('human') },
        { head: 'rated', get: flat('rated'), digits: 0 },
      ]),
    );
    parts.push(
      h(
        'p',
        { class: 'muted small' },
        'Judges rate 0–3 (the rubric on the Rate page); the humans’ column is the mean of the blind ratings stored so far.',
      ),
    );
  } else parts.push(h('p', { class: 'muted' }, 'This report has no explanation table.'));
  if (report.distinction?.discriminator_acc !== undefined)
    parts.push(
      h(
        'p',
        null,
        `Distinction: a discriminator tells the explainers apart with held-out accuracy ${num(report.distinction.discriminator_acc)}.`,
      ),
    );
  if (charts.charts.length) {
    parts.push(h('h2', null, 'Charts'));
    parts.push(
      h('div', { class: 'charts' }, ...charts.charts.map((src) => h('figure', null, h('img', { src, alt: src.split('/').pop() })))),
    );
  }
  root.replaceChildren(h('div', { class: 'compare' }, ...parts));
}
