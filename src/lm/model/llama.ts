// The Llama decoder (token embedding, RMSNorm, RoPE with optional scaling, grouped-query causal
// attention with optional q/k/v biases (Qwen2), SwiGLU, optional tied head) on batches [B,T], with
// optional KV cache, LoRA adapters and soft tokens.
// Attention works on head columns [B,h,dh,T] (q = W·xᵀ), so no activation is ever transposed.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';
import { Rng } from '../../engine/rng.js';
import { constant, frozen, paramName } from '../../engine/params.js';
import { headDim, resolveLlamaConfig, type LlamaConfig } from './config.js';
import { LoraLinear, resolveLoraConfig, type LoraConfig, type LoraTarget } from './lora.js';
import { addBias, bmm, rmsNorm, rope, swiglu } from './ops.js';
import { ropeFactors, ropeTables } from './rope.js';

/** A linear weight in Hugging Face's [out,in] layout, its bias [out] if any, and its LoRA adapter when enabled. */
export interface Linear {
  w: Variable;
  b?: Variable;
  lora?: LoraLinear;
}

export interface LlamaLayer {
  inputNorm: Variable; // [H]
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear; // [h·dh,H] [kv·dh,H] [kv·dh,H] [H,h·dh]
  postNorm: Variable; // [H]
  gate: Linear;
  up: Linear;
  down: Linear; // [F,H] [F,H] [H,F]
}

/** Keys and values of every layer so far, as head columns [B,kv,dh,Tc]; owned (kept) tensors. */
export class KvCache {
  k: Tensor[] = [];
  v: Tensor[] = [];
  length = 0;

  /** Keeps rows `rows` of the batch, in that order (beam search). */
  reorder(rows: number[]): void {
    const idx = tf.tensor1d(rows, 'int32');
    const pick = (ts: Tensor[]) =>
      ts.map((t) => {
        const r = tf.keep(tf.gather(t, idx));
        t.dispose();
        return r;
      });
    this.k = pick(this.k);
    this.v = pick(this.v);
    idx.dispose();
  }

  dispose(): void {
    tf.dispose([...this.k, ...this.v]);
    this.k = [];
    this.v = [];
    this.length = 0;
  }
}

export interface ForwardOptions {
  keyValid?: Uint8Array; // [B, cache.length + T]: 0 hides a key (padding); default: all keys real
  positions?: Int32Array; // [B, T] rotary positions; default cache.length + t for every row
  cache?: KvCache; // its keys precede this call's, and this call's are appended to it
  training?: boolean; // LoRA dropout on
  rng?: Rng; // for dropout
}

const NEG = -1e9;

export class Llama {
  readonly cfg: LlamaConfig;
  embedTokens: Variable; // [V,H]; replaced (not resized) by appendTokens and resizeTokenEmbeddings
  readonly layers: LlamaLayer[] = [];
  readonly norm: Variable; // [H]
  lmHead?: Variable; // [V,H]; absent when tied
  lora?: LoraConfig;
  readonly ropeCos: Float32Array; // [maxPos, dh]: cos(p·θ^(−2i/dh)/factor_i), each frequency twice (rope.ts)
  readonly ropeSin: Float32Array; // [maxPos, dh]

  constructor(config: Partial<LlamaConfig> = {}, seed = 0, initStd = 0.02) {
    const cfg = (this.cfg = resolveLlamaConfig(config));
    const rng = new Rng(seed);
    const H = cfg.hidden_size;
    const dh = headDim(cfg);
    const F = cfg.intermediate_size;
    const normal = (shape: number[], name: string): Variable => {
      const v = constant(shape, 0, name); // through layers.constant: process-wide unique names
      tf.tidy(() => v.assign(tf.randomNormal(shape, 0, initStd, 'float32', rng.nextU32())));
      return v;
    };
    const lin = (out: number, inDim: number, name: string, bias = false): Linear => ({
      w: normal([out, inDim], `${name}.weight`),
      ...(bias ? { b: constant([out], 0, `${name}.bias`) } : {}),
    });
    this.embedTokens = normal([cfg.vocab_size, H], 'model.embed_tokens.weight');
    for (let i = 0; i < cfg.num_hidden_layers; i++) {
      const p = `model.layers.${i}.`;
      this.layers.push({
        inputNorm: constant([H], 1, `${p}input_layernorm.weight`),
        q: lin(cfg.num_attention_heads * dh, H, `${p}self_attn.q_proj`, cfg.qkv_bias),
        k: lin(cfg.num_key_value_heads * dh, H, `${p}self_attn.k_proj`, cfg.qkv_bias),
        v: lin(cfg.num_key_value_heads * dh, H, `${p}self_attn.v_proj`, cfg.qkv_bias),
        o: lin(H, cfg.num_attention_heads * dh, `${p}self_attn.o_proj`),
        postNorm: constant([H], 1, `${p}post_attention_layernorm.weight`),
        gate: lin(F, H, `${p}mlp.gate_proj`),
        up: lin(F, H, `${p}mlp.up_proj`),
        down: lin(H, F, `${p}mlp.down_proj`),
      });
    }
    this.norm = constant([H], 1, 'model.norm.weight');
    if (!cfg.tie_word_embeddings) this.lmHead = normal([cfg.vocab_size, H], 'lm_head.weight');
    const factors = ropeFactors(cfg.rope_scaling, cfg.rope_theta, dh, 'llama config');
    const tables = ropeTables(cfg.rope_theta, dh, cfg.max_position_embeddings, factors);
    this.ropeCos = tables.cos;
    this.ropeSin = tables.sin;
  }

  /** Output head weight [V,H] (the embedding table when tied). */
  get headWeight(): Variable {
    return this.lmHead ?? this.embedTokens;
  }

  /**
   * Adds vocabulary entries after the last one: rows [N,H] become their input embeddings and
   * headRows (default: the same rows, tied as item tokens are) their output rows, so every decoding
   * path sees a vocabulary of V + N. Other head rows untie a tied model first (its head a frozen
   * copy of the embeddings, so the text tokens' logits do not change). The new tables are frozen copies.
   */
  appendTokens(rows: Tensor, headRows: Tensor = rows): void {
    for (const r of [rows, headRows])
      if (r.shape[1] !== this.cfg.hidden_size || r.shape[0] !== rows.shape[0])
        throw new RangeError(`appendTokens: rows of shape [${r.shape}], expected [${rows.shape[0]}, ${this.cfg.hidden_size}]`);
    if (headRows !== rows && !this.lmHead) {
      this.lmHead = frozen(this.embedTokens, 'lm_head.weight');
      this.cfg.tie_word_embeddings = false;
    }
    this.grow(rows, headRows, false);
  }

  /**
   * Grows the vocabulary to n entries as Hugging Face's resize_token_embeddings does by default
   * (mean_resizing): each new embedding row is the mean of the existing ones, each new head row
   * (untied) the mean of the head's. Transformers samples around that mean with covariance
   * 1e-9·Σ (the mean itself when Σ is not positive definite); the mean is taken here, so a grown
   * model is the same every time. The tables keep their trainability.
   */
  resizeTokenEmbeddings(n: number): void {
    const V = this.cfg.vocab_size;
    if (!(Number.isInteger(n) && n > V)) throw new RangeError(`resizeTokenEmbeddings: ${n} entries do not grow a vocabulary of ${V}`);
    tf.tidy(() => {
      const means = (v: Variable) => tf.tile(tf.mean(v, 0, true), [n - V, 1]);
      const rows = means(this.embedTokens);
      this.grow(rows, this.lmHead ? means(this.lmHead) : rows, true);
    });
  }

  /** Appends input rows [N,H] to the embeddings and output rows [N,H] to an untied head, as new variables, frozen unless `keepTrainable` and the old one was trainable. */
  private grow(rows: Tensor, headRows: Tensor, keepTrainable: boolean): void {
    const grow = (v: Variable, add: Tensor): Variable => {
      const name = paramName(v);
      const trainable = keepTrainable && v.trainable;
      const grown = tf.tidy(() => tf.concat([v, add]));
      v.dispose();
      const out = frozen(grown, name);
      out.trainable = trainable;
      grown.dispose();
      return out;
    };
    this.embedTokens = grow(this.embedTokens, rows);
    if (this.lmHead) this.lmHead = grow(this.lmHead, headRows);
    this.cfg.vocab_size += rows.shape[0];
  }

  /** Every weight under its Hugging Face name (LoRA adapters under PEFT's names). */
  namedVariables(): Map<string, Variable> {
    const out = new Map<string, Variable>();
    const add = (v: Variable) => out.set(paramName(v), v);
    add(this.embedTokens);
    for (const l of this.layers) {
      add(l.inputNorm);
      for (const s of [l.q, l.k, l.v, l.o]) {
        add(s.w);
        if (s.b) add(s.b);
      }
      add(l.postNorm);
      for (const s of [l.gate, l.up, l.down]) add(s.w);
      for (const s of this.linears(l)) s.lora?.variables().forEach(add);
    }
    add(this.norm);
    if (this.lmHead) add(this.lmHead);
    return out;
  }

  variables(): Variable[] {
    return [...this.namedVariables().values()];
  }

  trainableVariables(): Variable[] {
    return this.variables().filter((v) => v.trainable);
  }

  private linears(l: LlamaLayer): Linear[] {
    return [l.q, l.k, l.v, l.o, l.gate, l.up, l.down];
  }

  /** Adds LoRA adapters to the targets and freezes every base weight. */
  enableLora(partial: Partial<LoraConfig> = {}, seed = 0): void {
    if (this.lora) throw new Error('LoRA is already enabled');
    const cfg = (this.lora = resolveLoraConfig(partial));
    const rng = new Rng(seed);
    for (const v of this.variables()) v.trainable = false;
    for (const l of this.layers) {
      for (const t of cfg.targets as LoraTarget[]) l[t].lora = new LoraLinear(l[t].w, cfg, rng, paramName(l[t].w).replace(/\.weight$/, ''));
    }
  }

  /** LoRA adapters, in layer order. */
  adapters(): LoraLinear[] {
    return this.layers.flatMap((l) => this.linears(l).flatMap((s) => (s.lora ? [s.lora] : [])));
  }

  /** Token embeddings: ids [B·T] → [B,T,H]. */
  embed(ids: Int32Array, batch: number, len: number): Tensor {
    return tf.reshape(tf.gather(this.embedTokens, tf.tensor1d(ids, 'int32')), [batch, len, this.cfg.hidden_size]);
  }

  /** Final hidden states (after the last RMSNorm) for input embeddings [B,T,H] → [B,T,H]. */
  forward(embeds: Tensor, opts: ForwardOptions = {}): Tensor {
    const cfg = this.cfg;
    const [B, T, H] = embeds.shape;
    const h = cfg.num_attention_heads;
    const kv = cfg.num_key_value_heads;
    const dh = headDim(cfg);
    const past = opts.cache?.length ?? 0;
    const Tk = past + T;
    const training = opts.training ?? false;
    const rng = opts.rng ?? new Rng(0);
    const [cosQ, sinQ, cosK, sinK] = this.ropeTables(B, T, past, opts.positions);
    const mask = attentionMask(B, T, past, opts.keyValid);
    const eps = cfg.rms_norm_eps;
    let x = embeds;
    this.layers.forEach((L, i) => {
      const xn = rmsNorm(x, L.inputNorm, eps); // [B,T,H]
      const q = rope(tf.reshape(this.columns(xn, L.q, training, rng), [B, h, dh, T]), cosQ, sinQ);
      let k = rope(tf.reshape(this.columns(xn, L.k, training, rng), [B, kv, dh, T]), cosK, sinK);
      let v = tf.reshape(this.columns(xn, L.v, training, rng), [B, kv, dh, T]);
      if (opts.cache) [k, v] = appendCache(opts.cache, i, k, v);
      const scores = bmm(tf.reshape(q, [B * h, dh, T]), tf.reshape(repeatKv(k, h), [B * h, dh, Tk]), true, false); // [B·h,T,Tk]
      const masked = mask ? tf.add(tf.reshape(scores, [B, h, T, Tk]), mask) : scores;
      const p = tf.reshape(tf.softmax(masked), [B * h, T, Tk]);
      const ctx = tf.reshape(bmm(tf.reshape(repeatKv(v, h), [B * h, dh, Tk]), p, false, true), [B, h * dh, T]); // [B,h·dh,T]
      x = tf.add(x, this.fromColumns(ctx, L.o, training, rng));
      const xm = tf.reshape(rmsNorm(x, L.postNorm, eps), [B * T, H]);
      const act = swiglu(this.rows(xm, L.gate, training, rng), this.rows(xm, L.up, training, rng)); // [B·T,F]
      x = tf.add(x, tf.reshape(this.rows(act, L.down, training, rng), [B, T, H]));
    });
    if (opts.cache) opts.cache.length = Tk;
    return rmsNorm(x, this.norm, eps);
  }

  /** Logits [..., V] of hidden states [..., H]. */
  logits(hidden: Tensor): Tensor {
    const H = this.cfg.hidden_size;
    const lead = hidden.shape.slice(0, -1);
    return tf.reshape(tf.matMul(tf.reshape(hidden, [-1, H]), this.headWeight, false, true), [...lead, this.cfg.vocab_size]);
  }

  /** x [B,T,in] → W·xᵀ (+ b) as head columns [B,out,T]. */
  private columns(x: Tensor, s: Linear, training: boolean, rng: Rng): Tensor {
    const wx = bmm(s.w, x, false, true);
    const y = s.b ? addBias(wx, s.b) : wx;
    return s.lora && !s.lora.isMerged ? tf.add(y, s.lora.applyColumns(x, training, rng)) : y;
  }

  /** Head columns c [B,in,T] → [B,T,out]. */
  private fromColumns(c: Tensor, s: Linear, training: boolean, rng: Rng): Tensor {
    const y = bmm(c, s.w, true, true);
    return s.lora && !s.lora.isMerged ? tf.add(y, s.lora.applyFromColumns(c, training, rng)) : y;
  }

  /** Rows x [N,in] → [N,out]. */
  private rows(x: Tensor, s: Linear, training: boolean, rng: Rng): Tensor {
    const y = tf.matMul(x, s.w, false, true);
    return s.lora && !s.lora.isMerged ? tf.add(y, s.lora.apply2d(x, training, rng)) : y;
  }

  /**
   * cos/sin tables [Bp,1,dh,T] for queries (scaled by 1/√dh, folding in the attention scale) and
   * keys; Bp = B with per-row positions [B,T], else 1 (positions past + t).
   */
  private ropeTables(B: number, T: number, past: number, positions?: Int32Array): Tensor[] {
    const dh = headDim(this.cfg);
    const rows = positions ? B : 1;
    const maxPos = this.cfg.max_position_embeddings;
    const cos = new Float32Array(rows * dh * T);
    const sin = new Float32Array(rows * dh * T);
    for (let b = 0; b < rows; b++) {
      for (let t = 0; t < T; t++) {
        const p = positions ? positions[b * T + t] : past + t;
        if (!(p >= 0 && p < maxPos)) throw new RangeError(`position ${p} is outside [0, max_position_embeddings = ${maxPos})`);
        for (let d = 0; d < dh; d++) {
          cos[(b * dh + d) * T + t] = this.ropeCos[p * dh + d];
          sin[(b * dh + d) * T + t] = this.ropeSin[p * dh + d];
        }
      }
    }
    const shape = [rows, 1, dh, T];
    const scale = 1 / Math.sqrt(dh);
    const c = tf.tensor(cos, shape);
    const s = tf.tensor(sin, shape);
    return [tf.mul(c, scale), tf.mul(s, scale), c, s];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/**
 * Additive mask [B|1,1,T,Tk]: query t (absolute index past + t) sees key j when j ≤ past + t and
 * keyValid allows it. Undefined when nothing is hidden (one new query, no padding).
 */
function attentionMask(B: number, T: number, past: number, keyValid?: Uint8Array): Tensor | undefined {
  const Tk = past + T;
  if (!keyValid && T === 1) return undefined;
  if (keyValid && keyValid.length !== B * Tk) throw new RangeError(`keyValid has ${keyValid.length} entries, expected ${B}×${Tk}`);
  const rows = keyValid ? B : 1;
  const m = new Float32Array(rows * T * Tk);
  for (let b = 0; b < rows; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * Tk;
      for (let j = 0; j < Tk; j++) if (j > past + t || (keyValid && !keyValid[b * Tk + j])) m[o + j] = NEG;
    }
  }
  return tf.tensor4d(m, [rows, 1, T, Tk]);
}

/** [B,kv,dh,T] → [B,h,dh,T]: each key/value head serves h/kv consecutive query heads. */
function repeatKv(t: Tensor, h: number): Tensor {
  const [B, kv, dh, T] = t.shape;
  if (kv === h) return t;
  return tf.reshape(tf.broadcastTo(tf.reshape(t, [B, kv, 1, dh * T]), [B, kv, h / kv, dh * T]), [B, h, dh, T]);
}

/** Appends this step's keys/values to layer i of the cache; returns the full [B,kv,dh,Tk] tensors. */
function appendCache(cache: KvCache, i: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
  const prevK = cache.k[i];
  const prevV = cache.v[i];
  const fullK = tf.keep(prevK ? tf.concat([prevK, k], 3) : k);
  const fullV = tf.keep(prevV ? tf.concat([prevV, v], 3) : v);
  if (prevK) tf.dispose([prevK, prevV]);
  cache.k[i] = fullK;
  cache.v[i] = fullV;
  return [fullK, fullV];
}

/**
 * How a soft token's vector enters the input: 'replace' puts it in place of the placeholder's
 * embedding (ours); 'add' adds it to that embedding (the reference implementation's connectors).
 */
export type SoftConnector = 'replace' | 'add';
export const SOFT_CONNECTORS: readonly SoftConnector[] = ['replace', 'add'];

/**
 * Soft tokens: the input embeddings at flat slots (b·T + t) take the rows of vectors [N,H]
 * (projected user/item embeddings), in place of the placeholder's embedding or added to it;
 * gradients reach both inputs.
 */
export function injectSoftTokens(embeds: Tensor, slots: Int32Array, vectors: Tensor, connector: SoftConnector = 'replace'): Tensor {
  const [B, T, H] = embeds.shape;
  const n = vectors.shape[0];
  if (slots.length !== n) throw new RangeError(`injectSoftTokens: ${slots.length} slots for ${n} vectors`);
  if (vectors.shape[1] !== H) throw new RangeError(`injectSoftTokens: vectors are ${vectors.shape[1]} wide, embeddings ${H}`);
  const flat = tf.reshape(embeds, [B * T, H]);
  const add = connector === 'add';
  // replace: row i of [embeds; vectors] per position; add: row i of [0; vectors] added to embeds
  const src = Int32Array.from({ length: B * T }, (_, i) => (add ? 0 : i));
  slots.forEach((s, k) => {
    if (!(s >= 0 && s < B * T)) throw new RangeError(`injectSoftTokens: slot ${s} outside [0, ${B * T})`);
    src[s] = (add ? 1 : B * T) + k;
  });
  const all = tf.concat([add ? tf.zeros([1, H]) : flat, vectors], 0);
  const picked = tf.gather(all, tf.tensor1d(src, 'int32'));
  return tf.reshape(add ? tf.add(flat, picked) : picked, [B, T, H]);
}
