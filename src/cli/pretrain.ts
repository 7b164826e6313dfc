// `recexplainer pretrain`: trains the tokenizer and a small base Llama from scratch on Brown
// sentences and the data set's item texts; writes a Hugging Face-style model folder.
import { Command } from 'commander';
import { PRETRAIN_SPEC, type PretrainConfig } from '../base/config.js';
import { pretrain } from '../base/pretrain.js';
import { addOptions } from './options.js';

export function pretrainCommand(): Command {
  return addOptions(
    new Command('pretrain').description('Pre-train the base language model (tokenizer + Llama) on general text and item texts'),
    PRETRAIN_SPEC,
  ).action(async (flags: PretrainConfig) => {
    const m = await pretrain(flags);
    console.log(
      `${(m.params / 1e6).toFixed(2)}M parameters, ${m.tokens_seen} tokens in ${m.seconds.toFixed(0)} s; held-out perplexity ${m.heldout_ppl.toFixed(2)} (uniform: ${m.vocab})`,
    );
    console.log(`written to ${flags.out} (model.safetensors, config.json, tokenizer.json, metrics.json, loss.svg)`);
  });
}
