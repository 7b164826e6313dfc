// `recexplainer export-gguf`: an HF-style model folder (e.g. from `recexplainer pretrain`) or an
// aligned model folder (from `align`: LoRA merged in, projectors written beside as
// <stem>.projectors.safetensors) → a llama.cpp GGUF file (F32, F16 or a ggml quantised type: Q8_0,
// Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K), with the tokenizer embedded
// as a gpt2-style (byte-level BPE) vocabulary when there is one.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { META_FILE, Surrogate } from '../align/model.js';
import { initEngine } from '../engine/backend.js';
import { loadLm } from '../lm/io/checkpoint.js';
import { gpt2Vocab, writeLlamaGguf } from '../lm/io/gguf_write.js';
import { GGUF_WEIGHT_TYPES, type GgufWeightType } from '../lm/io/gguf_types.js';
import { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import { choice, opt, req, text, type ConfigOf, type Spec } from '../engine/options.js';
import { addOptions } from './options.js';

const EXPORT_GGUF_SPEC = {
  model: req(text('<dir>'), 'model folder (from `recexplainer pretrain`) or aligned model folder (from `recexplainer align`)'),
  out: req(text('<file>'), 'output .gguf file'),
  type: opt(
    'f32',
    choice<GgufWeightType>(GGUF_WEIGHT_TYPES, '<t>'),
    `weight type of the 2-D weights: ${GGUF_WEIGHT_TYPES.join(', ')} (quantised as llama-quantize does: the output head in Q6_K; rows that a K block does not divide in Q5_0/Q5_1/Q8_0, rows that 32 does not divide in F16)`,
  ),
} satisfies Spec;

export function exportGgufCommand(): Command {
  return addOptions(
    new Command('export-gguf').description('Write a model folder (config.json + model.safetensors) as a llama.cpp GGUF file'),
    EXPORT_GGUF_SPEC,
  ).action(async (flags: ConfigOf<typeof EXPORT_GGUF_SPEC>) => {
    await initEngine({ backend: 'auto' });
    if (existsSync(join(flags.model, META_FILE))) {
      const s = await Surrogate.load(flags.model);
      try {
        const side = s.exportGguf(flags.out, flags.type);
        console.log(`written ${flags.out} (${flags.type}, LoRA merged, ${s.tok.vocabSize}-token vocabulary) and ${side}`);
      } finally {
        s.dispose();
      }
      return;
    }
    const model = loadLm(flags.model);
    const tokFile = join(flags.model, 'tokenizer.json');
    try {
      const tokenizer = existsSync(tokFile) ? gpt2Vocab(Tokenizer.load(tokFile)) : undefined;
      writeLlamaGguf(flags.out, model, { type: flags.type, tokenizer });
      console.log(
        `written ${flags.out} (${flags.type}${tokenizer ? `, ${tokenizer.tokens.length}-token vocabulary` : ', no tokenizer.json: no vocabulary'})`,
      );
    } finally {
      model.dispose();
    }
  });
}
