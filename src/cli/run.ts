// `recexplainer run`: the whole pipeline on the embedded default data set (src/run/pipeline.ts),
// then report.json + report.md at the top of --out; a failed icl-llm endpoint ends it with a one-line
// error (exit 1) after the report is written.
import { Command } from 'commander';
import { resolve } from 'node:path';
import type { ConfigOf } from '../engine/options.js';
import { RUN_SPEC, type RunConfig } from '../run/config.js';
import { runPipeline } from '../run/pipeline.js';
import { currentCommit, writeRunReport } from '../run/report.js';
import { addOptions } from './options.js';
import { UserError } from '../engine/errors.js';

export function runCommand(): Command {
  const cmd = new Command('run').description(
    'Run the whole pipeline (data → train-rec → distill → tasks → pretrain → align B, I, H → eval → explain; with --llm-url or --llm-gguf the icl-llm baseline, with --ablate the task ablation) on the embedded default data set; stages already finished in --out are kept',
  );
  return addOptions(cmd, RUN_SPEC).action(async (f: ConfigOf<typeof RUN_SPEC>) => {
    const cfg: RunConfig = { ...f, out: f.out ?? `runs/${f.profile}` };
    const commit = currentCommit();
    const r = await runPipeline(cfg, (line) => console.log(line));
    const { md } = writeRunReport(cfg, r, commit);
    console.log(`report: ${resolve(md)}`);
    if (r.errors.length) throw new UserError(`${r.errors.join('; ')} (the rest of the run is in the report; run again to retry)`);
  });
}
