// The Llama architecture's hyper-parameters under Hugging Face's config.json names, with the
// project's tiny default, validation with one-line errors, and readers for HF config.json
// objects and GGUF metadata (llama.* keys).
import { UserError } from '../../engine/errors.js';

export interface LlamaConfig {
  vocab_size: number;
  hidden_size: number; // H
  num_hidden_layers: number;
  num_attention_heads: number; // h; must divide hidden_size
  num_key_value_heads: number; // kv ≤ h, must divide h (grouped-query attention)
  intermediate_size: number; // SwiGLU width
  rms_norm_eps: number;
  rope_theta: number; // RoPE base
  max_position_embeddings: number; // longest sequence (RoPE table size)
  tie_word_embeddings: boolean; // output head = embedding table
}

export const LLAMA_DEFAULTS: Readonly<LlamaConfig> = {
  vocab_size: 8192,
  hidden_size: 256,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  intermediate_size: 688,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  max_position_embeddings: 512,
  tie_word_embeddings: false,
};

const INT_KEYS = [
  'vocab_size',
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'intermediate_size',
  'max_position_embeddings',
] as const;
const POS_KEYS = ['rms_norm_eps', 'rope_theta'] as const;

export function headDim(cfg: LlamaConfig): number {
  return cfg.hidden_size / cfg.num_attention_heads;
}

/** Defaults overlaid with `partial`; unknown keys, wrong types and inconsistent sizes are UserErrors. */
export function resolveLlamaConfig(partial: Partial<LlamaConfig> = {}, source = 'llama config'): LlamaConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in LLAMA_DEFAULTS)) throw new UserError(`${source}: unknown key "${k}" (known: ${Object.keys(LLAMA_DEFAULTS).join(', ')})`);
  }
  const cfg: LlamaConfig = { ...LLAMA_DEFAULTS, ...partial };
  for (const k of INT_KEYS) {
    const v = cfg[k] as unknown;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new UserError(`${source}: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  for (const k of POS_KEYS) {
    const v = cfg[k] as unknown;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new UserError(`${source}: ${k} must be a positive number, got ${JSON.stringify(v)}`);
  }
  if (typeof cfg.tie_word_embeddings !== 'boolean')
    throw new UserError(`${source}: tie_word_embeddings must be true or false, got ${JSON.stringify(cfg.tie_word_embeddings)}`);
  const { hidden_size: H, num_attention_heads: h, num_key_value_heads: kv } = cfg;
  if (H % h !== 0) throw new UserError(`${source}: hidden_size ${H} is not divisible by num_attention_heads ${h}`);
  if ((H / h) % 2 !== 0)
    throw new UserError(`${source}: the head size hidden_size/num_attention_heads = ${H / h} must be even (rotary embedding)`);
  if (kv > h || h % kv !== 0) throw new UserError(`${source}: num_key_value_heads ${kv} must divide num_attention_heads ${h}`);
  return cfg;
}

/**
 * A Hugging Face config.json (LlamaForCausalLM / MistralForCausalLM-style): keeps our keys,
 * ignores the rest, refuses settings this implementation does not compute (rope_scaling,
 * a hidden_act other than silu, attention/MLP biases).
 */
export function configFromHf(json: Record<string, unknown>, source = 'config.json'): LlamaConfig {
  if (json.rope_scaling !== undefined && json.rope_scaling !== null) throw new UserError(`${source}: rope_scaling is not supported`);
  if (json.hidden_act !== undefined && json.hidden_act !== 'silu')
    throw new UserError(`${source}: hidden_act "${String(json.hidden_act)}" is not supported (silu only)`);
  for (const k of ['attention_bias', 'mlp_bias']) if (json[k] === true) throw new UserError(`${source}: ${k} is not supported`);
  const partial: Record<string, unknown> = {};
  for (const k of Object.keys(LLAMA_DEFAULTS)) if (json[k] !== undefined && json[k] !== null) partial[k] = json[k];
  if (partial.num_key_value_heads === undefined && partial.num_attention_heads !== undefined)
    partial.num_key_value_heads = partial.num_attention_heads;
  return resolveLlamaConfig(partial as Partial<LlamaConfig>, source);
}

/** GGUF metadata of a llama model (`general.architecture` = llama) → config. */
export function configFromGguf(meta: Record<string, unknown>, source = 'GGUF file'): LlamaConfig {
  const arch = meta['general.architecture'];
  if (arch !== 'llama') throw new UserError(`${source}: architecture "${String(arch)}" is not supported (llama only)`);
  const key = (k: string) => meta[`llama.${k}`];
  const tokens = meta['tokenizer.ggml.tokens'];
  const heads = key('attention.head_count');
  const partial: Record<string, unknown> = {
    vocab_size: key('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : undefined),
    hidden_size: key('embedding_length'),
    num_hidden_layers: key('block_count'),
    num_attention_heads: heads,
    num_key_value_heads: key('attention.head_count_kv') ?? heads,
    intermediate_size: key('feed_forward_length'),
    rms_norm_eps: key('attention.layer_norm_rms_epsilon'),
    rope_theta: key('rope.freq_base'),
    max_position_embeddings: key('context_length'),
  };
  for (const k of Object.keys(partial)) {
    if (partial[k] === undefined) delete partial[k];
    else if (typeof partial[k] === 'bigint') partial[k] = Number(partial[k]);
  }
  return resolveLlamaConfig(partial as Partial<LlamaConfig>, source);
}
