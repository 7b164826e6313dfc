// `recexplainer distill`: the sasrec-kd baseline, a SASRec student trained to imitate the target
// recommender f (a train-rec folder) by KL divergence on its full-catalogue softmax.
import { Command } from 'commander';
import { BACKEND_CHOICES } from '../engine/backend.js';
import { DISTILL_DEFAULTS, type DistillConfig } from '../rec/distill_config.js';
import { distillRec } from '../rec/distill_train.js';
import { choiceArg, floatArg, intArg } from './options.js';

export function distillCommand(): Command {
  const d = DISTILL_DEFAULTS;
  return new Command('distill')
    .description('Distil the target recommender into a SASRec student (the sasrec-kd baseline of `eval`)')
    .requiredOption('--rec <dir>', 'train-rec output folder of f (a SASRec), the teacher')
    .requiredOption('--data <dir>', 'data set folder f was trained on')
    .requiredOption('--out <dir>', 'output folder for the student')
    .option('--epochs <n>', 'epochs (0: the untrained student)', intArg(0), d.epochs)
    .option('--lr <x>', 'Adam learning rate', floatArg(0), d.lr)
    .option('--batch-size <n>', 'sequences per batch', intArg(1), d.batchSize)
    .option('--temperature <x>', 'τ of both softmaxes', floatArg(0), d.temperature)
    .option('--positions <p>', 'all (every window position) or last', choiceArg(['all', 'last'] as const), d.positions)
    .option('--seed <n>', 'random seed', intArg(0), d.seed)
    .option('--hidden <n>', 'student embedding size (default: f\'s)', intArg(1))
    .option('--max-len <n>', 'student history window (default: f\'s)', intArg(1))
    .option('--blocks <n>', 'student attention blocks (default: f\'s)', intArg(1))
    .option('--heads <n>', 'student attention heads (default: f\'s)', intArg(1))
    .option('--dropout <p>', 'student dropout rate (default: f\'s)', floatArg(0, 0.95))
    .option('--backend <b>', `tensor backend: ${BACKEND_CHOICES.join(', ')}`, choiceArg(BACKEND_CHOICES), d.backend)
    .option('--resume', 'continue the run in --out from its last checkpoint', d.resume)
    .option('--quiet', 'no progress bars', d.quiet)
    .action(async (flags: DistillConfig) => {
      const r = await distillRec({ ...d, ...flags });
      const f = (x: number) => x.toFixed(4);
      console.log(`agreement with f on the test histories: top-1 ${f(r.top1_agreement)}, top-5 overlap ${f(r.top5_overlap)}, KL ${f(r.kl)} (untrained: ${f(r.untrained.top1_agreement)}, ${f(r.untrained.top5_overlap)}, ${f(r.untrained.kl)})`);
      console.log(`written to ${flags.out} (metrics.json, model.safetensors, embeddings.safetensors) in ${r.seconds.toFixed(1)} s`);
    });
}
