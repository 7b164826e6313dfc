// loadBaseModel(path): a llama.cpp .gguf file (architecture llama or qwen2) or a Hugging Face-style
// model folder → Llama. A llama GGUF's q/k weights (and biases) are in llama.cpp's interleaved-RoPE
// row order; they are permuted back to HF's rotate_half order here (permuteQk is the converter's
// direction, used when exporting). qwen2 files keep HF's order (llama.cpp's NEOX rope). A Llama 3
// file's rope_freqs.weight becomes the config's rope scaling (freq_factors).
import { statSync } from 'node:fs';
import { DataError, UserError } from '../../engine/errors.js';
import type { ReadTensor } from '../../engine/safetensors.js';
import { configFromGguf, GGUF_ARCHITECTURES, headDim, type LlamaConfig } from '../model/config.js';
import { loadLm, setLmWeights } from './checkpoint.js';
import { ggufTensor, readGguf, type Gguf } from './gguf_read.js';
import { Llama } from '../model/llama.js';

const LAYER_NAMES: Record<string, string> = {
  'input_layernorm.weight': 'attn_norm.weight',
  'self_attn.q_proj.weight': 'attn_q.weight',
  'self_attn.k_proj.weight': 'attn_k.weight',
  'self_attn.v_proj.weight': 'attn_v.weight',
  'self_attn.q_proj.bias': 'attn_q.bias',
  'self_attn.k_proj.bias': 'attn_k.bias',
  'self_attn.v_proj.bias': 'attn_v.bias',
  'self_attn.o_proj.weight': 'attn_output.weight',
  'post_attention_layernorm.weight': 'ffn_norm.weight',
  'mlp.gate_proj.weight': 'ffn_gate.weight',
  'mlp.up_proj.weight': 'ffn_up.weight',
  'mlp.down_proj.weight': 'ffn_down.weight',
};

/** llama.cpp's name for an HF Llama weight name. */
export function ggufTensorName(hf: string): string {
  if (hf === 'model.embed_tokens.weight') return 'token_embd.weight';
  if (hf === 'model.norm.weight') return 'output_norm.weight';
  if (hf === 'lm_head.weight') return 'output.weight';
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hf);
  const part = m && LAYER_NAMES[m[2]];
  if (!m || !part) throw new UserError(`${hf}: no GGUF name for this weight (merge LoRA adapters before exporting)`);
  return `blk.${m[1]}.${part}`;
}

/**
 * Row order of a q/k weight [heads·dh, cols]: toGguf moves HF row (head, half·dh/2 + i) to
 * (head, 2i + half), like llama.cpp's convert_hf_to_gguf permute; !toGguf undoes it.
 */
export function permuteQk(w: Float32Array, heads: number, cols: number, toGguf: boolean): Float32Array {
  const dh = w.length / cols / heads;
  const out = new Float32Array(w.length);
  for (let hd = 0; hd < heads; hd++) {
    for (let half = 0; half < 2; half++) {
      for (let i = 0; i < dh / 2; i++) {
        const hf = (hd * dh + half * (dh / 2) + i) * cols;
        const gg = (hd * dh + 2 * i + half) * cols;
        if (toGguf) out.set(w.subarray(hf, hf + cols), gg);
        else out.set(w.subarray(gg, gg + cols), hf);
      }
    }
  }
  return out;
}

export const ROPE_FREQS = 'rope_freqs.weight';

/** The GGUF architecture our writer gives a config: qwen2 for q/k/v biases, unless it needs llama's rope_freqs (Llama 3 scaling). */
export function ggufArchitecture(cfg: LlamaConfig): 'llama' | 'qwen2' {
  const freqs = cfg.rope_scaling?.rope_type === 'llama3' || cfg.rope_scaling?.rope_type === 'freq_factors';
  return cfg.qkv_bias && !freqs ? 'qwen2' : 'llama';
}

/** A q/k weight or bias between HF's row order and a llama GGUF's (toGguf: HF → GGUF); anything else as it is. */
export function ggufRowOrder(arch: string, name: string, data: Float32Array, cfg: LlamaConfig, toGguf: boolean): Float32Array {
  if (arch !== 'llama') return data;
  const m = /\.attn_([qk])\.(weight|bias)$/.exec(name);
  if (!m) return data;
  const heads = m[1] === 'q' ? cfg.num_attention_heads : cfg.num_key_value_heads;
  return permuteQk(data, heads, m[2] === 'bias' ? 1 : cfg.hidden_size, toGguf);
}

/** The Llama in a parsed GGUF file (architecture llama or qwen2, supported tensor types). */
export function llamaFromGguf(g: Gguf): Llama {
  const meta = g.metadata;
  const arch = meta['general.architecture'];
  if (typeof arch !== 'string' || !GGUF_ARCHITECTURES.includes(arch))
    throw new DataError(
      { file: g.file, field: 'general.architecture' },
      `architecture "${String(arch)}" is not supported (${GGUF_ARCHITECTURES.join(', ')})`,
    );
  const scaling = meta[`${arch}.rope.scaling.type`];
  if (scaling !== undefined && scaling !== 'none' && scaling !== 'linear')
    throw new DataError({ file: g.file, field: `${arch}.rope.scaling.type` }, `rope scaling "${String(scaling)}" is not supported`);
  const cfg = {
    ...configFromGguf(meta, g.file),
    tie_word_embeddings: !g.tensors.has('output.weight'),
    qkv_bias: g.tensors.has('blk.0.attn_q.bias'), // optional in both architectures for llama.cpp
  };
  const ropeDims = meta[`${arch}.rope.dimension_count`];
  if (ropeDims !== undefined && ropeDims !== headDim(cfg))
    throw new DataError(
      { file: g.file, field: `${arch}.rope.dimension_count` },
      `partial rotary embedding (${String(ropeDims)} of ${headDim(cfg)} dims) is not supported`,
    );
  if (g.tensors.has(ROPE_FREQS)) {
    if (cfg.rope_scaling)
      throw new DataError({ file: g.file, field: ROPE_FREQS }, `alongside rope scaling "${String(scaling)}" (not supported)`);
    const t = ggufTensor(g, ROPE_FREQS);
    if (t.data.length !== headDim(cfg) / 2)
      throw new DataError(
        { file: g.file, field: ROPE_FREQS },
        `${t.data.length} factors, the head size ${headDim(cfg)} needs ${headDim(cfg) / 2}`,
      );
    cfg.rope_scaling = { rope_type: 'freq_factors', factors: [...t.data] };
  }
  const model = new Llama(cfg);
  try {
    const tensors: Record<string, ReadTensor> = {};
    const used = new Set<string>([ROPE_FREQS]);
    for (const [hf, v] of model.namedVariables()) {
      const name = ggufTensorName(hf);
      used.add(name);
      const t = ggufTensor(g, name);
      if (t.shape.join(',') !== v.shape.join(','))
        throw new DataError({ file: g.file, field: name }, `shape [${t.shape}], the metadata gives [${v.shape}]`);
      tensors[hf] = { dtype: 'F32', shape: t.shape, data: ggufRowOrder(arch, name, t.data, cfg, false) };
    }
    for (const name of g.tensors.keys())
      if (!used.has(name)) throw new DataError({ file: g.file, field: name }, `unexpected tensor (not a plain ${arch} weight)`);
    setLmWeights(model, tensors, g.file);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** A .gguf file (llama or qwen2 architecture) or an HF-style model folder (config.json + model.safetensors). */
export function loadBaseModel(path: string): Llama {
  let dir: boolean;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    throw new UserError(`${path}: no such file or folder`);
  }
  return dir ? loadLm(path) : llamaFromGguf(readGguf(path));
}
