// `recexplainer run` as a library: data → train-rec → distill (the sasrec-kd student, beside f since
// it needs only f and the data) → tasks → pretrain (or a given base model) → align B, I, H → eval →
// explain, one folder per stage under `out`; with --llm-url or --llm-gguf, the icl-llm baseline
// (icl-llm/: its Table 1 row and explanations; a dead endpoint leaves its row null, the stage
// unfinished for a rerun, and an error in `errors`); with --ablate, per removed task t an H model without it (lm-H-no<t>) and
// its scores (ablation/H-no<t>/), each a stage of its own; with --ablate-steps/--ablate-users also a
// reference H on every task (lm-H-ref, ablation/H-ref/), all of these names suffixed -s<steps>-u<users>.
// Resumable stage by stage: a finished stage (its final file present; metrics.json for the training
// stages) is not redone, an interrupted one resumes from its checkpoint; stage times and peak memory
// are kept in <out>/stages.json so a resumed run reports the original figures. With --jobs above 1
// (jobs.ts) the aligned models (the ablation's too) train side by side in child processes, and each LM
// method is scored and explains in one before the eval and explain stages gather the kept rows. The run folder's marker (engine/out_folder.ts) is kind `run`, each
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
import { EVAL_DEFAULTS, LM_BASELINES, type EvalConfig } from '../eval/config.js';
import { evaluateAll, type EvalResult } from '../eval/run.js';
import { EXPLAIN_DEFAULTS, type ExplainConfig } from '../explain/config.js';
import { explainAll, type ExplainResult } from '../explain/run.js';
import { ICL_LLM_NOT_RUN } from '../tasks/icl_llm.js';
import { chatSource, describeChat } from '../openai/backend.js';
import { PRETRAIN_DEFAULTS } from '../base/config.js';
import { pretrain } from '../base/pretrain.js';
import { TRAIN_REC_DEFAULTS } from '../rec/config.js';
import { DISTILL_DEFAULTS } from '../rec/distill_config.js';
import { distillRec } from '../rec/distill_train.js';
import { trainRec } from '../rec/train.js';
import { TASKS_DEFAULTS, type TasksConfig } from '../tasks/config.js';
import { buildTasks } from '../tasks/build.js';
import type { Form } from '../tasks/forms.js';
import type { RunConfig } from './config.js';
import { PROFILE } from './profiles.js';
import { readJson } from '../engine/json.js';
import type { Ablation, AblationRow } from './ablation.js';
import { jobSlots, runJobs, type Job } from './jobs.js';

export interface StageRecord {
  seconds: number;
  peak_rss_mb: number; // the process's peak RSS when the stage ended (over the run that did it)
  jobs?: number; // run --jobs: trained in a child process beside up to jobs − 1 others (seconds are its own)
}

export type Stages = Record<string, StageRecord>;

export interface RunOutputs {
  dirs: {
    data: string;
    rec: string;
    kd: string;
    tasks: string;
    itemTasks: string; // the item-token row's training tasks: tasks-items/ with the profile's itemTasks, else tasks/
    base: string;
    lm: Record<string, string>; // B, I, H (and H-items)
    eval: string;
    explain: string;
    iclLlm: { eval: string; explain: string };
    ablated: Record<string, string>; // removed task → its H model (lm-H-no<t>); 'ref' → the reference H (lm-H-ref, or lm-H)
  };
  stages: Stages;
  methods: EvalResult['methods']; // with the icl-llm row (null: not run or failed, see notes)
  notes: NonNullable<EvalResult['notes']>;
  free: EvalResult['free']; // grounded runs: the LM methods decoding freely
  evalTimings: Record<string, number>; // seconds per evaluated method (eval_<method>)
  explain: ExplainResult; // with the icl-llm explainer
  ablation: Ablation | null; // with --ablate
  errors: string[]; // one line each: what failed while the rest of the run went on (the icl-llm endpoint)
}

const MODES: readonly Form[] = ['B', 'I', 'H'];
// run --jobs starts the longest first; the full profile's order on the default data (minutes: align
// H 33, I 26, B 25, H+items 18; eval, grounded + free: icl 13, base-lm 11, H 9, I 6, B 6, H+items 6)
const ALIGN_WEIGHT: Record<string, number> = { H: 33, I: 26, B: 25, 'H-items': 18 };
const EVAL_WEIGHT: Record<string, number> = { icl: 13, 'base-lm': 11, H: 9, I: 6, B: 6, 'H-items': 6 };

export async function runPipeline(cfg: RunConfig, say: (line: string) => void): Promise<RunOutputs> {
  const llmAt = chatSource(cfg, 'llmUrl', 'llmGguf');
  chatSource(cfg, 'judgeUrl', 'judgeGguf'); // both given: the one-line error, before anything runs
  const p = PROFILE[cfg.profile];
  const slots = jobSlots(cfg.jobs);
  const o = cfg.out;
  // the aligned models: the paper's B, I and H, and the item-token H row where the profile has one
  const aligned: { key: string; mode: Form; cfg: Partial<AlignConfig> }[] = [
    ...MODES.map((mode) => ({ key: mode, mode, cfg: p.alignSteps?.[mode] ?? {} })),
    ...(p.itemTokens ? [{ key: 'H-items', mode: 'H' as const, cfg: { ...p.alignSteps?.H, ...p.itemTokens, itemTokens: true } }] : []),
  ];
  // the ablation's settings name its folders and stages, so another setting never mixes with a finished one
  const ablateSuffix = `${cfg.ablateSteps ? `-s${cfg.ablateSteps}` : ''}${cfg.ablateUsers ? `-u${cfg.ablateUsers}` : ''}`;
  const ablationName = (key: string) => `${key === 'ref' ? 'ref' : `no${key}`}${ablateSuffix}`;
  // a Table 1 on fewer users is its own folder and stage, so it never mixes with the profile's
  const evalName = `eval${cfg.evalUsers ? `-u${cfg.evalUsers}` : ''}`;
  const dirs: RunOutputs['dirs'] = {
    data: cfg.data ?? join(o, 'dataset'),
    rec: join(o, 'rec'),
    kd: join(o, 'sasrec-kd'),
    tasks: join(o, 'tasks'),
    itemTasks: p.itemTokens && p.itemTasks ? join(o, 'tasks-items') : join(o, 'tasks'),
    base: cfg.baseModel ?? join(o, 'base'),
    lm: Object.fromEntries(aligned.map((a) => [a.key, join(o, `lm-${a.key}`)])),
    eval: join(o, evalName),
    explain: join(o, 'explain'),
    iclLlm: { eval: join(o, 'icl-llm', evalName), explain: join(o, 'icl-llm', 'explain') },
    ablated: Object.fromEntries([
      ...cfg.ablate.map((t) => [String(t), join(o, `lm-H-no${t}${ablateSuffix}`)]),
      ...(cfg.ablate.length ? [['ref', cfg.ablateSteps > 0 ? join(o, `lm-H-ref${ablateSuffix}`) : join(o, 'lm-H')]] : []),
    ]),
  };
  claimOutFolder(o, 'run', cfg, { reuse: true });
  const stagesFile = join(o, 'stages.json');
  const stages: Stages = readJson<Stages>(stagesFile) ?? {};
  const ownReference = cfg.ablate.length > 0 && (cfg.ablateSteps > 0 || cfg.ablateUsers > 0);
  const ownItemTasks = dirs.itemTasks !== dirs.tasks;
  const steps =
    7 +
    (ownItemTasks ? 1 : 0) +
    aligned.length +
    (llmAt ? 1 : 0) +
    2 * cfg.ablate.length +
    (ownReference ? 1 : 0) +
    (ownReference && cfg.ablateSteps > 0 ? 1 : 0);
  const iclFailed: { eval?: string; explain?: string } = {}; // this call's icl-llm errors
  let n = 0;
  /** Says the stage's line; true when it is to be done. done: finished before (kept), or what the user gave instead. */
  const announce = (name: string, done: boolean | string, what: string): boolean => {
    n++;
    if (typeof done === 'string') say(`[${n}/${steps}] ${name}: ${done}`);
    else if (done) say(`[${n}/${steps}] ${name}: done before${stages[name] ? ` (${stages[name].seconds.toFixed(1)} s)` : ''}, kept`);
    else say(`[${n}/${steps}] ${name}: ${what}`);
    return done === false;
  };
  const record = (name: string, r: StageRecord) => {
    stages[name] = r;
    writeJsonAtomic(stagesFile, stages);
  };
  const stage = async (name: string, done: boolean | string, what: string, body: () => Promise<unknown>) => {
    if (!announce(name, done, what)) return;
    const t0 = performance.now();
    await body();
    record(name, { seconds: (performance.now() - t0) / 1000, peak_rss_mb: peakRssMb() });
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
  /** A tasks stage: the profile's tasks, with `over` on top, into `out` (same seed: the same test samples). */
  const tasksStage = (name: string, out: string, what: string, over: Partial<TasksConfig> = {}) =>
    stage(name, existsSync(join(out, 'counts.json')), what, () =>
      buildTasks({
        ...TASKS_DEFAULTS,
        ...p.tasks,
        ...over,
        quiet: cfg.quiet,
        seed: TASKS_DEFAULTS.seed + cfg.seed,
        data: dirs.data,
        rec: dirs.rec,
        out,
      }),
    );
  await tasksStage('tasks', dirs.tasks, 'alignment samples, tasks 1–7 × forms B, I, H, labelled by the SASRec');
  if (ownItemTasks)
    await tasksStage(
      'tasks_items',
      dirs.itemTasks,
      `the item-token row's training samples (${Object.entries(p.itemTasks!)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; the same test samples)`,
      p.itemTasks,
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
  /**
   * Aligned-model stages, each an H/I/B model into `dir` with the profile's settings and `own` over
   * them: in turn in this process, or with --jobs above 1 side by side in child processes.
   */
  const alignStages = async (
    list: { name: string; what: string; weight?: number; dir: string; mode: Form; own: Partial<AlignConfig> }[],
  ) => {
    const jobs = list.map(({ dir, mode, own, ...j }) => {
      const lm = new RunFolder(dir);
      const c: AlignConfig = {
        ...ALIGN_DEFAULTS,
        ...p.align,
        ...own,
        ...q,
        mode,
        tasks: own.itemTokens ? dirs.itemTasks : dirs.tasks,
        baseModel: dirs.base,
        out: lm.dir,
        resume: lm.resumable,
      };
      return { ...j, done: lm.done, kind: 'align' as const, cfg: c };
    });
    if (slots === 1) {
      for (const j of jobs) await stage(j.name, j.done, j.what, () => align(j.cfg));
      return;
    }
    const todo = jobs.filter((j) => announce(j.name, j.done, `${j.what}, in a process of its own`));
    await runJobs(todo, slots, (j, done) => {
      record(j.name, { ...done, jobs: Math.min(slots, todo.length) });
      say(`${j.name}: done in ${done.seconds.toFixed(0)} s`);
    });
  };
  await alignStages(
    aligned.map(({ key, mode, cfg: own }) => ({
      name: `align_${key.toLowerCase().replace('-', '_')}`,
      what: `RecExplainer-${mode} (${(p.align.loraR ?? ALIGN_DEFAULTS.loraR) > 0 ? 'LoRA' : 'all weights'}${mode === 'B' ? '' : ' + projectors'}${own.itemTokens ? ', item tokens' : ''})`,
      weight: ALIGN_WEIGHT[key],
      dir: dirs.lm[key],
      mode,
      own,
    })),
  );
  const evalFile = join(dirs.eval, 'methods.json');
  const evalCfg = (out: string, models: string[]): EvalConfig => ({
    ...EVAL_DEFAULTS,
    ...p.eval,
    ...(cfg.evalUsers > 0 ? { users: cfg.evalUsers } : {}),
    ...q,
    decoding: cfg.decoding,
    tasks: dirs.tasks,
    out,
    models,
    baseModel: dirs.base,
    student: dirs.kd,
  });
  const explainCfg = (out: string, models: string[]): ExplainConfig => ({
    ...EXPLAIN_DEFAULTS,
    ...p.explain,
    ...q,
    decoding: cfg.decoding,
    judgeUrl: cfg.judgeUrl,
    judgeModel: cfg.judgeModel,
    judgeGguf: cfg.judgeGguf,
    tasks: dirs.tasks,
    out,
    models,
    baseModel: dirs.base,
  });
  // with --jobs above 1, each LM method (explainer) is scored in a child process first, its rows kept in
  // the folder (eval/scored/, explain/explained/), and the stage itself then only gathers them
  const lmParts = (kind: 'eval' | 'explain', c: EvalConfig | ExplainConfig, lmBaselines: string[]) => {
    const skip = kind === 'eval' ? {} : { distinction: false, judgeUrl: undefined, judgeGguf: undefined };
    return [
      ...lmBaselines.map((b) => ({
        name: `${kind}_${b}`,
        kind,
        weight: EVAL_WEIGHT[b],
        cfg: { ...c, ...skip, baselines: [b], models: [] },
      })),
      ...aligned.map(({ key }) => ({
        name: `${kind}_${key.toLowerCase()}`,
        kind,
        weight: EVAL_WEIGHT[key],
        cfg: { ...c, ...skip, baselines: [], models: [dirs.lm[key]] },
      })),
    ];
  };
  const inParts = async (parts: Job[]) => {
    if (slots > 1) await runJobs(parts, slots, (j, done) => say(`${j.name}: done in ${done.seconds.toFixed(0)} s`));
  };
  await stage(evalName, existsSync(evalFile), 'every method on the test samples', async () => {
    const ecfg = evalCfg(dirs.eval, Object.values(dirs.lm));
    claimOutFolder(dirs.eval, 'eval', ecfg, { force: true }); // unfinished by methods.json, the run's own mark
    await inParts(
      lmParts(
        'eval',
        ecfg,
        ecfg.baselines.filter((b) => LM_BASELINES.includes(b)),
      ),
    );
    writeJsonAtomic(evalFile, await evaluateAll(ecfg));
    finishOutFolder(dirs.eval);
  });
  const explainFile = join(dirs.explain, 'result.json');
  await stage(
    'explain',
    existsSync(explainFile),
    "explanations of f's decisions, scored against f, and the distinction experiments",
    async () => {
      const xcfg = explainCfg(dirs.explain, Object.values(dirs.lm));
      claimOutFolder(dirs.explain, 'explain', xcfg, { force: true }); // unfinished by result.json, the run's own mark
      await inParts(lmParts('explain', xcfg, ['base-lm']));
      writeJsonAtomic(explainFile, await explainAll(xcfg));
      finishOutFolder(dirs.explain);
    },
  );
  // the icl-llm baseline: its own stage, finished only when the model answered (a rerun asks only what the cache lacks)
  const icl = { eval: join(dirs.iclLlm.eval, 'methods.json'), explain: join(dirs.iclLlm.explain, 'result.json') };
  if (llmAt) {
    const llm = { llmUrl: cfg.llmUrl, llmModel: cfg.llmModel, llmGguf: cfg.llmGguf };
    await stage(
      'icl_llm',
      existsSync(icl.eval) && existsSync(icl.explain),
      `the icl-llm baseline: ${describeChat(llmAt, cfg.llmModel)}`,
      async () => {
        if (!existsSync(icl.eval)) {
          const ecfg = { ...evalCfg(dirs.iclLlm.eval, []), ...llm, baselines: ['icl-llm' as const] };
          claimOutFolder(dirs.iclLlm.eval, 'eval', ecfg, { force: true });
          const r = await evaluateAll(ecfg);
          if (r.errors?.length) iclFailed.eval = r.errors.join('; ');
          else {
            writeJsonAtomic(icl.eval, r);
            finishOutFolder(dirs.iclLlm.eval);
          }
        }
        if (!existsSync(icl.explain)) {
          const xcfg = {
            ...explainCfg(dirs.iclLlm.explain, []),
            ...llm,
            baselines: ['icl-llm' as const],
            distinction: false,
            aspectStudy: 0,
          };
          claimOutFolder(dirs.iclLlm.explain, 'explain', xcfg, { force: true });
          const r = await explainAll(xcfg);
          if (r.errors?.length) iclFailed.explain = r.errors.join('; ');
          else {
            writeJsonAtomic(icl.explain, r);
            finishOutFolder(dirs.iclLlm.explain);
          }
        }
      },
    );
  }
  // the task ablation: per removed task an H model without it, and with --ablate-steps/--ablate-users a
  // reference H on every task, trained and scored the same way; each model and each score a stage
  const ablationKeys = [...(ownReference ? ['ref'] : []), ...cfg.ablate.map(String)];
  const what = (key: string) =>
    key === 'ref' ? 'RecExplainer-H on every task (the ablation’s reference)' : `RecExplainer-H without task ${key}`;
  await alignStages(
    ablationKeys
      .filter((key) => key !== 'ref' || cfg.ablateSteps > 0)
      .map((key) => ({
        name: `align_h_${ablationName(key)}`,
        what: `${what(key)}: aligned (the task ablation)`,
        dir: dirs.ablated[key],
        mode: 'H' as const,
        own: {
          ...p.alignSteps?.H,
          ...(cfg.ablateSteps > 0 ? { maxSteps: cfg.ablateSteps } : {}),
          dropTasks: key === 'ref' ? [] : [Number(key)],
        },
      })),
  );
  for (const key of ablationKeys) {
    const lm = new RunFolder(dirs.ablated[key]);
    const dir = join(o, 'ablation', `H-${ablationName(key)}`);
    const file = join(dir, 'result.json');
    await stage(`ablate_h_${ablationName(key)}`, existsSync(file), `${what(key)}: Table 1 and the explanations`, async () => {
      const ecfg = {
        ...evalCfg(join(dir, 'eval'), [lm.dir]),
        baselines: [],
        freeToo: false,
        ...(cfg.ablateUsers > 0 ? { users: cfg.ablateUsers } : {}),
      };
      claimOutFolder(ecfg.out, 'eval', ecfg, { force: true });
      const m = Object.values((await evaluateAll(ecfg)).methods)[0]!;
      finishOutFolder(ecfg.out);
      const xcfg = {
        ...explainCfg(join(dir, 'explain'), [lm.dir]),
        baselines: [],
        distinction: false,
        aspectStudy: 0,
        freeToo: false,
        ...(cfg.ablateUsers > 0 ? { sample: cfg.ablateUsers } : {}),
      };
      claimOutFolder(xcfg.out, 'explain', xcfg, { force: true });
      const x = Object.values((await explainAll(xcfg)).explanations)[0]!;
      finishOutFolder(xcfg.out);
      writeJsonAtomic(file, {
        task1: m.task1,
        task2: m.task2,
        task3: m.task3,
        task4: m.task4,
        task6: m.task6,
        explanations: x,
      } satisfies AblationRow);
    });
  }

  const ev = readJson<EvalResult>(evalFile)!;
  const explain = readJson<ExplainResult>(explainFile)!;
  const methods = { ...ev.methods };
  const notes = { ...ev.notes };
  explain.notes = { ...explain.notes };
  if (!('icl-llm' in methods)) {
    methods['icl-llm'] = null; // a result from before the row existed
    notes['icl-llm'] = ICL_LLM_NOT_RUN;
  }
  if (!('icl-llm' in explain.explanations)) {
    explain.explanations['icl-llm'] = null;
    explain.notes['icl-llm'] = ICL_LLM_NOT_RUN;
  }
  const iclEval = readJson<EvalResult>(icl.eval);
  if (iclEval) {
    methods['icl-llm'] = iclEval.methods['icl-llm'];
    notes['icl-llm'] = iclEval.notes!['icl-llm']!;
  }
  const iclExplain = readJson<ExplainResult>(icl.explain);
  if (iclExplain) {
    explain.explanations['icl-llm'] = iclExplain.explanations['icl-llm'];
    explain.notes['icl-llm'] = iclExplain.notes!['icl-llm'];
    explain.aspects['icl-llm'] = iclExplain.aspects['icl-llm'];
    explain.examples['icl-llm'] = iclExplain.examples['icl-llm'];
  }
  if (iclFailed.eval) notes['icl-llm'] = `failed: ${iclFailed.eval}`;
  if (iclFailed.explain) explain.notes['icl-llm'] = `failed: ${iclFailed.explain}`;
  const ablationRow = (key: string) => readJson<AblationRow>(join(o, 'ablation', `H-${ablationName(key)}`, 'result.json'))!;
  const ablated = cfg.ablate.map((t) => [String(t), ablationRow(String(t))] as const);
  return {
    dirs,
    stages,
    methods,
    notes,
    free: ev.free,
    evalTimings: { ...ev.timings, ...iclEval?.timings },
    explain,
    ablation: ablated.length
      ? {
          profile: cfg.profile,
          steps: cfg.ablateSteps || null,
          users: cfg.ablateUsers || null,
          reference: ownReference ? ablationRow('ref') : null,
          tasks: Object.fromEntries(ablated),
        }
      : null,
    errors: [...new Set([iclFailed.eval, iclFailed.explain].filter((e): e is string => e !== undefined))],
  };
}
