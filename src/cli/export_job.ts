// `recexplainer export-job`: a tasks folder and its target model → a job folder that the reference
// implementation (microsoft/RecAI RecExplainer) trains from on GPUs, with its one launch command.
import { Command } from 'commander';
import { EXPORT_JOB_SPEC, type ExportJobConfig } from '../align/handoff/config.js';
import { exportJob } from '../align/handoff/job.js';
import { LAUNCH_FILE } from '../align/handoff/launch.js';
import { addOptions } from './options.js';

export function exportJobCommand(): Command {
  return addOptions(
    new Command('export-job').description(
      "Write a GPU training job for the reference implementation (RecAI's RecExplainer: accelerate + DeepSpeed ZeRO-2) from a tasks folder",
    ),
    EXPORT_JOB_SPEC,
  ).action(async (flags: ExportJobConfig) => {
    const m = await exportJob(flags);
    console.log(
      `written ${flags.out}: ${m.counts.train.entries} training and ${m.counts.valid.entries} validation samples (mode ${m.mode}, task_type ${m.task_type}), ` +
        `f's tables [${m.tables.users}, ${m.tables.dim}] and [${m.tables.items}, ${m.tables.dim}], ${m.launch.nodes} node(s) × ${m.launch.gpus} GPU(s)`,
    );
    console.log(`start it with: RECAI=/path/to/RecAI bash ${flags.out}/${LAUNCH_FILE}   (see ${flags.out}/README.md)`);
  });
}
