// The Llama architecture's hyper-parameters under Hugging Face's config.json names (plus qkv_bias:
// Qwen2's q/k/v projection biases), with the project's tiny default, validation with one-line
// errors, and readers for HF config.json objects (model_type llama, mistral, qwen2) and GGUF
// metadata (general.architecture llama or qwen2, keys under that prefix).
import { UserError } from '../../engine/errors.js';
import { ropeFactors, ropeScalingFrom, type RopeScaling } from './rope.js';

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
  qkv_bias: boolean; // biases on the q, k and v projections (Qwen2)
  rope_scaling: RopeScaling | null;
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
  qkv_bias: false,
  rope_scaling: null,
};

/** The GGUF architectures read here (general.architecture). */
export const GGUF_ARCHITECTURES: readonly string[] = ['llama', 'qwen2'];
const HF_MODEL_TYPES: readonly string[] = ['llama', 'mistral', 'qwen2'];

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
  for (const k of ['tie_word_embeddings', 'qkv_bias'] as const)
    if (typeof cfg[k] !== 'boolean') throw new UserError(`${source}: ${k} must be true or false, got ${JSON.stringify(cfg[k])}`);
  const { hidden_size: H, num_attention_heads: h, num_key_value_heads: kv } = cfg;
  if (H % h !== 0) throw new UserError(`${source}: hidden_size ${H} is not divisible by num_attention_heads ${h}`);
  if ((H / h) % 2 !== 0)
    throw new UserError(`${source}: the head size hidden_size/num_attention_heads = ${H / h} must be even (rotary embedding)`);
  if (kv > h || h % kv !== 0) throw new UserError(`${source}: num_key_value_heads ${kv} must divide num_attention_heads ${h}`);
  cfg.rope_scaling = ropeScalingFrom(cfg.rope_scaling, source);
  ropeFactors(cfg.rope_scaling, cfg.rope_theta, H / h, source);
  return cfg;
}

/**
 * A Hugging Face config.json (LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM-style):
 * keeps our keys, ignores the rest, refuses settings this implementation does not compute (another
 * model_type, a hidden_act other than silu, attention/MLP biases on a llama, sliding windows, a
 * head_dim other than hidden_size / num_attention_heads, rope scalings other than llama3/linear).
 * rope_theta and the scaling may also come as transformers 5's rope_parameters.
 */
export function configFromHf(json: Record<string, unknown>, source = 'config.json'): LlamaConfig {
  const type = json.model_type ?? 'llama';
  if (typeof type !== 'string' || !HF_MODEL_TYPES.includes(type))
    throw new UserError(`${source}: model_type ${JSON.stringify(type)} is not supported (${HF_MODEL_TYPES.join(', ')})`);
  if (json.hidden_act !== undefined && json.hidden_act !== 'silu')
    throw new UserError(`${source}: hidden_act "${String(json.hidden_act)}" is not supported (silu only)`);
  for (const k of ['attention_bias', 'mlp_bias', 'use_sliding_window'])
    if (json[k] === true) throw new UserError(`${source}: ${k} is not supported`);
  const partial: Record<string, unknown> = {};
  for (const k of Object.keys(LLAMA_DEFAULTS)) if (json[k] !== undefined && json[k] !== null) partial[k] = json[k];
  const params = json.rope_parameters;
  if (params !== undefined && params !== null && typeof params === 'object' && !Array.isArray(params)) {
    const p = params as Record<string, unknown>;
    partial.rope_theta ??= p.rope_theta;
    partial.rope_scaling ??= p;
  }
  partial.qkv_bias = type === 'qwen2';
  if (partial.num_key_value_heads === undefined && partial.num_attention_heads !== undefined)
    partial.num_key_value_heads = partial.num_attention_heads;
  const cfg = resolveLlamaConfig(partial as Partial<LlamaConfig>, source);
  if (json.head_dim !== undefined && json.head_dim !== null && json.head_dim !== headDim(cfg))
    throw new UserError(
      `${source}: head_dim ${String(json.head_dim)} is not hidden_size / num_attention_heads = ${headDim(cfg)} (not supported)`,
    );
  return cfg;
}

/**
 * GGUF metadata of a llama or qwen2 model (`general.architecture`, keys under its prefix) → config;
 * qwen2 has q/k/v biases (load.ts follows the file's tensors: llama.cpp allows them in both). A
 * "linear" rope scaling is read; a GGUF's rope_freqs.weight (Llama 3) is a tensor, read by load.ts;
 * other scalings are UserErrors.
 */
export function configFromGguf(meta: Record<string, unknown>, source = 'GGUF file'): LlamaConfig {
  const arch = meta['general.architecture'];
  if (typeof arch !== 'string' || !GGUF_ARCHITECTURES.includes(arch))
    throw new UserError(`${source}: architecture "${String(arch)}" is not supported (${GGUF_ARCHITECTURES.join(', ')})`);
  const key = (k: string) => meta[`${arch}.${k}`];
  const tokens = meta['tokenizer.ggml.tokens'];
  const heads = key('attention.head_count');
  const scaling = key('rope.scaling.type');
  if (scaling !== undefined && scaling !== 'none' && scaling !== 'linear')
    throw new UserError(`${source}: rope scaling "${String(scaling)}" is not supported (linear, or Llama 3's rope_freqs.weight)`);
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
    qkv_bias: arch === 'qwen2',
    rope_scaling: scaling === 'linear' ? { rope_type: 'linear', factor: key('rope.scaling.factor') } : undefined,
  };
  for (const k of Object.keys(partial)) {
    if (partial[k] === undefined) delete partial[k];
    else if (typeof partial[k] === 'bigint') partial[k] = Number(partial[k]);
  }
  return resolveLlamaConfig(partial as Partial<LlamaConfig>, source);
}
