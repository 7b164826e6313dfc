// `recexplainer eval`: the alignment table on the test samples for aligned models and baselines;
// writes report.json (DESIGN.md §6 names), report.md and alignment.svg into --out. Without
// --student, the sasrec-kd baseline's student is distilled into <out>/sasrec-kd by the `distill`
// stage (kept there once finished, resumed if it was killed).
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tasksSources } from '../tasks/records.js';
import { RunFolder } from '../engine/run_folder.js';
import { DISTILL_DEFAULTS } from '../rec/distill_config.js';
import { distillRec } from '../rec/distill_train.js';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { peakRssMb } from '../engine/resources.js';
import { readJson } from '../engine/json.js';
import { methodsChart, methodsTable } from '../eval/report.js';
import { BASELINES, EVAL_DEFAULTS, evaluateAll, type Baseline, type EvalConfig } from '../eval/run.js';
import { UserError } from '../engine/errors.js';
import { collect, intArg, listArg } from './options.js';

export function evalCommand(): Command {
  const d = EVAL_DEFAULTS;
  return new Command('eval')
    .description('Evaluate aligned models and baselines on the test samples (tasks 1, 2, 3, 6 and task-4 title recovery)')
    .requiredOption('--tasks <dir>', 'tasks folder (from `recexplainer tasks`)')
    .requiredOption('--out <dir>', 'report folder')
    .option('--model <dir>', 'aligned model folder (from `recexplainer align`); repeatable', collect, [])
    .option('--baselines <list>', `comma-separated, of ${BASELINES.join(',')}; "none" for none`, listArg, d.baselines)
    .option('--base-model <path>', 'base LM for base-lm and icl (default: the first --model\'s base)')
    .option('--student <dir>', 'distilled SASRec for sasrec-kd (from `recexplainer distill`); default: distil one into <out>/sasrec-kd, or reuse the one finished there')
    .option('--distill-epochs <n>', 'epochs when distilling into <out>/sasrec-kd (the distill stage\'s defaults otherwise: τ 2, all positions)', intArg(1), DISTILL_DEFAULTS.epochs)
    .option('--users <n>', 'evaluate a seeded subset of N users (0 = all)', intArg(0), d.users)
    .option('--task4 <n>', 'item → title samples for task 4 (0 = skip)', intArg(0), d.task4)
    .option('--seed <n>', 'random seed', intArg(0), d.seed)
    .option('--quiet', 'no progress bars', d.quiet)
    .action(async (flags: Omit<EvalConfig, 'baselines'> & { model: string[]; baselines: string[]; distillEpochs: number }) => {
      const baselines = flags.baselines.filter((b) => b !== 'none');
      const bad = baselines.find((b) => !(BASELINES as readonly string[]).includes(b));
      if (bad) throw new UserError(`--baselines: unknown baseline "${bad}" (known: ${BASELINES.join(', ')})`);
      mkdirSync(flags.out, { recursive: true });
      const { distillEpochs, ...cfg } = flags;
      const timings: Record<string, number> = {};
      if (baselines.includes('sasrec-kd') && !cfg.student) {
        const kd = new RunFolder(join(flags.out, 'sasrec-kd'));
        if (!kd.done) {
          const src = tasksSources(flags.tasks);
          console.error(`distilling the sasrec-kd student into ${kd.dir} (${distillEpochs} epochs)`);
          const r = await distillRec({ ...DISTILL_DEFAULTS, rec: src.rec, data: src.data, out: kd.dir, epochs: distillEpochs, seed: DISTILL_DEFAULTS.seed + flags.seed, resume: kd.resumable, quiet: flags.quiet });
          timings.distill = r.seconds;
        }
        cfg.student = kd.dir;
      }
      const r = await evaluateAll({ ...d, ...cfg, models: flags.model, baselines: baselines as Baseline[] });
      const statsFile = join(tasksSources(flags.tasks).data, 'stats.json');
      const dataset = readJson(statsFile);
      writeJsonAtomic(join(flags.out, 'report.json'), { dataset, methods: r.methods, timings: { ...timings, ...r.timings }, peak_rss_mb: peakRssMb() });
      writeFileAtomic(join(flags.out, 'alignment.svg'), methodsChart(r.methods));
      writeFileAtomic(join(flags.out, 'report.md'), ['# Alignment evaluation', '', methodsTable(r.methods), '', '![alignment](alignment.svg)', ''].join('\n'));
      console.log(methodsTable(r.methods));
      console.log(`report: ${resolve(flags.out, 'report.md')}`);
    });
}
