// Scores one method on the test samples: Table 1's metrics (task 1 H@5/N@5 of f's top-1 among the
// method's 5 ranked titles, task 2 NDCG@5 of its order against f's, task 3 accuracy, task 6 HCR) as
// the reference implementation computes them (reference_metrics.ts), our more forgiving definitions
// beside them (metrics.ts: *_lenient, ndcg@5_graded, acc_strict, hcr_distinct), plus task-4 title
// recovery and invalid-output rates. A task the method cannot do gives nulls.
// Every answer can be kept (an AnswerRow per sample) so metrics can be recomputed without a model.
import { Progress } from '../engine/progress.js';
import type { TaskRecord } from '../tasks/forms.js';
import { titleKey } from '../data/text_forms.js';
import {
  firstLine,
  historyCoverage,
  isCatalogueTitle,
  mean,
  task1Hit,
  task2Ndcg,
  task3Correct,
  titleMatch,
  splitAnswer,
} from './metrics.js';
import type { Method, YesNoScores } from './method.js';
import { refTask1, refTask2, refTask3, refTask6 } from './reference_metrics.js';

export type EvalTask = 1 | 2 | 3 | 4 | 6;
export const EVAL_TASKS: readonly EvalTask[] = [1, 2, 3, 4, 6];

/** The test records of one form, per task (task 4: item → title samples). */
export type EvalSets = Record<EvalTask, TaskRecord[]>;

type N = number | null;

/** One scored answer, as eval/answers/<method>.jsonl keeps it. */
export interface AnswerRow {
  id: string; // the test sample's id
  task: EvalTask;
  user: number | null;
  output: string | string[] | YesNoScores; // the raw text; task 1: the beams, best first; task 3: the scores (method.ts)
  parsed: string[] | 'yes' | 'no'; // the list as read (task 1: each beam's first line), or task 3's choice by the reference's rule
  label: string; // f's answer (the sample's response)
}

/**
 * One row of report.json's "methods" (DESIGN.md §6 names, plus task 4 and diagnostics). The §6
 * names hold the reference implementation's definitions; the suffixed ones ours (metrics.ts).
 */
export interface MethodMetrics {
  task1: { 'hr@5': N; 'ndcg@5': N; 'hr@5_lenient': N; 'ndcg@5_lenient': N; invalid_rate: N }; // invalid: the top answer is no catalogue title
  task2: { 'ndcg@5': N; 'ndcg@5_graded': N; parsed_rate: N }; // parsed: share of the 5 candidates the answer named
  task3: { acc: N; acc_strict: N }; // strict: whole answers' likelihoods, a tie counts as wrong
  task4: { title_acc: N; invalid_rate: N };
  task6: { hcr: N; hcr_distinct: N };
  samples: Record<`task${EvalTask}`, number>;
  seconds: number;
}

const CHUNK = 16;

/** Runs `answer` over the records in chunks, ticking the bar. */
function chunked<T>(rs: readonly TaskRecord[], bar: Progress, answer: (c: readonly TaskRecord[]) => T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < rs.length; i += CHUNK) {
    const c = rs.slice(i, i + CHUNK);
    out.push(...answer(c));
    bar.tick(c.length);
  }
  return out;
}

/** The two answers of task 3, yes first: the response of a positive record, then of a negative one. */
export function yesNoWords(rs: readonly TaskRecord[]): [string, string] {
  const yes = rs.find((r) => r.id.endsWith('-pos'))?.response ?? 'Yes';
  const no = rs.find((r) => r.id.endsWith('-neg'))?.response ?? 'No';
  return [yes, no];
}

/** Scores m on the sets; with `answers`, every answer is appended to it as an AnswerRow, in task then sample order. */
export function evaluateMethod(
  m: Method,
  sets: EvalSets,
  catalogue: ReadonlySet<string>,
  quiet = false,
  answers?: AnswerRow[],
): MethodMetrics {
  const keep = (t: EvalTask, rec: TaskRecord, output: AnswerRow['output'], parsed: AnswerRow['parsed']) =>
    answers?.push({ id: rec.id, task: t, user: rec.user, output, parsed, label: rec.response });
  const t0 = performance.now();
  const doable = (t: EvalTask) => ({ 1: m.top5, 2: m.rank, 3: m.yesNo, 4: m.title, 6: m.recall })[t] !== undefined;
  const total = EVAL_TASKS.filter(doable).reduce((n, t) => n + sets[t].length, 0);
  const bar = new Progress({ label: `eval ${m.name}`, total, unit: 'samples/s', quiet });
  const r: MethodMetrics = {
    task1: { 'hr@5': null, 'ndcg@5': null, 'hr@5_lenient': null, 'ndcg@5_lenient': null, invalid_rate: null },
    task2: { 'ndcg@5': null, 'ndcg@5_graded': null, parsed_rate: null },
    task3: { acc: null, acc_strict: null },
    task4: { title_acc: null, invalid_rate: null },
    task6: { hcr: null, hcr_distinct: null },
    samples: { task1: 0, task2: 0, task3: 0, task4: 0, task6: 0 },
    seconds: 0,
  };
  if (m.top5 && sets[1].length) {
    const beams = chunked(sets[1], bar, m.top5);
    const ref = sets[1].map((rec, i) => refTask1(beams[i], rec.response, 5));
    const hits = sets[1].map((rec, i) => task1Hit(beams[i], rec.response, 5));
    sets[1].forEach((rec, i) =>
      keep(
        1,
        rec,
        beams[i],
        beams[i].map((b) => firstLine(b) ?? ''),
      ),
    );
    r.task1 = {
      'hr@5': mean(ref.map((h) => h.hit)),
      'ndcg@5': mean(ref.map((h) => h.ndcg)),
      'hr@5_lenient': mean(hits.map((h) => h.hit)),
      'ndcg@5_lenient': mean(hits.map((h) => h.ndcg)),
      invalid_rate: mean(beams.map((b) => (b.length && isCatalogueTitle(b[0], catalogue) ? 0 : 1))),
    };
    r.samples.task1 = sets[1].length;
  }
  if (m.rank && sets[2].length) {
    const texts = chunked(sets[2], bar, m.rank);
    const scores = sets[2].map((rec, i) => {
      const truth = splitAnswer(rec.response);
      const s = task2Ndcg(texts[i], truth, 5);
      keep(2, rec, texts[i], splitAnswer(texts[i]));
      return { ref: refTask2(texts[i], truth, 5), ndcg: s.ndcg, parsed: s.parsed / truth.length };
    });
    r.task2 = {
      'ndcg@5': mean(scores.map((s) => s.ref)),
      'ndcg@5_graded': mean(scores.map((s) => s.ndcg)),
      parsed_rate: mean(scores.map((s) => s.parsed)),
    };
    r.samples.task2 = sets[2].length;
  }
  if (m.yesNo && sets[3].length) {
    const words = yesNoWords(sets[3]);
    const yn = chunked(sets[3], bar, (c) => m.yesNo!(c, words));
    const labels = sets[3].map((rec) => (titleKey(rec.response) === titleKey(words[0]) ? 'yes' : 'no'));
    const compared = yn.map((s) => (s.length === 4 ? [s[2], s[3]] : [s[0], s[1]])); // the reference compares the first tokens
    r.task3 = {
      acc: mean(labels.map((label, i) => refTask3(compared[i][0], compared[i][1], label))),
      acc_strict: mean(labels.map((label, i) => task3Correct(yn[i][0], yn[i][1], label))),
    };
    sets[3].forEach((rec, i) => keep(3, rec, yn[i], compared[i][0] >= compared[i][1] ? 'yes' : 'no'));
    r.samples.task3 = sets[3].length;
  }
  if (m.title && sets[4].length) {
    const out = chunked(sets[4], bar, m.title);
    r.task4 = {
      title_acc: mean(sets[4].map((rec, i) => titleMatch(out[i], rec.response))),
      invalid_rate: mean(out.map((o) => (isCatalogueTitle(o, catalogue) ? 0 : 1))),
    };
    sets[4].forEach((rec, i) => keep(4, rec, out[i], [firstLine(out[i]) ?? '']));
    r.samples.task4 = sets[4].length;
  }
  if (m.recall && sets[6].length) {
    const out = chunked(sets[6], bar, m.recall);
    r.task6 = {
      hcr: mean(sets[6].map((rec, i) => refTask6(out[i], splitAnswer(rec.response)))),
      hcr_distinct: mean(sets[6].map((rec, i) => historyCoverage(out[i], splitAnswer(rec.response)))),
    };
    sets[6].forEach((rec, i) => keep(6, rec, out[i], splitAnswer(out[i])));
    r.samples.task6 = sets[6].length;
  }
  bar.finish();
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

/** Catalogue titles as match keys. */
export function catalogueKeys(titles: readonly string[]): Set<string> {
  return new Set(titles.filter(Boolean).map(titleKey));
}
