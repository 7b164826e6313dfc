// A tiny run folder, as `recexplainer run` lays it out (dataset/, rec/, tasks/, base/, lm-B/, lm-I/,
// lm-H/, explain/ with its explanation rows, report.json with a chart beside it, the run marker), on the
// ring fixture: a 2-layer, 32-wide base LM and three aligned models of a few steps each. Built once per source version and shared through
// .cache/test-fixtures/serve-run-<hash>.json, which names the finished folder (the models' files hold
// absolute paths, so the folder is never moved). Read-only for callers.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainedRing } from '../rec/fixture.js';
import { ALIGN_DEFAULTS, type AlignConfig } from '../../src/align/config.js';
import { align } from '../../src/align/train.js';
import { PRETRAIN_DEFAULTS } from '../../src/base/config.js';
import { pretrain } from '../../src/base/pretrain.js';
import { claimOutFolder, finishOutFolder } from '../../src/engine/out_folder.js';
import { TASKS_DEFAULTS } from '../../src/tasks/config.js';
import { buildTasks } from '../../src/tasks/build.js';
import { EXPLAIN_DEFAULTS } from '../../src/explain/config.js';
import { explainAll } from '../../src/explain/run.js';
import { groupedBarChart } from '../../src/report/svg.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, '.cache', 'test-fixtures');

const BASE = {
  layers: 2,
  hidden: 32,
  heads: 2,
  kvHeads: 2,
  ffn: 64,
  vocab: 512,
  seqLen: 64,
  batchSize: 8,
  steps: 20,
  warmup: 4,
  lr: 1e-2,
  evalEvery: 10,
};
const ALIGN = { loraR: 0, maxSteps: 8, batchSize: 8, lr: 5e-3, warmup: 2, perTask: 30, checkpointEvery: 100 };
/** An align config over the tiny run's tasks and base (H mode, the fixture's few steps), into `out`. */
export const tinyAlign = (run: string, out: string, more: Partial<AlignConfig> = {}): AlignConfig => ({
  ...ALIGN_DEFAULTS,
  ...ALIGN,
  quiet: true,
  mode: 'H',
  tasks: join(run, 'tasks'),
  baseModel: join(run, 'base'),
  out,
  ...more,
});
export const EXPLAINED = 6; // test pairs the explain stage explains (the blind rating pool)

/** Report of the tiny run: not a real evaluation, only what GET /v1/report must hand back as it is (the
 * explain stage's real `explanations` table is added to it). */
export const TINY_REPORT = {
  profile: 'serve-test',
  methods: { random: { task3: { acc: 0.5 } } },
  note: 'written by test/serve/fixture.ts',
};

function sourceHash(): string {
  const h = createHash('sha256').update(JSON.stringify({ BASE, ALIGN, EXPLAINED, TINY_REPORT }));
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) h.update(p).update(readFileSync(p));
    }
  };
  for (const d of ['engine', 'data', 'rec', 'lm', 'facts', 'tasks', 'base', 'align', 'explain', 'report']) walk(join(ROOT, 'src', d));
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

let built: Promise<string> | undefined;

/** The tiny run folder (absolute path), built on first use. */
export function tinyRun(): Promise<string> {
  built ??= (async () => {
    const pointer = join(CACHE, `serve-run-${sourceHash()}.json`);
    if (existsSync(pointer)) {
      const dir = (JSON.parse(readFileSync(pointer, 'utf8')) as { dir: string }).dir;
      if (existsSync(join(dir, 'report.json'))) return dir;
    }
    const ring = await trainedRing();
    mkdirSync(CACHE, { recursive: true });
    const run = join(mkdtempSync(join(CACHE, 'serve-run-')), 'run');
    claimOutFolder(run, 'run', { profile: 'serve-test' }, { reuse: true });
    cpSync(ring.data, join(run, 'dataset'), { recursive: true });
    cpSync(ring.rec, join(run, 'rec'), { recursive: true });
    const q = { quiet: true };
    await buildTasks({
      ...TASKS_DEFAULTS,
      ...q,
      data: join(run, 'dataset'),
      rec: join(run, 'rec'),
      out: join(run, 'tasks'),
      task5: [20, 4],
    });
    await pretrain({ ...PRETRAIN_DEFAULTS, ...BASE, ...q, data: join(run, 'dataset'), out: join(run, 'base') });
    for (const mode of ['B', 'I', 'H'] as const) await align(tinyAlign(run, join(run, `lm-${mode}`), { mode }));
    const explained = await explainAll({
      ...EXPLAIN_DEFAULTS,
      ...q,
      tasks: join(run, 'tasks'),
      out: join(run, 'explain'),
      models: ['B', 'I', 'H'].map((m) => join(run, `lm-${m}`)),
      sample: EXPLAINED,
      decoding: 'free',
      distinction: false,
    });
    const metrics = Object.entries(explained.explanations).flatMap(([name, m]) => (m ? [[name, m] as const] : []));
    const chart = groupedBarChart({
      title: 'Explanations of the tiny run',
      groups: ['agreement', 'attribution P@3', 'hallucination', 'rule judge / 3'],
      series: metrics.map(([name, m]) => ({
        name,
        values: [m.agreement, m['attribution_p@3'], m.hallucination_rate, m.rule_judge_mean / 3],
      })),
      yMax: 1,
    });
    writeFileSync(join(run, 'explanations.svg'), chart);
    writeFileSync(join(run, 'report.json'), JSON.stringify({ ...TINY_REPORT, explanations: explained.explanations }, null, 2));
    finishOutFolder(run);
    const tmp = `${pointer}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ dir: run }));
    renameSync(tmp, pointer);
    return run;
  })();
  return built;
}
