// `recexplainer train-rec`: trains the target recommender f (SASRec or MF) on a data set folder.
import { Command } from 'commander';
import { BACKEND_CHOICES } from '../engine/backend.js';
import { TRAIN_REC_DEFAULTS, type TrainRecConfig } from '../rec/config.js';
import { trainRec } from '../rec/train.js';
import { choiceArg, floatArg, intArg } from './options.js';

export function trainRecCommand(): Command {
  const d = TRAIN_REC_DEFAULTS;
  return new Command('train-rec')
    .description('Train the target recommender (SASRec or MF) and export its embeddings')
    .requiredOption('--data <dir>', 'data set folder (from `recexplainer data`)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--model <m>', 'sasrec or mf', choiceArg(['sasrec', 'mf'] as const), d.model)
    .option('--loss <l>', 'sasrec loss: bce (one negative per position) or ce (full softmax)', choiceArg(['bce', 'ce'] as const), d.loss)
    .option('--hidden <n>', 'embedding size', intArg(1), d.hidden)
    .option('--max-len <n>', 'sasrec: history window', intArg(1), d.maxLen)
    .option('--blocks <n>', 'sasrec: attention blocks', intArg(1), d.blocks)
    .option('--heads <n>', 'sasrec: attention heads (must divide --hidden)', intArg(1), d.heads)
    .option('--dropout <p>', 'sasrec: dropout rate', floatArg(0, 0.95), d.dropout)
    .option('--l2 <x>', 'mf: L2 penalty', floatArg(0), d.l2)
    .option('--epochs <n>', 'maximum epochs', intArg(1), d.epochs)
    .option('--batch-size <n>', 'sequences per batch', intArg(1), d.batchSize)
    .option('--lr <x>', 'Adam learning rate', floatArg(0), d.lr)
    .option('--eval-every <n>', 'validate every N epochs', intArg(1), d.evalEvery)
    .option('--patience <n>', 'stop after N validations without improvement', intArg(1), d.patience)
    .option('--select-on <p>', 'validation NDCG@10 protocol for early stopping: sampled100 or full', choiceArg(['sampled100', 'full'] as const), d.selectOn)
    .option('--seed <n>', 'random seed', intArg(0), d.seed)
    .option('--backend <b>', `tensor backend: ${BACKEND_CHOICES.join(', ')}`, choiceArg(BACKEND_CHOICES), d.backend)
    .option('--resume', 'continue the run in --out from its last checkpoint', d.resume)
    .option('--quiet', 'no progress bars', d.quiet)
    .action(async (flags: TrainRecConfig) => {
      const r = await trainRec({ ...d, ...flags });
      const f = (x: number) => x.toFixed(4);
      console.log(`best epoch ${r.bestEpoch} of ${r.epochsRun}; ${r.secPerEpoch.toFixed(2)} s/epoch, ${r.seqPerSec.toFixed(0)} seq/s`);
      console.log(`test full: hr@10 ${f(r.test.full['hr@10'])} ndcg@10 ${f(r.test.full['ndcg@10'])}; sampled100: hr@10 ${f(r.test.sampled100['hr@10'])} ndcg@10 ${f(r.test.sampled100['ndcg@10'])}`);
      console.log(`written to ${flags.out} (metrics.json, model.safetensors, embeddings.safetensors)`);
    });
}
