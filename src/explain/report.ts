// The explanation sections of a report: faithfulness and judge ratings per explainer, the
// discriminator's accuracy and confusion matrix (chart), the score predictor's MSE, and five
// example explanations per explainer; a grounded run adds the LM explainers decoding freely; the
// rating table by judge (ratings.ts) when given. A row not run or failed (icl-llm) is marked so, with its note.
import { heatmap } from '../report/svg.js';
import type { ExplanationMetrics } from './evaluate.js';
import { ratingsMarkdown, type RatingsSummary } from './ratings.js';
import type { ExplainResult } from './run.js';
import { fixed4 } from '../report/format.js';

/** Markdown; `chart` is the confusion-matrix SVG's file name beside the report; `ratings` the rating table and where human ratings are read from. */
export function explanationsMarkdown(
  r: ExplainResult,
  chart: string,
  ratings?: { summary: RatingsSummary; file: string | undefined },
): string {
  const lines = [
    '## Explanations',
    '',
    "Scored against the target model f on the same test pairs: agreement of the stated decision with f's; names the candidate (the share of texts that cite the title of the item they are about); attribution precision@3 (cited history items among f's top-3 leave-one-out contributors); hallucination rate (cited titles not in the history, the candidate or its nearest item); fact accuracy (the share of the themes and eras a text states of an item, of the history or of what the candidate shares with it that the data set's metadata bears out, `src/facts/fact_check.ts`; — when no text states one); non-words, garbled and misplaced (aligned LMs: the share of texts with a word no training explanation or title uses; with a run of marks, digits or spaces that no training explanation has where it stands, such as \",,,,\" or \"video16\", `src/facts/known_words.ts`; and with a title where the training explanations cite only titles of other roles — the candidate in the history's list, a history item where the candidate or f's nearest item belongs, `src/facts/title_roles.ts`); the rule judge's 0–3 rating (documented in `src/explain/rule_judge.ts`) and, with `--judge-url` or `--judge-gguf`, an LLM judge's.",
    '',
    ...metricsTable(r.explanations, r.notes),
    '',
    ...(ratings ? ratingsMarkdown(ratings.summary, ratings.file) : []),
  ];
  if (r.free)
    lines.push(
      "### The LM explainers with free decoding (the paper's)",
      '',
      ...metricsTable(r.free.explanations),
      '',
      `The table above decodes grounded: a title the text cites in a <title> span can only be one of the case's shown history items (each once), the candidate or f's nearest item to it (each at most twice), none twice in one sentence${r.factGuard ? "; under the fact guard no token may state a theme or era the metadata contradicts, and the text keeps to the words and marks of the training explanations' prose, each word after one it follows there, and each title only where that prose cites a title of its role (`src/facts/fact_guard.ts`, `known_words.ts`, `title_roles.ts`)" : ''}; free decoding cites whatever the LM writes.`,
      '',
    );
  const d = r.distinction;
  if (d) {
    lines.push(
      '### Distinction',
      '',
      `A softmax-regression discriminator on frozen base-LM features of the texts tells the ${d.names.length} explainers apart with held-out accuracy **${d.discriminator_acc.toFixed(4)}** (chance ${(1 / d.names.length).toFixed(4)}).`,
      '',
      `![confusion matrix](${chart})`,
      '',
      "Predicting f's score from each explainer's texts (ridge regression, held-out fifth); lower is better, and the variance is the error of always predicting the mean:",
      '',
      '| explainer | score MSE | score variance |',
      '|---|---:|---:|',
      ...d.names.map((n) => `| ${n} | ${fixed4(d.score_mse[n])} | ${fixed4(d.score_var[n])} |`),
      '',
    );
  }
  lines.push(...aspectLines(r));
  lines.push('### Examples', '');
  for (const [n, ex] of Object.entries(r.examples)) {
    lines.push(`**${n}**`, '');
    for (const e of ex)
      lines.push(`- (${e.key}, f: ${e.f_decision}, rating ${e.rating}) ${e.text.replace(/\s+/g, ' ').replace(/\|/g, '/')}`);
    lines.push('');
  }
  return lines.join('\n');
}

function metricsTable(metrics: Record<string, ExplanationMetrics | null>, notes: Record<string, string> = {}): string[] {
  const noted = Object.entries(notes).filter(([n]) => n in metrics);
  return [
    '| explainer | agreement | names candidate | attribution P@3 | hallucination | fact accuracy (claims) | non-words | garbled | misplaced | rule judge | LLM judge | pairs | seconds |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(metrics).map(([n, m]) =>
      m === null
        ? `| ${n} (${notes[n]?.startsWith('failed') ? 'failed' : 'not run'}) | — | — | — | — | — | — | — | — | — | — | — | — |`
        : `| ${n} | ${fixed4(m.agreement)} | ${fixed4(m.candidate_named ?? null)} | ${fixed4(m['attribution_p@3'])} | ${fixed4(m.hallucination_rate)} | ${fixed4(m.fact_accuracy)} (${m.fact_claims}) | ${fixed4(m.nonword_rate ?? null)} | ${fixed4(m.garbled_rate ?? null)} | ${fixed4(m.misplaced_rate ?? null)} | ${fixed4(m.rule_judge_mean)} | ${fixed4(m.llm_judge_mean)} | ${m.samples} | ${m.seconds.toFixed(0)} |`,
    ),
    ...(noted.length ? ['', ...noted.map(([n, v]) => `- ${n}: ${v}`)] : []),
  ];
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(0)} %`);

/** Which aspects the texts cover, and the aspect study (the same pairs asked for each aspect in turn). */
function aspectLines(r: ExplainResult): string[] {
  const asked = Object.values(r.aspects).some((c) => c.only !== undefined);
  const lines = [
    '### Aspects',
    '',
    "Share of explanations covering each aspect: themes (names one of the candidate's themes), era (names a decade), history (cites a shown history item)" +
      (asked ? '; "only": covers the asked aspect and no other.' : '.'),
    '',
    `| explainer | themes | era | history |${asked ? ' only |' : ''}`,
    `|---|---:|---:|---:|${asked ? '---:|' : ''}`,
    ...Object.entries(r.aspects).map(
      ([n, c]) => `| ${n} | ${pct(c.themes)} | ${pct(c.era)} | ${pct(c.history)} |${asked ? ` ${pct(c.only)} |` : ''}`,
    ),
    '',
  ];
  for (const [n, study] of Object.entries(r.aspectStudy)) {
    lines.push(
      `**${n}**, asked to focus on each aspect in turn (the same pairs; "only": covers the asked aspect and no other):`,
      '',
      '| asked | themes | era | history | only |',
      '|---|---:|---:|---:|---:|',
      ...Object.entries(study).map(([a, c]) => `| ${a} | ${pct(c.themes)} | ${pct(c.era)} | ${pct(c.history)} | ${pct(c.only)} |`),
      '',
    );
  }
  return lines;
}

export function confusionChart(r: ExplainResult): string | null {
  const d = r.distinction;
  return d
    ? heatmap({
        title: 'Which explainer wrote it? (held-out)',
        rows: d.names,
        cols: d.names,
        values: d.confusion,
        xLabel: 'predicted',
        yLabel: 'true',
      })
    : null;
}
