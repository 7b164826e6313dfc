// `recexplainer explain`: explanations of f's decisions on test pairs by aligned models, the base LM
// and a template baseline, scored for faithfulness and by judges; report.json/report.md/confusion.svg
// and explanations/<method>.jsonl in --out, with the rating table by judge (rule, LLM, humans from
// --ratings); a failed icl-llm endpoint ends it with a one-line error (exit 1) after the report is
// written. An unfinished --out keeps the LM explainers it finished (explain/run.ts); --force starts over.
import { Command } from 'commander';
import { claimOutFolder, finishOutFolder } from '../engine/out_folder.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { opt, repeat } from '../engine/options.js';
import { EXPLAIN_SPEC, type ExplainConfig } from '../explain/config.js';
import { confusionChart, explanationsMarkdown } from '../explain/report.js';
import { explainAll, explainedParts } from '../explain/run.js';
import { explanationRows, ratingsSummary, readRatings } from '../explain/ratings.js';
import { UserError } from '../engine/errors.js';
import { addOptions } from './options.js';

const MODELS = { model: opt([], repeat(), 'aligned model folder or exported .gguf; repeatable') };

export function explainCommand(): Command {
  const cmd = new Command('explain').description(
    "Explain the target model's decisions on test pairs, and score the explanations (faithfulness, rule and LLM judges, distinction)",
  );
  return addOptions(addOptions(cmd, MODELS), EXPLAIN_SPEC).action(
    async ({ model, ...flags }: Omit<ExplainConfig, 'models'> & { model: string[] }) => {
      if (flags.ratings !== undefined && !existsSync(flags.ratings)) throw new UserError(`--ratings ${flags.ratings}: no such file`);
      claimOutFolder(flags.out, 'explain', { ...flags, model }, { force: flags.force });
      if (flags.force) explainedParts(flags.out).clear();
      const r = await explainAll({ ...flags, models: model });
      const ratings = ratingsSummary(
        explanationRows(flags.out, Object.keys(r.explanations)),
        flags.ratings ? readRatings(flags.ratings) : [],
      );
      writeJsonAtomic(join(flags.out, 'report.json'), {
        explanations: r.explanations,
        notes: r.notes ?? {},
        ratings,
        aspects: r.aspects,
        aspect_study: r.aspectStudy,
        distinction: r.distinction,
        ...(r.free ? { free: r.free } : {}),
      });
      const chart = confusionChart(r);
      if (chart) writeFileAtomic(join(flags.out, 'confusion.svg'), chart);
      const md = explanationsMarkdown(r, 'confusion.svg', { summary: ratings, file: flags.ratings });
      writeFileAtomic(join(flags.out, 'report.md'), `# Explanations\n\n${md.replace(/^## Explanations\n\n/, '')}`);
      finishOutFolder(flags.out);
      console.log(
        md
          .split('\n')
          .filter((l) => l.startsWith('|'))
          .join('\n'),
      );
      console.log(`report: ${resolve(flags.out, 'report.md')}`);
      if (r.errors?.length) throw new UserError(`${[...new Set(r.errors)].join('; ')} (the other explainers are in the report)`);
    },
  );
}
