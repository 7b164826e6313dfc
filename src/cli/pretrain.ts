// `recexplainer pretrain`: trains the tokenizer and a small base Llama from scratch on Brown
// sentences and the data set's item texts; writes a Hugging Face-style model folder.
import { Command } from 'commander';
import { PRETRAIN_DEFAULTS, pretrain, type PretrainConfig } from '../base/pretrain.js';
import { floatArg, intArg } from './options.js';

export function pretrainCommand(): Command {
  const d = PRETRAIN_DEFAULTS;
  return new Command('pretrain')
    .description('Pre-train the base language model (tokenizer + Llama) on general text and item texts')
    .requiredOption('--data <dir>', 'data set folder (from `recexplainer data`)')
    .requiredOption('--out <dir>', 'output model folder')
    .option('--layers <n>', 'decoder layers', intArg(1), d.layers)
    .option('--hidden <n>', 'hidden size', intArg(2), d.hidden)
    .option('--heads <n>', 'attention heads (must divide --hidden)', intArg(1), d.heads)
    .option('--kv-heads <n>', 'key/value heads (must divide --heads)', intArg(1), d.kvHeads)
    .option('--ffn <n>', 'SwiGLU width', intArg(1), d.ffn)
    .option('--vocab <n>', 'tokenizer vocabulary size (specials and 256 bytes included)', intArg(300), d.vocab)
    .option('--seq-len <n>', 'tokens per training window', intArg(2), d.seqLen)
    .option('--batch-size <n>', 'windows per step', intArg(1), d.batchSize)
    .option('--steps <n>', 'optimizer steps', intArg(1), d.steps)
    .option('--lr <x>', 'peak AdamW learning rate', floatArg(0), d.lr)
    .option('--warmup <n>', 'linear warm-up steps', intArg(0), d.warmup)
    .option('--eval-every <n>', 'held-out perplexity and checkpoint every N steps', intArg(1), d.evalEvery)
    .option('--seed <n>', 'random seed', intArg(0), d.seed)
    .option('--resume', 'continue the run in --out from its last checkpoint', d.resume)
    .option('--quiet', 'no progress bar', d.quiet)
    .action(async (flags: PretrainConfig) => {
      const m = await pretrain({ ...d, ...flags });
      console.log(`${(m.params / 1e6).toFixed(2)}M parameters, ${m.tokens_seen} tokens in ${m.seconds.toFixed(0)} s; held-out perplexity ${m.heldout_ppl.toFixed(2)} (uniform: ${m.vocab})`);
      console.log(`written to ${flags.out} (model.safetensors, config.json, tokenizer.json, metrics.json, loss.svg)`);
    });
}
