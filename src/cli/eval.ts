// `recexplainer eval`: the alignment table on the test samples for aligned models and baselines;
// writes report.json (DESIGN.md §6 names; a grounded run adds the LM methods' free decoding under
// "free"), report.md and alignment.svg into --out; a failed icl-llm endpoint ends it with a one-line
// error (exit 1) after the report is written. An unfinished --out (a killed eval) keeps the methods it
// scored (eval/run.ts); --force starts over. Without
// --student, the sasrec-kd student is distilled into <out>/sasrec-kd (or the one finished there reused);
// distilling needs f as a train-rec folder, so for an ONNX or table f the row is skipped with a note.
import { Command } from 'commander';
import { claimOutFolder, finishOutFolder } from '../engine/out_folder.js';
import { UserError } from '../engine/errors.js';
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { readJson } from '../engine/json.js';
import { int, opt, repeat } from '../engine/options.js';
import { peakRssMb } from '../engine/resources.js';
import { RunFolder } from '../engine/run_folder.js';
import { EVAL_SPEC, type EvalConfig } from '../eval/config.js';
import { freeDecodingMarkdown, methodsChart, methodsTable } from '../eval/report.js';
import { evaluateAll, scoredParts } from '../eval/run.js';
import { DISTILL_DEFAULTS } from '../rec/distill_config.js';
import { distillRec } from '../rec/distill_train.js';
import { describeRec } from '../rec/source.js';
import { tasksSources } from '../tasks/records.js';
import { addOptions } from './options.js';

const EXTRA = {
  model: opt([], repeat('<dir>'), 'aligned model folder (from `recexplainer align`); repeatable'),
  distillEpochs: opt(DISTILL_DEFAULTS.epochs, int(1), "epochs when distilling into <out>/sasrec-kd (the distill stage's other defaults)"),
};

type Flags = Omit<EvalConfig, 'models'> & { model: string[]; distillEpochs: number };

/** The student for sasrec-kd: --student, else one distilled (or finished before) in <out>/sasrec-kd; its seconds when trained now; why none when f cannot be distilled. */
async function student(flags: Flags): Promise<{ dir?: string; seconds?: number; skipped?: string }> {
  if (flags.student || !flags.baselines.includes('sasrec-kd')) return { dir: flags.student };
  const kd = new RunFolder(join(flags.out, 'sasrec-kd'));
  if (kd.done) return { dir: kd.dir };
  const src = tasksSources(flags.tasks);
  if (src.rec.kind !== 'folder')
    return { skipped: `skipped: distilling a student needs f as a train-rec folder, not ${describeRec(src.rec)} (give --student)` };
  console.error(`distilling the sasrec-kd student into ${kd.dir} (${flags.distillEpochs} epochs)`);
  const r = await distillRec({
    ...DISTILL_DEFAULTS,
    rec: src.rec.dir,
    data: src.data,
    out: kd.dir,
    epochs: flags.distillEpochs,
    seed: DISTILL_DEFAULTS.seed + flags.seed,
    resume: kd.resumable,
    quiet: flags.quiet,
  });
  return { dir: kd.dir, seconds: r.seconds };
}

export function evalCommand(): Command {
  const cmd = new Command('eval').description(
    'Evaluate aligned models and baselines on the test samples (tasks 1, 2, 3, 6 and task-4 title recovery)',
  );
  return addOptions(addOptions(cmd, EXTRA), EVAL_SPEC).action(async ({ model, distillEpochs, ...flags }: Flags) => {
    claimOutFolder(flags.out, 'eval', { ...flags, model }, { force: flags.force });
    if (flags.force) scoredParts(flags.out).clear();
    const kd = await student({ ...flags, model, distillEpochs });
    const baselines = kd.skipped ? flags.baselines.filter((b) => b !== 'sasrec-kd') : flags.baselines;
    const r = await evaluateAll({ ...flags, baselines, student: kd.dir, models: model });
    if (kd.skipped) [r.methods['sasrec-kd'], (r.notes ??= {})['sasrec-kd']] = [null, kd.skipped];
    const dataset = readJson(join(tasksSources(flags.tasks).data, 'stats.json'));
    const timings = { ...(kd.seconds === undefined ? {} : { distill: kd.seconds }), ...r.timings };
    const free = r.free ? { free: r.free } : {};
    const notes = r.notes ?? {};
    writeJsonAtomic(join(flags.out, 'report.json'), { dataset, methods: r.methods, ...free, notes, timings, peak_rss_mb: peakRssMb() });
    writeFileAtomic(join(flags.out, 'alignment.svg'), methodsChart(r.methods));
    const table = methodsTable(r.methods, [], notes);
    writeFileAtomic(
      join(flags.out, 'report.md'),
      ['# Alignment evaluation', '', table, '', ...freeDecodingMarkdown(r.free), '![alignment](alignment.svg)', ''].join('\n'),
    );
    finishOutFolder(flags.out);
    console.log(table);
    console.log(`report: ${resolve(flags.out, 'report.md')}`);
    if (r.errors?.length) throw new UserError(`${[...new Set(r.errors)].join('; ')} (the other rows are in the report)`);
  });
}
