// `recexplainer generate`: greedy continuation from a base model (.gguf file or HF-style folder).
// Prompt as token ids, or as raw text (no chat template) through the folder's tokenizer.json or the
// GGUF's embedded vocabulary (SentencePiece or byte-level BPE); prints the new ids, then the text.
import { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { greedyDecode } from '../lm/decode/search.js';
import { readGguf, type Gguf } from '../lm/io/gguf_read.js';
import { llamaFromGguf, loadBaseModel } from '../lm/io/load.js';
import { tokenizerFromGguf } from '../lm/tokenizer/gguf_vocab.js';
import { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import { int, maybe, opt, req, text, type ArgType, type ConfigOf, type Spec } from '../engine/options.js';
import { addOptions } from './options.js';

const tokenIds: ArgType<number[]> = {
  arg: '<ids>',
  parse(v) {
    const ids = v.split(',').map((s) => s.trim());
    if (ids.some((s) => !/^\d+$/.test(s))) throw new UserError(`expected comma-separated token ids, got "${v}"`);
    return ids.map(Number);
  },
};

const GENERATE_SPEC = {
  baseModel: req(text('<path>'), '.gguf file or model folder (config.json + model.safetensors)'),
  promptIds: maybe(tokenIds, 'prompt as comma-separated token ids (e.g. 1,2,3)'),
  prompt: maybe(text('<text>'), 'prompt text (tokenizer.json of the folder, or the GGUF vocabulary)'),
  maxTokens: opt(32, int(1), 'new tokens at most'),
} satisfies Spec;

interface TextCodec {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/** A GGUF's embedded vocabulary as llama.cpp tokenizes a prompt: bos first where the file asks for it (SentencePiece files by default). */
function ggufCodec(g: Gguf): TextCodec {
  const tok = tokenizerFromGguf(g);
  const addBos = g.metadata['tokenizer.ggml.add_bos_token'] ?? g.metadata['tokenizer.ggml.model'] === 'llama';
  return { encode: (t) => [...(addBos === true ? [tok.special.bos] : []), ...tok.encode(t)], decode: (ids) => tok.decode(ids) };
}

export function generateCommand(): Command {
  return addOptions(
    new Command('generate').description('Greedy continuation from a base model (a llama or qwen2 .gguf file, or a model folder)'),
    GENERATE_SPEC,
  ).action(async (flags: ConfigOf<typeof GENERATE_SPEC>) => {
    if ((flags.promptIds === undefined) === (flags.prompt === undefined))
      throw new UserError('give exactly one of --prompt-ids and --prompt');
    await initEngine({ backend: 'auto' });
    const path = flags.baseModel;
    const isDir = existsSync(path) && statSync(path).isDirectory();
    let codec: TextCodec | undefined;
    let eos: number | undefined;
    let model;
    if (isDir) {
      model = loadBaseModel(path);
      const tokFile = join(path, 'tokenizer.json');
      if (existsSync(tokFile)) {
        const tok = Tokenizer.load(tokFile);
        codec = { encode: (t) => tok.encode(t), decode: (ids) => tok.decode(ids) };
        eos = tok.special.eos;
      }
    } else {
      const g = readGguf(path);
      model = llamaFromGguf(g);
      if (g.metadata['tokenizer.ggml.model'] !== undefined) {
        try {
          codec = ggufCodec(g);
        } catch (e) {
          if (flags.prompt !== undefined) throw e; // with --prompt-ids the text is only printed as a courtesy
        }
      }
      const e = g.metadata['tokenizer.ggml.eos_token_id'];
      eos = typeof e === 'number' ? e : undefined;
    }
    try {
      let ids = flags.promptIds;
      if (!ids) {
        if (!codec)
          throw new UserError(
            `${path}: no tokenizer for --prompt (a folder needs tokenizer.json; a GGUF needs an embedded vocabulary); give --prompt-ids`,
          );
        ids = codec.encode(flags.prompt as string);
      }
      const V = model.cfg.vocab_size;
      const bad = ids.find((t) => t >= V);
      if (bad !== undefined) throw new UserError(`token id ${bad} is outside the vocabulary (${V} tokens)`);
      if (ids.length === 0) throw new UserError('the prompt is empty');
      const maxNewTokens = Math.min(flags.maxTokens, model.cfg.max_position_embeddings - ids.length);
      if (maxNewTokens < 1)
        throw new UserError(`the prompt (${ids.length} tokens) fills the context (${model.cfg.max_position_embeddings})`);
      const out = greedyDecode(model, [{ ids }], { maxNewTokens, eosId: eos })[0];
      console.log(out.join(','));
      if (codec) console.log(codec.decode(out));
    } finally {
      model.dispose();
    }
  });
}
