// report.json (DESIGN.md §6 names, plus provenance and per-stage figures) and report.md (the
// alignment table, its chart, the explanations with the rating table by judge — human ratings read
// from <run>/ratings.jsonl when present —, the task ablation with its chart, timings and peak memory
// per stage, the target model, the data) of a run.
import { execFileSync } from 'node:child_process';
import { readJson } from '../engine/json.js';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { AlignMetrics } from '../align/train.js';
import { statsMarkdown, type Stats } from '../data/stats.js';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { repoRoot } from '../engine/paths.js';
import { freeDecodingMarkdown, methodsChart, methodsTable } from '../eval/report.js';
import { confusionChart, explanationsMarkdown } from '../explain/report.js';
import type { PretrainMetrics } from '../base/pretrain.js';
import { countsMarkdown, type Counts } from '../tasks/counts.js';
import type { RunConfig } from './config.js';
import type { RunOutputs } from './pipeline.js';
import { ablationChart, ablationMarkdown } from './ablation.js';
import { PAPER_BEST, PAPER_DATASET_NAMES, paperMarkdown, paperTable } from './paper.js';
import { explanationRows, RATINGS_FILE, ratingsSummary, readRatings } from '../explain/ratings.js';

/** The checked-out commit (short), or null outside a git checkout. Read it before a run starts. */
export function currentCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: repoRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'} × ${c.length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

/** "N test users" from the task-1 sample count of the first scored method (one task-1 sample per test user). */
function scored(methods: RunOutputs['methods']): string {
  const n = Object.values(methods).find((m) => m)?.samples.task1;
  return n === undefined ? 'test samples' : `${n} test users`;
}

/** A file's link from report.md in `out`, with forward slashes. */
const linkFrom = (out: string, p: string) => relative(out, p).split('\\').join('/');

/**
 * The link report.md gives the data set's chart: into the data folder where it lies inside the run
 * folder, else to a copy written beside report.md (a given --data folder lies elsewhere, and a
 * report that is copied on must not point out of its folder).
 */
export function dataChart(out: string, data: string): string {
  const chart = join(data, 'sequence_lengths.svg');
  const link = linkFrom(out, chart);
  if (!link.startsWith('../') || !existsSync(chart)) return link;
  writeFileAtomic(join(out, 'sequence_lengths.svg'), readFileSync(chart));
  return 'sequence_lengths.svg';
}

/** Writes report.json and report.md; `commit` is the one the run started from. */
export function writeRunReport(cfg: RunConfig, r: RunOutputs, commit: string | null): { json: string; md: string } {
  const dataset = readJson<Stats>(join(r.dirs.data, 'stats.json'));
  const recommender = readJson<Record<string, unknown>>(join(r.dirs.rec, 'metrics.json'));
  const tasks = readJson<Counts>(join(r.dirs.tasks, 'counts.json'));
  const baseLm = readJson<PretrainMetrics>(join(r.dirs.base, 'metrics.json'));
  const alignment = Object.fromEntries(Object.entries(r.dirs.lm).map(([m, d]) => [m, readJson<AlignMetrics>(join(d, 'metrics.json'))]));
  const timings = { ...Object.fromEntries(Object.entries(r.stages).map(([k, v]) => [k, v.seconds])), ...r.evalTimings };
  const command = [
    `recexplainer run --profile ${cfg.profile}`,
    cfg.seed ? ` --seed ${cfg.seed}` : '',
    cfg.data ? ` --data ${cfg.data}` : '',
    cfg.baseModel ? ` --base-model ${cfg.baseModel}` : '',
    cfg.decoding !== 'grounded' ? ` --decoding ${cfg.decoding}` : '',
    cfg.paper ? ` --paper ${cfg.paper}` : '',
    cfg.evalUsers ? ` --eval-users ${cfg.evalUsers}` : '',
    cfg.ablate.length ? ` --ablate ${cfg.ablate.join(',')}` : '',
    cfg.ablate.length && cfg.ablateSteps ? ` --ablate-steps ${cfg.ablateSteps}` : '',
    cfg.ablate.length && cfg.ablateUsers ? ` --ablate-users ${cfg.ablateUsers}` : '',
    cfg.llmUrl ? ` --llm-url ${cfg.llmUrl} --llm-model ${cfg.llmModel}` : '',
    cfg.llmGguf ? ` --llm-gguf ${cfg.llmGguf}` : '',
    cfg.judgeUrl ? ` --judge-url ${cfg.judgeUrl} --judge-model ${cfg.judgeModel}` : '',
    cfg.judgeGguf ? ` --judge-gguf ${cfg.judgeGguf}` : '',
  ].join('');
  const humanFile = join(cfg.out, RATINGS_FILE);
  const ratings = ratingsSummary(
    {
      ...explanationRows(r.dirs.explain, Object.keys(r.explain.explanations)),
      ...explanationRows(r.dirs.iclLlm.explain, ['icl-llm']),
    },
    readRatings(humanFile),
  );
  const fullH = r.methods['recexplainer-h'];
  const reference = fullH ? { ...fullH, explanations: r.explain.explanations['recexplainer-h'] } : undefined;
  const report = {
    profile: cfg.profile,
    command,
    commit,
    machine: machine(),
    date: new Date().toISOString(),
    dataset,
    recommender,
    tasks,
    base_lm: baseLm,
    alignment,
    methods: r.methods,
    ...(cfg.paper ? { paper: { dataset: PAPER_DATASET_NAMES[cfg.paper], methods: paperTable(cfg.paper) } } : {}),
    notes: { methods: r.notes, explanations: r.explain.notes ?? {} },
    ...(r.free || r.explain.free ? { free: { ...r.free, ...r.explain.free } } : {}),
    explanations: r.explain.explanations,
    ratings,
    ...(r.ablation ? { ablation: r.ablation } : {}),
    aspects: r.explain.aspects,
    aspect_study: r.explain.aspectStudy,
    distinction: r.explain.distinction && {
      discriminator_acc: r.explain.distinction.discriminator_acc,
      score_mse: r.explain.distinction.score_mse,
      score_var: r.explain.distinction.score_var,
      confusion: r.explain.distinction.confusion,
      names: r.explain.distinction.names,
    },
    timings,
    peak_rss_mb: Math.max(0, ...Object.values(r.stages).map((s) => s.peak_rss_mb)),
    peak_rss_mb_by_stage: Object.fromEntries(Object.entries(r.stages).map(([k, v]) => [k, v.peak_rss_mb])),
  };
  const json = join(cfg.out, 'report.json');
  writeJsonAtomic(json, report);
  writeFileAtomic(join(cfg.out, 'alignment.svg'), methodsChart(r.methods));
  if (r.ablation) writeFileAtomic(join(cfg.out, 'ablation.svg'), ablationChart(r.ablation, reference));
  const confusion = confusionChart(r.explain);
  if (confusion) writeFileAtomic(join(cfg.out, 'confusion.svg'), confusion);
  const rel = (p: string) => linkFrom(cfg.out, p);
  const full = recommender?.full as Record<string, number> | undefined;
  const sampled = recommender?.sampled100 as Record<string, number> | undefined;
  const md = [
    `# RecExplainer run (${cfg.profile} profile)`,
    '',
    `\`${command}\` · commit ${report.commit ?? 'unknown'} · ${report.machine} · ${report.date}`,
    '',
    `## Alignment: how faithfully each method reproduces the target model (${scored(r.methods)})`,
    '',
    methodsTable(r.methods, [], r.notes),
    '',
    `Paper's best RecExplainer figures (any data set): T1 H@5 ${PAPER_BEST['task1.hr@5']}, T1 N@5 ${PAPER_BEST['task1.ndcg@5']}, T2 N@5 ${PAPER_BEST['task2.ndcg@5']}, T3 ACC ${PAPER_BEST['task3.acc']}, T6 HCR ${PAPER_BEST['task6.hcr']}.`,
    "T1: f's top-1 item among 5 beam-search outputs; T2: NDCG@5 of the generated order of 5 candidates against f's as the reference implementation computes it (relevance 1000/100/10/1/0, linear gain, unnamed candidates gain nothing), graded: ours (relevance 5…1, 2^rel − 1, unnamed candidates appended worst-first); T3: yes/no by answer likelihood; T6: share of the shown history recovered from the user embedding; T4: item → title on training items; invalid: outputs that are no catalogue title.",
    '',
    ...(cfg.paper ? paperMarkdown(cfg.paper, r.methods) : []),
    ...freeDecodingMarkdown(r.free),
    '![alignment](alignment.svg)',
    '',
    explanationsMarkdown(r.explain, 'confusion.svg', { summary: ratings, file: rel(humanFile) }),
    ...(r.ablation ? ablationMarkdown(r.ablation, reference, 'ablation.svg') : []),
    '## Stages',
    '',
    '| stage | seconds | peak RSS (MB) |',
    '|---|---:|---:|',
    ...Object.entries(r.stages).map(([k, v]) => `| ${k}${v.jobs ? ' ∥' : ''} | ${v.seconds.toFixed(1)} | ${v.peak_rss_mb} |`),
    ...Object.entries(r.evalTimings).map(([k, v]) => `| ${k} (part of eval) | ${v.toFixed(1)} | |`),
    '',
    ...(Object.values(r.stages).some((v) => v.jobs)
      ? [
          `∥: trained in a child process of its own beside up to ${Math.max(...Object.values(r.stages).map((v) => v.jobs ?? 1)) - 1} other(s) (\`run --jobs\`); its seconds are its own, and such stages overlapped.`,
          '',
        ]
      : []),
    '## Alignment training',
    '',
    '| mode | samples | tokens/epoch | steps | seconds | final loss | trainable params |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(alignment).flatMap(([m, a]) =>
      a
        ? [
            `| ${m} | ${Object.values(a.samples).reduce((x, y) => x + y, 0)} | ${a.tokens} | ${a.steps} | ${a.seconds.toFixed(0)} | ${a.final_loss.toFixed(4)} | ${a.trainable_params} |`,
          ]
        : [],
    ),
    '',
    ...Object.entries(r.dirs.lm).map(([m, d]) => `![loss ${m}](${rel(join(d, 'loss.svg'))})`),
    '',
    ...(baseLm
      ? [
          '## Base LM',
          '',
          `${(baseLm.params / 1e6).toFixed(2)}M parameters, ${baseLm.steps} steps, ${baseLm.tokens_seen} tokens in ${baseLm.seconds.toFixed(0)} s; held-out perplexity ${baseLm.heldout_ppl.toFixed(1)} (vocabulary ${baseLm.vocab}).`,
          '',
        ]
      : []),
    '## Target recommender (SASRec) on the test split',
    '',
    '| protocol | HR@5 | NDCG@5 | HR@10 | NDCG@10 | HR@20 | NDCG@20 |',
    '|---|---:|---:|---:|---:|---:|---:|',
    full
      ? `| full catalogue | ${['hr@5', 'ndcg@5', 'hr@10', 'ndcg@10', 'hr@20', 'ndcg@20'].map((k) => full[k].toFixed(4)).join(' | ')} |`
      : '',
    sampled ? `| 100 sampled negatives | | | ${sampled['hr@10'].toFixed(4)} | ${sampled['ndcg@10'].toFixed(4)} | | |` : '',
    '',
    `![training](${rel(join(r.dirs.rec, 'training.svg'))})`,
    '',
    ...(tasks ? ['## Alignment samples', '', countsMarkdown(tasks).replace(/^# .*\n+/, ''), ''] : []),
    ...(dataset ? [statsMarkdown(dataset, dataChart(cfg.out, r.dirs.data)).replace(/^# /, '## ')] : []),
  ].join('\n');
  const mdPath = join(cfg.out, 'report.md');
  writeFileAtomic(mdPath, md);
  return { json, md: mdPath };
}
