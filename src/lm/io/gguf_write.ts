// GGUF v3 writer for our Llama: llama-architecture metadata (+ tokenizer arrays when given) and
// weights under llama.cpp names, q/k rows permuted to llama.cpp's RoPE order; 2-D weights as F32,
// F16 or one of ggml's block types (quantised with ggml's reference quantisers, each tensor's type
// picked as llama-quantize picks it: gguf_types.ts), 1-D (norm) weights always F32.
import { writeFileAtomic } from '../../engine/atomic.js';
import { floatToHalf } from '../../engine/half.js';
import { headDim } from '../model/config.js';
import { GGML_F16, GGML_F32 } from './gguf_read.js';
import { BLOCK_CODECS, quantize } from './ggml_quants.js';
import { ggmlTypeOf, LLAMA_FTYPE, type GgufWeightType } from './gguf_types.js';
import type { Llama } from '../model/llama.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { ggufTensorName, permuteQk } from './load.js';

/** Embedded vocabulary: 'llama' (SentencePiece: tokens + scores) or 'gpt2' (byte-level BPE: tokens + merges). */
export interface GgufTokenizer {
  model: 'llama' | 'gpt2';
  tokens: string[];
  scores?: number[];
  tokenTypes?: number[]; // 1 normal, 2 unknown, 3 control, 6 byte
  merges?: string[];
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
  const kvs: [string, Kv][] = [
    ['general.architecture', ['str', 'llama']],
    ['general.name', ['str', opts.name ?? 'recexplainer']],
    ['general.file_type', ['u32', LLAMA_FTYPE[opts.type ?? 'f32']]],
    ['llama.vocab_size', ['u32', c.vocab_size]],
    ['llama.context_length', ['u32', c.max_position_embeddings]],
    ['llama.embedding_length', ['u32', c.hidden_size]],
    ['llama.block_count', ['u32', c.num_hidden_layers]],
    ['llama.feed_forward_length', ['u32', c.intermediate_size]],
    ['llama.rope.dimension_count', ['u32', headDim(c)]],
    ['llama.attention.head_count', ['u32', c.num_attention_heads]],
    ['llama.attention.head_count_kv', ['u32', c.num_key_value_heads]],
    ['llama.attention.layer_norm_rms_epsilon', ['f32', c.rms_norm_eps]],
    ['llama.rope.freq_base', ['f32', c.rope_theta]],
  ];
  if (opts.type && opts.type !== 'f32' && opts.type !== 'f16') kvs.push(['general.quantization_version', ['u32', 2]]); // ggml's GGML_QNT_VERSION
  const t = opts.tokenizer;
  if (t) {
    kvs.push(['tokenizer.ggml.model', ['str', t.model]], ['tokenizer.ggml.tokens', ['strs', t.tokens]]);
    if (t.scores) kvs.push(['tokenizer.ggml.scores', ['f32s', t.scores]]);
    if (t.tokenTypes) kvs.push(['tokenizer.ggml.token_type', ['i32s', t.tokenTypes]]);
    if (t.merges) kvs.push(['tokenizer.ggml.merges', ['strs', t.merges]]);
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
  const tensors: { name: string; dims: number[]; type: number; data: Buffer }[] = [];
  for (const [hf, v] of model.namedVariables()) {
    const name = ggufTensorName(hf);
    let data: Float32Array = Float32Array.from(v.dataSync());
    const cols = v.shape[v.shape.length - 1];
    if (name.endsWith('attn_q.weight')) data = permuteQk(data, cfg.num_attention_heads, cols, true);
    else if (name.endsWith('attn_k.weight')) data = permuteQk(data, cfg.num_key_value_heads, cols, true);
    const type = ggmlTypeOf(opts.type ?? 'f32', name, v.shape, cfg.tie_word_embeddings);
    tensors.push({ name, dims: [...v.shape].reverse(), type, data: tensorBytes(data, type) });
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

/** tokenizer.json (byte-level BPE) → GGUF gpt2 vocabulary arrays; specials are control tokens. */
export function gpt2Vocab(tok: Tokenizer): GgufTokenizer {
  const json = tok.json as unknown as { model: { vocab: Record<string, number>; merges?: (string | string[])[] } };
  const tokens: string[] = Array.from({ length: tok.vocabSize }, (_, i) => `[PAD${i}]`);
  for (const [piece, id] of Object.entries(json.model.vocab)) tokens[id] = piece;
  for (const t of tok.json.added_tokens) tokens[t.id] = t.content;
  const tokenTypes = tokens.map((_, i) => (tok.isSpecial(i) ? 3 : 1));
  const merges = (json.model.merges ?? []).map((m) => (Array.isArray(m) ? m.join(' ') : m));
  return { model: 'gpt2', tokens, tokenTypes, merges, bos: tok.special.bos, eos: tok.special.eos, pad: tok.special.pad };
}
