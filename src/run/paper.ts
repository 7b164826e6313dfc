// The paper's Table 1 (alignment to the target model, Vicuna-7B backbone) per data set, and the
// report section that prints one data set's column beside our figures (`run --paper <d>`).
// Our method names stand for the paper's rows: base-lm ↔ Vicuna-7B, icl ↔ Vicuna-7B-ICL,
// icl-llm ↔ GPT4-ICL, sasrec-kd ↔ SASRec (distilled from f, as the paper's). null: N/A in the paper.
import type { MethodMetrics } from '../eval/evaluate.js';
import type { MethodName } from '../eval/method.js';
import { fixed4 } from '../report/format.js';

export const PAPER_DATASETS = ['games', 'movies', 'steam'] as const;
export type PaperDataset = (typeof PAPER_DATASETS)[number];

export const PAPER_DATASET_NAMES: Record<PaperDataset, string> = {
  games: 'Amazon Video Games',
  movies: 'Amazon Movies and TV',
  steam: 'Steam',
};

/** One row: T1 H@5, T1 N@5, T2 N@5, T3 ACC, T6 HCR. */
type Row = [number, number, number, number | null, number | null];

/** Rows in the paper's order, under our method names. */
const TABLE1: Record<PaperDataset, Partial<Record<MethodName, Row>>> = {
  games: {
    random: [0.0023, 0.0015, 0.6153, 0.503, null],
    popularity: [0.0077, 0.0047, 0.6683, null, null],
    'base-lm': [0.0026, 0.0014, 0.2391, 0.5026, null],
    icl: [0.0379, 0.0304, 0.2661, 0.507, null],
    'icl-llm': [0.1105, 0.0864, 0.6492, 0.6338, null],
    'sasrec-kd': [0.6736, 0.5234, 0.8759, 0.7768, null],
    'recexplainer-b': [0.746, 0.626, 0.7521, 0.8365, null],
    'recexplainer-i': [0.8436, 0.6994, 0.8299, 0.9385, 0.1162],
    'recexplainer-h': [0.8057, 0.6922, 0.8458, 0.9189, 0.1325],
  },
  movies: {
    random: [0.005, 0.003, 0.61, 0.4987, null],
    popularity: [0.015, 0.0088, 0.7044, null, null],
    'base-lm': [0.0091, 0.0062, 0.2706, 0.5011, null],
    icl: [0.0144, 0.0104, 0.3005, 0.5079, null],
    'icl-llm': [0.0886, 0.0692, 0.5954, 0.5964, null],
    'sasrec-kd': [0.6217, 0.5025, 0.8252, 0.6541, null],
    'recexplainer-b': [0.8106, 0.7027, 0.7033, 0.7818, null],
    'recexplainer-i': [0.9039, 0.7709, 0.829, 0.8396, 0.1201],
    'recexplainer-h': [0.8773, 0.775, 0.7638, 0.8109, 0.1461],
  },
  steam: {
    random: [0.006, 0.0039, 0.6139, 0.4977, null],
    popularity: [0.0321, 0.0201, 0.7971, null, null],
    'base-lm': [0.0028, 0.0015, 0.3229, 0.5, null],
    icl: [0.0461, 0.0332, 0.2907, 0.5076, null],
    'icl-llm': [0.3008, 0.2525, 0.675, 0.5886, null],
    'sasrec-kd': [0.9751, 0.878, 0.9577, 0.8914, null],
    'recexplainer-b': [0.931, 0.81, 0.8699, 0.9554, null],
    'recexplainer-i': [0.9615, 0.8122, 0.9083, 0.9904, 0.0659],
    'recexplainer-h': [0.9358, 0.8242, 0.9036, 0.9815, 0.0707],
  },
};

const METRICS = ['task1.hr@5', 'task1.ndcg@5', 'task2.ndcg@5', 'task3.acc', 'task6.hcr'] as const;
type Metric = (typeof METRICS)[number];
/** Each metric's column head and our figure of it. */
const COLUMN: Record<Metric, { head: string; ours: (m: MethodMetrics) => number | null }> = {
  'task1.hr@5': { head: 'T1 H@5', ours: (m) => m.task1['hr@5'] },
  'task1.ndcg@5': { head: 'T1 N@5', ours: (m) => m.task1['ndcg@5'] },
  'task2.ndcg@5': { head: 'T2 N@5', ours: (m) => m.task2['ndcg@5'] },
  'task3.acc': { head: 'T3 ACC', ours: (m) => m.task3.acc },
  'task6.hcr': { head: 'T6 HCR', ours: (m) => m.task6.hcr },
};

/** The paper's figure of one method and metric on one data set (null: N/A or no such row). */
export function paperFigure(d: PaperDataset, method: MethodName, metric: Metric): number | null {
  return TABLE1[d][method]?.[METRICS.indexOf(metric)] ?? null;
}

/** The paper's column on data set `d` for report.json: method → metric → figure (null: N/A). */
export function paperTable(d: PaperDataset): Partial<Record<MethodName, Record<Metric, number | null>>> {
  return Object.fromEntries(
    (Object.keys(TABLE1[d]) as MethodName[]).map((n) => [n, Object.fromEntries(METRICS.map((m) => [m, paperFigure(d, n, m)]))]),
  ) as Partial<Record<MethodName, Record<Metric, number | null>>>;
}

/** The paper's best RecExplainer (B, I, H) figure per metric over its three data sets. */
export const PAPER_BEST: Record<Metric, number> = Object.fromEntries(
  METRICS.map((m) => [
    m,
    Math.max(
      ...PAPER_DATASETS.flatMap((d) =>
        (['recexplainer-b', 'recexplainer-i', 'recexplainer-h'] as const).map((n) => paperFigure(d, n, m) ?? 0),
      ),
    ),
  ]),
) as Record<Metric, number>;

/**
 * report.md's section: for each method of ours that has a row in the paper (and each paper row we did
 * not run, as "not run"), our figure and the paper's on data set `d`, metric by metric; then our
 * methods the paper has no row of (recexplainer-h+items), beside "—".
 */
export function paperMarkdown(d: PaperDataset, methods: Partial<Record<MethodName, MethodMetrics | null>>): string[] {
  const paper = Object.keys(TABLE1[d]) as MethodName[];
  const names = [...paper, ...(Object.keys(methods) as MethodName[]).filter((n) => !paper.includes(n) && methods[n])];
  return [
    `### Beside the paper's Table 1 on ${PAPER_DATASET_NAMES[d]}`,
    '',
    `Ours / the paper's (Vicuna-7B aligned on 8 GPUs; base-lm ↔ Vicuna-7B, icl ↔ Vicuna-7B-ICL, icl-llm ↔ GPT4-ICL, sasrec-kd ↔ its distilled SASRec); — : not applicable or not run.`,
    '',
    `| method | ${METRICS.map((m) => `${COLUMN[m].head} ours | paper`).join(' | ')} |`,
    `|---|${METRICS.map(() => '---:|---:').join('|')}|`,
    ...names.map((n) => {
      const m = methods[n];
      return `| ${n}${m ? '' : ' (not run)'} | ${METRICS.map((k) => `${fixed4(m ? COLUMN[k].ours(m) : null)} | ${fixed4(paperFigure(d, n, k))}`).join(' | ')} |`;
    }),
    '',
  ];
}
