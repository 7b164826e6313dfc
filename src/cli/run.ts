// `recexplainer run`: the whole pipeline on the embedded default data set (src/run/pipeline.ts),
// then report.json + report.md at the top of --out.
import { Command } from 'commander';
import { resolve } from 'node:path';
import type { ConfigOf } from '../engine/options.js';
import { RUN_SPEC, type RunConfig } from '../run/config.js';
import { runPipeline } from '../run/pipeline.js';
import { currentCommit, writeRunReport } from '../run/report.js';
import { addOptions } from './options.js';

export function runCommand(): Command {
  const cmd = new Command('run').description(
    'Run the whole pipeline (data → train-rec → distill → tasks → pretrain → align B, I, H → eval → explain) on the embedded default data set; stages already finished in --out are kept',
  );
  return addOptions(cmd, RUN_SPEC).action(async (f: ConfigOf<typeof RUN_SPEC>) => {
    const cfg: RunConfig = { ...f, out: f.out ?? `runs/${f.profile}` };
    const commit = currentCommit();
    const r = await runPipeline(cfg, (line) => console.log(line));
    const { md } = writeRunReport(cfg, r, commit);
    console.log(`report: ${resolve(md)}`);
  });
}
