// `recexplainer distill`: the sasrec-kd baseline, a SASRec student trained to imitate the target
// recommender f (a train-rec folder) by KL divergence on its full-catalogue softmax.
import { Command } from 'commander';
import { DISTILL_SPEC, type DistillConfig } from '../rec/distill_config.js';
import { distillRec } from '../rec/distill_train.js';
import { addOptions } from './options.js';

export function distillCommand(): Command {
  const cmd = new Command('distill').description('Distil the target recommender into a SASRec student (the sasrec-kd baseline of `eval`)');
  return addOptions(cmd, DISTILL_SPEC).action(async (cfg: DistillConfig) => {
    const r = await distillRec(cfg);
    const f = (x: number) => x.toFixed(4);
    console.log(
      `agreement with f on the test histories: top-1 ${f(r.top1_agreement)}, top-5 overlap ${f(r.top5_overlap)}, KL ${f(r.kl)} (untrained: ${f(r.untrained.top1_agreement)}, ${f(r.untrained.top5_overlap)}, ${f(r.untrained.kl)})`,
    );
    console.log(`written to ${cfg.out} (metrics.json, model.safetensors, embeddings.safetensors) in ${r.seconds.toFixed(1)} s`);
  });
}
