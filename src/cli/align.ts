// `recexplainer align`: trains LoRA adapters (and, for modes I and H, the <user>/<item> projectors)
// on the alignment samples of one form; writes an aligned model folder that `eval` reads.
import { Command } from 'commander';
import { ALIGN_SPEC, type AlignConfig } from '../align/config.js';
import { ADAPTER_FILE } from '../align/model.js';
import { align } from '../align/train.js';
import { WEIGHTS_FILE } from '../lm/io/checkpoint.js';
import { addOptions } from './options.js';

export function alignCommand(): Command {
  return addOptions(
    new Command('align').description(
      'Align the base LM to the target recommender (LoRA + embedding projectors) on one form of the task samples',
    ),
    ALIGN_SPEC,
  ).action(async (flags: AlignConfig) => {
    const m = await align(flags);
    console.log(`aligned (${m.mode}): ${m.steps} steps in ${m.seconds.toFixed(0)} s, final loss ${m.final_loss.toFixed(4)}`);
    console.log(
      `written to ${flags.out} (${flags.loraR > 0 ? ADAPTER_FILE : WEIGHTS_FILE}, ${m.mode === 'B' ? '' : 'projectors.safetensors, '}align.json, metrics.json, loss.svg)`,
    );
  });
}
