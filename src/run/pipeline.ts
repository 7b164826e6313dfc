// `recexplainer run` as a library: data → train-rec → distill (the sasrec-kd student, beside f since
// it needs only f and the data) → tasks → pretrain (or a given base model) → align B, I, H → eval →
// explain, one folder per stage under `out`. Resumable stage by stage: a finished stage (its final
// file present; metrics.json for the training stages) is not redone, an interrupted one resumes from
// its checkpoint; stage times and peak memory are kept in <out>/stages.json so a resumed run
// reports the original figures. The run folder's marker (engine/out_folder.ts) is kind `run`, each
// stage's folder carries its own.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ALIGN_DEFAULTS, type AlignConfig } from '../align/config.js';
import { align } from '../align/train.js';
import { buildDataset } from '../data/build.js';
import { DATA_DEFAULTS } from '../data/config.js';
import { writeJsonAtomic } from '../engine/atomic.js';
import { claimOutFolder, finishOutFolder } from '../engine/out_folder.js';
import { RunFolder } from '../engine/run_folder.js';
import { peakRssMb } from '../engine/resources.js';
import { EVAL_DEFAULTS } from '../eval/config.js';
import { evaluateAll } from '../eval/run.js';
import { EXPLAIN_DEFAULTS } from '../explain/config.js';
import { explainAll, type ExplainResult } from '../explain/run.js';
import { PRETRAIN_DEFAULTS } from '../base/config.js';
import { pretrain } from '../base/pretrain.js';
import { TRAIN_REC_DEFAULTS } from '../rec/config.js';
import { DISTILL_DEFAULTS } from '../rec/distill_config.js';
import { distillRec } from '../rec/distill_train.js';
import { trainRec } from '../rec/train.js';
import { TASKS_DEFAULTS } from '../tasks/config.js';
import { buildTasks } from '../tasks/build.js';
import type { Form } from '../tasks/forms.js';
import type { RunConfig } from './config.js';
import { PROFILE } from './profiles.js';
import { readJson } from '../engine/json.js';

export interface StageRecord {
  seconds: number;
  peak_rss_mb: number; // the process's peak RSS when the stage ended (over the run that did it)
}

export type Stages = Record<string, StageRecord>;

export interface RunOutputs {
  dirs: { data: string; rec: string; kd: string; tasks: string; base: string; lm: Record<string, string>; eval: string; explain: string }; // lm: B, I, H (and H-items)
  stages: Stages;
  methods: Awaited<ReturnType<typeof evaluateAll>>['methods'];
  free: Awaited<ReturnType<typeof evaluateAll>>['free']; // grounded runs: the LM methods decoding freely
  evalTimings: Record<string, number>; // seconds per evaluated method (eval_<method>)
  explain: ExplainResult;
}

const MODES: readonly Form[] = ['B', 'I', 'H'];

export async function runPipeline(cfg: RunConfig, say: (line: string) => void): Promise<RunOutputs> {
  const p = PROFILE[cfg.profile];
  const o = cfg.out;
  // the aligned models: the paper's B, I and H, and the item-token H row where the profile has one
  const aligned: { key: string; mode: Form; cfg: Partial<AlignConfig> }[] = [
    ...MODES.map((mode) => ({ key: mode, mode, cfg: p.alignSteps?.[mode] ?? {} })),
    ...(p.itemTokens ? [{ key: 'H-items', mode: 'H' as const, cfg: { ...p.alignSteps?.H, ...p.itemTokens, itemTokens: true } }] : []),
  ];
  const dirs: RunOutputs['dirs'] = {
    data: cfg.data ?? join(o, 'dataset'),
    rec: join(o, 'rec'),
    kd: join(o, 'sasrec-kd'),
    tasks: join(o, 'tasks'),
    base: cfg.baseModel ?? join(o, 'base'),
    lm: Object.fromEntries(aligned.map((a) => [a.key, join(o, `lm-${a.key}`)])),
    eval: join(o, 'eval'),
    explain: join(o, 'explain'),
  };
  claimOutFolder(o, 'run', cfg, { reuse: true });
  const stagesFile = join(o, 'stages.json');
  const stages: Stages = readJson<Stages>(stagesFile) ?? {};
  const steps = 7 + aligned.length;
  let n = 0;
  /** done: finished before (kept), or what the user gave instead (a string, said as it is). */
  const stage = async (name: string, done: boolean | string, what: string, body: () => Promise<unknown>) => {
    n++;
    if (typeof done === 'string') {
      say(`[${n}/${steps}] ${name}: ${done}`);
      return;
    }
    if (done) {
      say(`[${n}/${steps}] ${name}: done before${stages[name] ? ` (${stages[name].seconds.toFixed(1)} s)` : ''}, kept`);
      return;
    }
    say(`[${n}/${steps}] ${name}: ${what}`);
    const t0 = performance.now();
    await body();
    stages[name] = { seconds: (performance.now() - t0) / 1000, peak_rss_mb: peakRssMb() };
    writeJsonAtomic(stagesFile, stages);
  };
  const q = { seed: cfg.seed, quiet: cfg.quiet };

  await stage(
    'data',
    cfg.data ? `given (--data ${cfg.data})` : existsSync(join(dirs.data, 'stats.json')),
    'MovieLens latest-small (dslabs), 5-core, leave-one-out',
    () => buildDataset({ ...DATA_DEFAULTS, ...p.data, out: dirs.data, quiet: cfg.quiet, seed: DATA_DEFAULTS.seed + cfg.seed }),
  );
  const rec = new RunFolder(dirs.rec);
  await stage('train_rec', rec.done, `SASRec, hidden ${p.rec.hidden}, history ${p.rec.maxLen}`, () =>
    trainRec({ ...TRAIN_REC_DEFAULTS, ...p.rec, ...q, data: dirs.data, out: dirs.rec, resume: rec.resumable }),
  );
  const kd = new RunFolder(dirs.kd);
  const d = { ...DISTILL_DEFAULTS, ...p.distill };
  await stage('distill', kd.done, `the sasrec-kd baseline: a SASRec distilled from f (τ ${d.temperature}, ${d.epochs} epochs)`, () =>
    distillRec({
      ...d,
      quiet: cfg.quiet,
      seed: DISTILL_DEFAULTS.seed + cfg.seed,
      rec: dirs.rec,
      data: dirs.data,
      out: dirs.kd,
      resume: kd.resumable,
    }),
  );
  await stage(
    'tasks',
    existsSync(join(dirs.tasks, 'counts.json')),
    'alignment samples, tasks 1–7 × forms B, I, H, labelled by the SASRec',
    () =>
      buildTasks({
        ...TASKS_DEFAULTS,
        ...p.tasks,
        quiet: cfg.quiet,
        seed: TASKS_DEFAULTS.seed + cfg.seed,
        data: dirs.data,
        rec: dirs.rec,
        out: dirs.tasks,
      }),
  );
  const base = new RunFolder(dirs.base);
  await stage(
    'pretrain',
    cfg.baseModel ? `given (--base-model ${cfg.baseModel})` : base.done,
    'base LM (tokenizer + Llama) from scratch',
    async () => {
      await pretrain({ ...PRETRAIN_DEFAULTS, ...p.pretrain, ...q, data: dirs.data, out: dirs.base, resume: base.resumable });
    },
  );
  for (const { key, mode, cfg: own } of aligned) {
    const lm = new RunFolder(dirs.lm[key]);
    await stage(
      `align_${key.toLowerCase().replace('-', '_')}`,
      lm.done,
      `RecExplainer-${mode} (${(p.align.loraR ?? ALIGN_DEFAULTS.loraR) > 0 ? 'LoRA' : 'all weights'}${mode === 'B' ? '' : ' + projectors'}${own.itemTokens ? ', item tokens' : ''})`,
      () =>
        align({
          ...ALIGN_DEFAULTS,
          ...p.align,
          ...own,
          ...q,
          mode,
          tasks: dirs.tasks,
          baseModel: dirs.base,
          out: lm.dir,
          resume: lm.resumable,
        }),
    );
  }
  const evalFile = join(dirs.eval, 'methods.json');
  await stage('eval', existsSync(evalFile), 'every method on the test samples', async () => {
    const ecfg = {
      ...EVAL_DEFAULTS,
      ...p.eval,
      ...q,
      decoding: cfg.decoding,
      tasks: dirs.tasks,
      out: dirs.eval,
      models: Object.values(dirs.lm),
      baseModel: dirs.base,
      student: dirs.kd,
    };
    claimOutFolder(dirs.eval, 'eval', ecfg, { force: true }); // unfinished by methods.json, the run's own mark
    writeJsonAtomic(evalFile, await evaluateAll(ecfg));
    finishOutFolder(dirs.eval);
  });
  const explainFile = join(dirs.explain, 'result.json');
  await stage(
    'explain',
    existsSync(explainFile),
    "explanations of f's decisions, scored against f, and the distinction experiments",
    async () => {
      const xcfg = {
        ...EXPLAIN_DEFAULTS,
        ...p.explain,
        ...q,
        decoding: cfg.decoding,
        tasks: dirs.tasks,
        out: dirs.explain,
        models: Object.values(dirs.lm),
        baseModel: dirs.base,
      };
      claimOutFolder(dirs.explain, 'explain', xcfg, { force: true }); // unfinished by result.json, the run's own mark
      writeJsonAtomic(explainFile, await explainAll(xcfg));
      finishOutFolder(dirs.explain);
    },
  );
  const { methods, free, timings } = readJson<Awaited<ReturnType<typeof evaluateAll>>>(evalFile)!;
  return { dirs, stages, methods, free, evalTimings: timings, explain: readJson<ExplainResult>(explainFile)! };
}
