// `recexplainer run`: the whole pipeline on the embedded default data set (src/run/pipeline.ts),
// then report.json + report.md at the top of --out.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { runPipeline, type RunConfig } from '../run/pipeline.js';
import { PROFILES } from '../run/profiles.js';
import { currentCommit, writeRunReport } from '../run/report.js';
import { choiceArg, intArg } from './options.js';

export function runCommand(): Command {
  return new Command('run')
    .description('Run the whole pipeline (data → train-rec → distill → tasks → pretrain → align B, I, H → eval → explain) on the embedded default data set; stages already finished in --out are kept')
    .option('--profile <p>', 'quick: every stage on a 150-user sample (~3 min); full: the real experiment (see README)', choiceArg(PROFILES), 'quick')
    .option('--out <dir>', 'output folder (default runs/<profile>)')
    .option('--seed <n>', 'random seed', intArg(0), 0)
    .option('--base-model <path>', 'use this base LM instead of pre-training one')
    .option('--quiet', 'no progress bars', false)
    .action(async (f: Omit<RunConfig, 'out'> & { out?: string }) => {
      const cfg: RunConfig = { ...f, out: f.out ?? `runs/${f.profile}` };
      const commit = currentCommit();
      const r = await runPipeline(cfg, (line) => console.log(line));
      const { md } = writeRunReport(cfg, r, commit);
      console.log(`report: ${resolve(md)}`);
    });
}
