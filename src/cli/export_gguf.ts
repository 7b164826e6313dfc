// `recexplainer export-gguf`: an HF-style model folder (e.g. from `recexplainer pretrain`) → a
// llama.cpp GGUF file (F32 or F16), with the folder's tokenizer.json embedded as a gpt2-style
// (byte-level BPE) vocabulary when present.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.js';
import { loadLm } from '../lm/checkpoint.js';
import { writeLlamaGguf, type GgufTokenizer, type GgufWeightType } from '../lm/gguf_write.js';
import { Tokenizer } from '../lm/tokenizer.js';
import { choiceArg } from './options.js';

/** tokenizer.json (byte-level BPE) → GGUF gpt2 vocabulary arrays; specials are control tokens. */
function gpt2Vocab(tok: Tokenizer): GgufTokenizer {
  const json = tok.json as unknown as { model: { vocab: Record<string, number>; merges?: (string | string[])[] } };
  const tokens: string[] = Array.from({ length: tok.vocabSize }, (_, i) => `[PAD${i}]`);
  for (const [piece, id] of Object.entries(json.model.vocab)) tokens[id] = piece;
  for (const t of tok.json.added_tokens) tokens[t.id] = t.content;
  const tokenTypes = tokens.map((_, i) => (tok.isSpecial(i) ? 3 : 1));
  const merges = (json.model.merges ?? []).map((m) => (Array.isArray(m) ? m.join(' ') : m));
  return { model: 'gpt2', tokens, tokenTypes, merges, bos: tok.special.bos, eos: tok.special.eos, pad: tok.special.pad };
}

export function exportGgufCommand(): Command {
  return new Command('export-gguf')
    .description('Write a model folder (config.json + model.safetensors) as a llama.cpp GGUF file')
    .requiredOption('--model <dir>', 'model folder, e.g. the output of `recexplainer pretrain`')
    .requiredOption('--out <file>', 'output .gguf file')
    .option('--type <t>', 'weight type of the 2-D weights: f32 or f16', choiceArg(['f32', 'f16'] as const), 'f32')
    .action(async (flags: { model: string; out: string; type: GgufWeightType }) => {
      await initEngine({ backend: 'auto' });
      const model = loadLm(flags.model);
      const tokFile = join(flags.model, 'tokenizer.json');
      try {
        const tokenizer = existsSync(tokFile) ? gpt2Vocab(Tokenizer.load(tokFile)) : undefined;
        writeLlamaGguf(flags.out, model, { type: flags.type, tokenizer });
        console.log(`written ${flags.out} (${flags.type}${tokenizer ? `, ${tokenizer.tokens.length}-token vocabulary` : ', no tokenizer.json: no vocabulary'})`);
      } finally {
        model.dispose();
      }
    });
}
