// `recexplainer explain`: explanations of f's decisions on test pairs by aligned models, the base LM
// and a template baseline, scored for faithfulness and by judges; report.json/report.md/confusion.svg
// and explanations/<method>.jsonl in --out.
import { Command } from 'commander';
import { claimOutFolder, finishOutFolder } from '../engine/out_folder.js';
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { opt, repeat } from '../engine/options.js';
import { EXPLAIN_SPEC, type ExplainConfig } from '../explain/config.js';
import { confusionChart, explanationsMarkdown } from '../explain/report.js';
import { explainAll } from '../explain/run.js';
import { addOptions } from './options.js';

const MODELS = { model: opt([], repeat(), 'aligned model folder or exported .gguf; repeatable') };

export function explainCommand(): Command {
  const cmd = new Command('explain').description(
    "Explain the target model's decisions on test pairs, and score the explanations (faithfulness, rule and LLM judges, distinction)",
  );
  return addOptions(addOptions(cmd, MODELS), EXPLAIN_SPEC).action(
    async ({ model, ...flags }: Omit<ExplainConfig, 'models'> & { model: string[] }) => {
      claimOutFolder(flags.out, 'explain', { ...flags, model }, { force: flags.force });
      const r = await explainAll({ ...flags, models: model });
      writeJsonAtomic(join(flags.out, 'report.json'), {
        explanations: r.explanations,
        aspects: r.aspects,
        aspect_study: r.aspectStudy,
        distinction: r.distinction,
        ...(r.free ? { free: r.free } : {}),
      });
      const chart = confusionChart(r);
      if (chart) writeFileAtomic(join(flags.out, 'confusion.svg'), chart);
      const md = explanationsMarkdown(r, 'confusion.svg');
      writeFileAtomic(join(flags.out, 'report.md'), `# Explanations\n\n${md.replace(/^## Explanations\n\n/, '')}`);
      finishOutFolder(flags.out);
      console.log(
        md
          .split('\n')
          .filter((l) => l.startsWith('|'))
          .join('\n'),
      );
      console.log(`report: ${resolve(flags.out, 'report.md')}`);
    },
  );
}
