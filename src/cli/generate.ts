// `recexplainer generate`: greedy continuation from a base model (.gguf file or HF-style folder).
// Prompt as token ids, or as text through the folder's tokenizer.json or the GGUF's embedded
// SentencePiece (tokenizer.ggml.model = llama) vocabulary; prints the new ids, then the text.
import { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { greedyDecode } from '../lm/decode/search.js';
import { readGguf, type Gguf } from '../lm/io/gguf_read.js';
import { llamaFromGguf, loadBaseModel } from '../lm/io/load.js';
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

/** llama.cpp-style SentencePiece over a GGUF's vocabulary: bos + best-score pair merges, byte fallback. */
export function spmCodec(g: Gguf): TextCodec {
  const m = g.metadata;
  const tokens = m['tokenizer.ggml.tokens'];
  const scores = m['tokenizer.ggml.scores'];
  if (m['tokenizer.ggml.model'] !== 'llama' || !Array.isArray(tokens))
    throw new UserError(`${g.file}: no embedded SentencePiece vocabulary; give --prompt-ids`);
  const byPiece = new Map(tokens.map((t, i) => [String(t), i]));
  const score = (id: number) => (Array.isArray(scores) ? Number(scores[id]) : 0);
  const bos = m['tokenizer.ggml.bos_token_id'];
  return {
    encode(text) {
      const syms = Array.from('▁' + text.replace(/ /g, '▁'));
      for (;;) {
        let best = -1;
        let bestScore = -Infinity;
        for (let i = 0; i + 1 < syms.length; i++) {
          const id = byPiece.get(syms[i] + syms[i + 1]);
          if (id !== undefined && score(id) > bestScore) ((best = i), (bestScore = score(id)));
        }
        if (best < 0) break;
        syms.splice(best, 2, syms[best] + syms[best + 1]);
      }
      const ids = typeof bos === 'number' ? [bos] : [];
      for (const s of syms) {
        const id = byPiece.get(s);
        if (id !== undefined) ids.push(id);
        else for (const b of Buffer.from(s, 'utf8')) ids.push(byPiece.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? 0);
      }
      return ids;
    },
    decode(ids) {
      const bytes: number[] = [];
      for (const id of ids) {
        const piece = String(tokens[id] ?? '');
        const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
        if (byte) bytes.push(parseInt(byte[1], 16));
        else bytes.push(...Buffer.from(piece.replace(/▁/g, ' '), 'utf8'));
      }
      return Buffer.from(bytes).toString('utf8');
    },
  };
}

export function generateCommand(): Command {
  return addOptions(
    new Command('generate').description('Greedy continuation from a base model (a llama .gguf file or a model folder)'),
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
      if (g.metadata['tokenizer.ggml.model'] === 'llama') codec = spmCodec(g);
      const e = g.metadata['tokenizer.ggml.eos_token_id'];
      eos = typeof e === 'number' ? e : undefined;
    }
    try {
      let ids = flags.promptIds;
      if (!ids) {
        if (!codec)
          throw new UserError(
            `${path}: no tokenizer for --prompt (a folder needs tokenizer.json; a GGUF needs a SentencePiece vocabulary); give --prompt-ids`,
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
