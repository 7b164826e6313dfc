// GGUF v3 writer for our Llama: llama- or qwen2-architecture metadata (qwen2 for q/k/v biases; see
// ggufArchitecture) (+ tokenizer arrays, pre-tokenizer name and chat template when given) and
// weights under llama.cpp names, a llama file's q/k rows permuted to llama.cpp's RoPE order; 2-D
// weights as F32, F16 or one of ggml's block types (quantised with ggml's reference quantisers, each
// tensor's type picked as llama-quantize picks it: gguf_types.ts), 1-D (norm, bias) weights always
// F32, as llama.cpp's converter does; Llama 3 rope scaling as rope_freqs.weight, linear scaling as metadata.
import { writeFileAtomic } from '../../engine/atomic.js';
import { floatToHalf } from '../../engine/half.js';
import { UserError } from '../../engine/errors.js';
import { headDim } from '../model/config.js';
import { ropeFactors } from '../model/rope.js';
import { GGML_F16, GGML_F32 } from './gguf_read.js';
import { BLOCK_CODECS, quantize } from './ggml_quants.js';
import { ggmlTypeOf, LLAMA_FTYPE, type GgufWeightType } from './gguf_types.js';
import type { Llama } from '../model/llama.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { ggufArchitecture, ggufRowOrder, ggufTensorName, ROPE_FREQS } from './load.js';
import { preTokenizerName, PRE_TOKENIZERS } from '../tokenizer/pre_tokenizers.js';

/** Embedded vocabulary: 'llama' (SentencePiece: tokens + scores) or 'gpt2' (byte-level BPE: tokens + merges). */
export interface GgufTokenizer {
  model: 'llama' | 'gpt2';
  tokens: string[];
  scores?: number[];
  tokenTypes?: number[]; // 1 normal, 2 unknown, 3 control, 6 byte
  merges?: string[];
  pre?: string; // tokenizer.ggml.pre: llama.cpp's pre-tokenizer name (gpt2 vocabularies)
  chatTemplate?: string; // tokenizer.chat_template
  bos?: number;
  eos?: number;
  unk?: number;
  pad?: number;
}

export interface GgufWriteOptions {
  type?: GgufWeightType; // default f32
  name?: string; // general.name
  tokenizer?: GgufTokenizer;
}

const ALIGN = 32;

/** Little-endian byte builder for the header. */
class Bytes {
  private readonly parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(): void {
    this.push(Buffer.alloc((ALIGN - (this.length % ALIGN)) % ALIGN));
  }
  concat(): Buffer {
    return Buffer.concat(this.parts);
  }
}

type Kv = ['u32', number] | ['f32', number] | ['str', string] | ['strs', string[]] | ['f32s', number[]] | ['i32s', number[]];
const TYPE_ID = { u32: 4, f32: 6, str: 8 } as const;
const ELEM_ID = { strs: 8, f32s: 6, i32s: 5 } as const;

function writeKv(out: Bytes, key: string, kv: Kv): void {
  out.str(key);
  const [t, v] = kv;
  if (t === 'u32' || t === 'f32' || t === 'str') {
    out.u32(TYPE_ID[t]);
    if (t === 'u32') out.u32(v as number);
    else if (t === 'f32') out.f32(v as number);
    else out.str(v as string);
    return;
  }
  out.u32(9);
  out.u32(ELEM_ID[t]);
  out.u64(v.length);
  for (const x of v) {
    if (t === 'strs') out.str(x as string);
    else if (t === 'f32s') out.f32(x as number);
    else out.i32(x as number);
  }
}

function metadata(model: Llama, opts: GgufWriteOptions): [string, Kv][] {
  const c = model.cfg;
  const a = ggufArchitecture(c);
  const kvs: [string, Kv][] = [
    ['general.architecture', ['str', a]],
    ['general.name', ['str', opts.name ?? 'recexplainer']],
    ['general.file_type', ['u32', LLAMA_FTYPE[opts.type ?? 'f32']]],
    [`${a}.vocab_size`, ['u32', c.vocab_size]],
    [`${a}.context_length`, ['u32', c.max_position_embeddings]],
    [`${a}.embedding_length`, ['u32', c.hidden_size]],
    [`${a}.block_count`, ['u32', c.num_hidden_layers]],
    [`${a}.feed_forward_length`, ['u32', c.intermediate_size]],
    [`${a}.rope.dimension_count`, ['u32', headDim(c)]],
    [`${a}.attention.head_count`, ['u32', c.num_attention_heads]],
    [`${a}.attention.head_count_kv`, ['u32', c.num_key_value_heads]],
    [`${a}.attention.layer_norm_rms_epsilon`, ['f32', c.rms_norm_eps]],
    [`${a}.rope.freq_base`, ['f32', c.rope_theta]],
  ];
  if (c.rope_scaling?.rope_type === 'linear')
    kvs.push([`${a}.rope.scaling.type`, ['str', 'linear']], [`${a}.rope.scaling.factor`, ['f32', c.rope_scaling.factor]]);
  if (opts.type && opts.type !== 'f32' && opts.type !== 'f16') kvs.push(['general.quantization_version', ['u32', 2]]); // ggml's GGML_QNT_VERSION
  const t = opts.tokenizer;
  if (t) {
    kvs.push(['tokenizer.ggml.model', ['str', t.model]], ['tokenizer.ggml.tokens', ['strs', t.tokens]]);
    if (t.scores) kvs.push(['tokenizer.ggml.scores', ['f32s', t.scores]]);
    if (t.tokenTypes) kvs.push(['tokenizer.ggml.token_type', ['i32s', t.tokenTypes]]);
    if (t.merges) kvs.push(['tokenizer.ggml.merges', ['strs', t.merges]]);
    if (t.pre) kvs.push(['tokenizer.ggml.pre', ['str', t.pre]]);
    if (t.chatTemplate) kvs.push(['tokenizer.chat_template', ['str', t.chatTemplate]]);
    for (const role of ['bos', 'eos', 'unk', 'pad'] as const) {
      const id = t[role];
      if (id !== undefined)
        kvs.push([`tokenizer.ggml.${role === 'pad' ? 'padding' : role === 'unk' ? 'unknown' : role}_token_id`, ['u32', id]]);
    }
  }
  return kvs;
}

/** Float32 values stored as ggml type `type` (F32, F16 or a block type whose blocks divide the rows). */
function tensorBytes(data: Float32Array, type: number): Buffer {
  if (type === GGML_F32) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (type === GGML_F16) return Buffer.from(Uint16Array.from(data, floatToHalf).buffer);
  return Buffer.from(quantize(BLOCK_CODECS.get(type)!, data));
}

/** The model as GGUF v3 bytes. */
export function encodeLlamaGguf(model: Llama, opts: GgufWriteOptions = {}): Buffer {
  const cfg = model.cfg;
  const arch = ggufArchitecture(cfg);
  const tensors: { name: string; dims: number[]; type: number; data: Buffer }[] = [];
  for (const [hf, v] of model.namedVariables()) {
    const name = ggufTensorName(hf);
    const data = ggufRowOrder(arch, name, Float32Array.from(v.dataSync()), cfg, true);
    const type = ggmlTypeOf(opts.type ?? 'f32', name, v.shape, cfg.tie_word_embeddings);
    tensors.push({ name, dims: [...v.shape].reverse(), type, data: tensorBytes(data, type) });
  }
  const kind = cfg.rope_scaling?.rope_type;
  if (kind === 'llama3' || kind === 'freq_factors') {
    const factors = Float32Array.from(ropeFactors(cfg.rope_scaling, cfg.rope_theta, headDim(cfg), 'rope_scaling'));
    tensors.push({ name: ROPE_FREQS, dims: [factors.length], type: GGML_F32, data: Buffer.from(factors.buffer) });
  }
  const head = new Bytes();
  head.push(Buffer.from('GGUF', 'latin1'));
  head.u32(3);
  const kvs = metadata(model, opts);
  head.u64(tensors.length);
  head.u64(kvs.length);
  for (const [k, v] of kvs) writeKv(head, k, v);
  let offset = 0;
  for (const t of tensors) {
    head.str(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    offset += Math.ceil(t.data.length / ALIGN) * ALIGN;
  }
  head.pad();
  for (const t of tensors) {
    head.push(t.data);
    head.pad();
  }
  return head.concat();
}

export function writeLlamaGguf(file: string, model: Llama, opts: GgufWriteOptions = {}): void {
  writeFileAtomic(file, encodeLlamaGguf(model, opts));
}

/**
 * tokenizer.json (byte-level BPE) → GGUF gpt2 vocabulary arrays, under the llama.cpp name of its
 * pre-tokenizer (ours: gpt-2; one read from a GGUF: the name it was read under); specials (appended
 * ones included) are control tokens.
 */
export function gpt2Vocab(tok: Tokenizer): GgufTokenizer {
  const preTok = tok.json.pre_tokenizer as { type?: unknown } | null;
  const pre = tok.json.model.type === 'BPE' ? preTokenizerName(preTok, tok.json.model.ignore_merges === true) : undefined;
  if (pre === undefined)
    throw new UserError(
      `only a byte-level BPE tokenizer under one of llama.cpp's pre-tokenizers (${PRE_TOKENIZERS.join(', ')}) can be written into a GGUF (this one: ${tok.json.model.type}, ${String(preTok?.type)})`,
    );
  const json = tok.json as unknown as { model: { vocab: Record<string, number>; merges?: (string | string[])[] } };
  const tokens: string[] = Array.from({ length: tok.vocabSize }, (_, i) => `[PAD${i}]`);
  for (const [piece, id] of Object.entries(json.model.vocab)) tokens[id] = piece;
  for (const t of tok.json.added_tokens) tokens[t.id] = t.content;
  const tokenTypes = tokens.map((_, i) => (tok.isSpecial(i) ? 3 : 1));
  const merges = (json.model.merges ?? []).map((m) => (Array.isArray(m) ? m.join(' ') : m));
  return {
    model: 'gpt2',
    tokens,
    tokenTypes,
    merges,
    pre,
    chatTemplate: tok.chatTemplate?.source,
    bos: tok.special.bos,
    eos: tok.special.eos,
    pad: tok.special.pad,
  };
}
