// `recexplainer train-rec`: trains the target recommender f (SASRec or MF) on a data set folder.
import { Command } from 'commander';
import { TRAIN_REC_SPEC, type TrainRecConfig } from '../rec/config.js';
import { trainRec } from '../rec/train.js';
import { addOptions } from './options.js';

export function trainRecCommand(): Command {
  return addOptions(
    new Command('train-rec').description('Train the target recommender (SASRec or MF) and export its embeddings'),
    TRAIN_REC_SPEC,
  ).action(async (flags: TrainRecConfig) => {
    const r = await trainRec(flags);
    const f = (x: number) => x.toFixed(4);
    console.log(`best epoch ${r.bestEpoch} of ${r.epochsRun}; ${r.secPerEpoch.toFixed(2)} s/epoch, ${r.seqPerSec.toFixed(0)} seq/s`);
    console.log(
      `test full: hr@10 ${f(r.test.full['hr@10'])} ndcg@10 ${f(r.test.full['ndcg@10'])}; sampled100: hr@10 ${f(r.test.sampled100['hr@10'])} ndcg@10 ${f(r.test.sampled100['ndcg@10'])}`,
    );
    console.log(
      `written to ${flags.out} (metrics.json, model.safetensors, embeddings.safetensors${flags.exportOnnx ? ', model.onnx' : ''})`,
    );
  });
}
