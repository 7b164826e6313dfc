// The weight types export-gguf writes and the ggml type each tensor gets under one, picked as
// llama.cpp's llama-quantize picks them (src/llama-quant.cpp, llama_tensor_get_type) for a plain,
// non-imatrix run of that type: 1-D tensors (norms) stay F32; output.weight — or token_embd.weight
// when the head is tied, so it serves as the output — becomes Q6_K unless the type is Q8_0 or the
// row length is not a multiple of the type's block (then Q8_0); an untied token_embd.weight keeps
// the type. Our K types are uniform: llama-quantize's Q4_K_M/Q4_K_S-style mixes (Q5_K/Q6_K for some
// attn_v and ffn_down layers) are not applied.
import { GGML_F16, GGML_F32 } from './gguf_read.js';
import { BLOCK_CODECS } from './ggml_quants.js';

export const GGUF_WEIGHT_TYPES = ['f32', 'f16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k', 'q5_k', 'q6_k'] as const;
export type GgufWeightType = (typeof GGUF_WEIGHT_TYPES)[number];

const GGML_TYPE: Record<GgufWeightType, number> = {
  f32: GGML_F32,
  f16: GGML_F16,
  q4_0: 2,
  q4_1: 3,
  q5_0: 6,
  q5_1: 7,
  q8_0: 8,
  q4_k: 12,
  q5_k: 13,
  q6_k: 14,
};
const [Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K] = [6, 7, 8, 12, 13, 14];

/** general.file_type (llama.h's llama_ftype) of a file of each type; uniform K types are labelled *_K_S (Q6_K has one). */
export const LLAMA_FTYPE: Record<GgufWeightType, number> = {
  f32: 0,
  f16: 1,
  q4_0: 2,
  q4_1: 3,
  q8_0: 7,
  q5_0: 8,
  q5_1: 9,
  q4_k: 14,
  q5_k: 16,
  q6_k: 18,
};

const blockOf = (type: number): number => BLOCK_CODECS.get(type)?.values ?? 1;

/**
 * A row length that does not split into a type's blocks falls back as llama-quantize does: Q4_K →
 * Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, and to F16 when that 32-block type does not fit either. (For a
 * 32-block type itself llama-quantize stops with "Unsupported tensor size"; we write F16.)
 */
function fitRow(type: number, rowLength: number): number {
  if (rowLength % blockOf(type) === 0) return type;
  const fallback = { [Q4_K]: Q5_0, [Q5_K]: Q5_1, [Q6_K]: Q8_0 }[type];
  return fallback !== undefined && rowLength % blockOf(fallback) === 0 ? fallback : GGML_F16;
}

/** The ggml type of one tensor (llama.cpp name, HF shape) in a file of the given weight type; tied: no output.weight. */
export function ggmlTypeOf(weight: GgufWeightType, name: string, shape: readonly number[], tied: boolean): number {
  if (shape.length < 2) return GGML_F32;
  const type = GGML_TYPE[weight];
  if (!BLOCK_CODECS.has(type)) return type; // f32, f16
  const rowLength = shape[shape.length - 1];
  if (name !== 'output.weight' && !(tied && name === 'token_embd.weight')) return fitRow(type, rowLength);
  return fitRow(rowLength % blockOf(type) !== 0 || type === Q8_0 ? Q8_0 : Q6_K, rowLength);
}
