// `recexplainer align`: trains LoRA adapters (and, for modes I and H, the <user>/<item> projectors)
// on the alignment samples of one form; writes an aligned model folder that `eval` reads.
import { Command } from 'commander';
import { ALIGN_DEFAULTS, type AlignConfig } from '../align/config.js';
import { align } from '../align/train.js';
import { LORA_TARGETS } from '../lm/model/lora.js';
import { FORMS } from '../tasks/forms.js';
import { choiceArg, floatArg, intArg, listArg } from './options.js';

export function alignCommand(): Command {
  const d = ALIGN_DEFAULTS;
  return new Command('align')
    .description('Align the base LM to the target recommender (LoRA + embedding projectors) on one form of the task samples')
    .requiredOption('--mode <m>', 'B (titles), I (embeddings) or H (hybrid)', choiceArg(FORMS))
    .requiredOption('--tasks <dir>', 'tasks folder (from `recexplainer tasks`)')
    .requiredOption('--base-model <path>', 'base LM: model folder (from `recexplainer pretrain`) or .gguf with tokenizer.json beside it')
    .requiredOption('--out <dir>', 'output folder for the aligned model')
    .option('--rec <dir>', 'target model folder (default: the one the tasks were built from)')
    .option('--lora-r <n>', 'LoRA rank (0 = full fine-tuning, no adapters)', intArg(0), d.loraR)
    .option('--lora-alpha <x>', 'LoRA alpha (scale alpha/r)', floatArg(0), d.loraAlpha)
    .option('--lora-dropout <x>', 'dropout on the adapter input', floatArg(0, 0.99), d.loraDropout)
    .option('--lora-targets <list>', `comma-separated, of ${LORA_TARGETS.join(',')}`, listArg, d.loraTargets)
    .option('--lr <x>', 'peak AdamW learning rate', floatArg(0), d.lr)
    .option('--epochs <n>', 'passes over the samples', intArg(1), d.epochs)
    .option('--max-steps <n>', 'stop after N optimizer steps (0 = no limit)', intArg(0), d.maxSteps)
    .option('--batch-size <n>', 'sequences per step', intArg(1), d.batchSize)
    .option('--warmup <n>', 'linear warm-up steps', intArg(0), d.warmup)
    .option('--per-task <n>', 'at most N training samples per task, a seeded subset (0 = all)', intArg(0), d.perTask)
    .option('--checkpoint-every <n>', 'optimizer steps between checkpoints', intArg(1), d.checkpointEvery)
    .option('--seed <n>', 'random seed', intArg(0), d.seed)
    .option('--resume', 'continue the run in --out from its checkpoint', d.resume)
    .option('--quiet', 'no progress bar', d.quiet)
    .action(async (flags: AlignConfig) => {
      const m = await align({ ...d, ...flags });
      console.log(`aligned (${m.mode}): ${m.steps} steps in ${m.seconds.toFixed(0)} s, final loss ${m.final_loss.toFixed(4)}`);
      console.log(`written to ${flags.out} (adapter.safetensors, ${m.mode === 'B' ? '' : 'projectors.safetensors, '}align.json, metrics.json, loss.svg)`);
    });
}
