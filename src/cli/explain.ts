// `recexplainer explain`: explanations of f's decisions on test pairs by aligned models, the base LM
// and a template baseline, scored for faithfulness and by judges; report.json/report.md/confusion.svg
// and explanations/<method>.jsonl in --out.
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { confusionChart, explanationsMarkdown } from '../explain/report.js';
import { EXPLAIN_DEFAULTS, explainAll, type ExplainConfig } from '../explain/run.js';
import { collect, intArg } from './options.js';

export function explainCommand(): Command {
  const d = EXPLAIN_DEFAULTS;
  return new Command('explain')
    .description('Explain the target model\'s decisions on test pairs, and score the explanations (faithfulness, rule and LLM judges, distinction)')
    .requiredOption('--tasks <dir>', 'tasks folder (from `recexplainer tasks`, with explanations)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--model <path>', 'aligned model folder or exported .gguf; repeatable', collect, [])
    .option('--base-model <path>', 'the unaligned base LM (default: the first --model\'s base)')
    .option('--pairs <file>', '(user, item) pairs to explain: JSON lines {"user":U,"item":I} or CSV "U,I" (default: the task-7 test pairs)')
    .option('--sample <n>', 'pairs to explain, a seeded subset (0 = all)', intArg(0), d.sample)
    .option('--aspect <text>', 'steer explanations toward an aspect: genre, era, history (what the model was trained to follow) or free text')
    .option('--aspect-study <n>', 'explain the first N pairs again asking for each aspect in turn (aligned models), and report which aspects the texts cover', intArg(0), d.aspectStudy)
    .option('--judge-url <url>', 'OpenAI-compatible endpoint for an LLM judge, e.g. http://127.0.0.1:8080/v1')
    .option('--judge-model <name>', 'model name sent to the judge endpoint', d.judgeModel)
    .option('--no-distinction', 'skip the discriminator and score-predictor experiments')
    .option('--seed <n>', 'random seed', intArg(0), d.seed)
    .option('--quiet', 'no progress messages', d.quiet)
    .action(async (flags: Omit<ExplainConfig, 'models'> & { model: string[] }) => {
      mkdirSync(flags.out, { recursive: true });
      const r = await explainAll({ ...d, ...flags, models: flags.model });
      writeJsonAtomic(join(flags.out, 'report.json'), { explanations: r.explanations, aspects: r.aspects, aspect_study: r.aspectStudy, distinction: r.distinction });
      const chart = confusionChart(r);
      if (chart) writeFileAtomic(join(flags.out, 'confusion.svg'), chart);
      const md = explanationsMarkdown(r, 'confusion.svg');
      writeFileAtomic(join(flags.out, 'report.md'), `# Explanations\n\n${md.replace(/^## Explanations\n\n/, '')}`);
      console.log(md.split('\n').filter((l) => l.startsWith('|')).join('\n'));
      console.log(`report: ${resolve(flags.out, 'report.md')}`);
    });
}
