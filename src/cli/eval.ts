// `recexplainer eval`: the alignment table on the test samples for aligned models and baselines;
// writes report.json (DESIGN.md §6 names), report.md and alignment.svg into --out.
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tasksSources } from '../tasks/records.js';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { opt, repeat } from '../engine/options.js';
import { peakRssMb } from '../engine/resources.js';
import { readJson } from '../engine/json.js';
import { methodsChart, methodsTable } from '../eval/report.js';
import { EVAL_SPEC, type EvalConfig } from '../eval/config.js';
import { evaluateAll } from '../eval/run.js';
import { addOptions } from './options.js';

const MODELS = { model: opt([], repeat('<dir>'), 'aligned model folder (from `recexplainer align`); repeatable') };

export function evalCommand(): Command {
  const cmd = new Command('eval').description('Evaluate aligned models and baselines on the test samples (tasks 1, 2, 3, 6 and task-4 title recovery)');
  return addOptions(addOptions(cmd, MODELS), EVAL_SPEC)
    .action(async ({ model, ...flags }: Omit<EvalConfig, 'models'> & { model: string[] }) => {
      mkdirSync(flags.out, { recursive: true });
      const r = await evaluateAll({ ...flags, models: model });
      const statsFile = join(tasksSources(flags.tasks).data, 'stats.json');
      const dataset = readJson(statsFile);
      writeJsonAtomic(join(flags.out, 'report.json'), { dataset, methods: r.methods, timings: r.timings, peak_rss_mb: peakRssMb() });
      writeFileAtomic(join(flags.out, 'alignment.svg'), methodsChart(r.methods));
      writeFileAtomic(join(flags.out, 'report.md'), ['# Alignment evaluation', '', methodsTable(r.methods), '', '![alignment](alignment.svg)', ''].join('\n'));
      console.log(methodsTable(r.methods));
      console.log(`report: ${resolve(flags.out, 'report.md')}`);
    });
}
