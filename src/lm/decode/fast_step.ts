// Decoding steps for a few rows without tfjs: the weights (LoRA merged in) are copied once into
// WebAssembly memory and reused while no variable changes; each step is matrix × few-vectors
// products in the SIMD kernel plus small JS loops. The fast decoding path: computes what the
// reference path (reference_step.ts, Llama.forward) computes, tested against it.
import type { Variable } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';
import { headDim, type LlamaConfig } from '../model/config.js';
import type { KvCache, Linear, Llama } from '../model/llama.js';
import { WasmArena } from './gemv.js';

interface LayerAt {
  n1: number;
  q: number;
  k: number;
  v: number;
  bias?: { q: number; k: number; v: number }; // q/k/v biases (Qwen2)
  o: number;
  n2: number;
  gate: number;
  up: number;
  down: number;
}

/** The model's weights inside an arena; valid while every variable keeps its data (assign replaces it). */
interface Snapshot {
  arena: WasmArena;
  ids: readonly object[]; // dataId of every variable, plus merge flags
  embed: number;
  layers: LayerAt[];
  norm: number;
  head: number;
  mark: number; // end of the weights: sessions allocate above it
  session?: FastSession;
}

const snapshots = new WeakMap<Llama, Snapshot>();

function identity(model: Llama): object[] {
  return [...model.variables().map((v) => v.dataId), ...model.adapters().map((a) => (a.isMerged ? MERGED : UNMERGED))];
}
const MERGED = {};
const UNMERGED = {};

function snapshot(model: Llama): Snapshot {
  const ids = identity(model);
  const old = snapshots.get(model);
  if (old && old.ids.length === ids.length && old.ids.every((d, i) => d === ids[i])) return old;
  const arena = new WasmArena();
  const put = (v: Variable): number => {
    const off = arena.alloc(v.size);
    arena.f32.set(v.dataSync() as Float32Array, off);
    return off;
  };
  const putLinear = (s: Linear): number => {
    if (!s.lora || s.lora.isMerged) return put(s.w);
    const lora = s.lora;
    const off = arena.alloc(s.w.size);
    arena.f32.set(
      tf.tidy(() => tf.add(s.w, lora.delta()).dataSync() as Float32Array),
      off,
    );
    return off;
  };
  const embed = put(model.embedTokens);
  const layers = model.layers.map((l) => ({
    n1: put(l.inputNorm),
    q: putLinear(l.q),
    k: putLinear(l.k),
    v: putLinear(l.v),
    ...(l.q.b && l.k.b && l.v.b ? { bias: { q: put(l.q.b), k: put(l.k.b), v: put(l.v.b) } } : {}),
    o: putLinear(l.o),
    n2: put(l.postNorm),
    gate: putLinear(l.gate),
    up: putLinear(l.up),
    down: putLinear(l.down),
  }));
  const norm = put(model.norm);
  const head = model.lmHead ? put(model.lmHead) : embed;
  const snap: Snapshot = { arena, ids, embed, layers, norm, head, mark: arena.mark() };
  snapshots.set(model, snap);
  return snap;
}

/** Whether the kernel's 4-float alignment holds for this architecture. */
export function fastSupported(cfg: LlamaConfig): boolean {
  return [cfg.hidden_size, cfg.intermediate_size, headDim(cfg)].every((n) => n % 4 === 0);
}

/**
 * Generation state for `rows` sequences of at most `capacity` tokens: per-slot caches K
 * [L][kv][cap][dh] and Vᵀ [L][kv][dh][cap4]; rows map to slots (beam reordering shares slots).
 */
export class FastSession {
  private readonly s: Snapshot;
  private readonly cfg: LlamaConfig;
  private readonly cap4: number;
  private readonly slotK: number[] = [];
  private readonly slotV: number[] = [];
  private slotOf: number[];
  private lens: number[];
  private readonly buf: Record<'x' | 'xn' | 'q' | 'k' | 'v' | 'ctx' | 'tmp' | 'a' | 'u' | 'sc' | 'p' | 'logits', number>;

  constructor(
    private readonly model: Llama,
    readonly rows: number,
    readonly capacity: number,
  ) {
    this.s = snapshot(model);
    this.s.session = this;
    const cfg = (this.cfg = model.cfg);
    const a = this.s.arena;
    a.release(this.s.mark);
    const {
      hidden_size: H,
      intermediate_size: F,
      num_attention_heads: h,
      num_key_value_heads: kv,
      num_hidden_layers: L,
      vocab_size: V,
    } = cfg;
    const dh = headDim(cfg);
    this.cap4 = Math.ceil(capacity / 4) * 4;
    for (let r = 0; r < rows; r++) {
      this.slotK.push(a.alloc(L * kv * this.cap4 * dh));
      this.slotV.push(a.alloc(L * kv * dh * this.cap4));
    }
    a.f32.fill(0, this.slotV[0], a.mark()); // V columns beyond a row's length are read (times p = 0)
    this.slotOf = Array.from({ length: rows }, (_, r) => r);
    this.lens = new Array<number>(rows).fill(0);
    const g = h / kv;
    this.buf = {
      x: a.alloc(rows * H),
      xn: a.alloc(rows * H),
      q: a.alloc(rows * h * dh),
      k: a.alloc(rows * kv * dh),
      v: a.alloc(rows * kv * dh),
      ctx: a.alloc(rows * h * dh),
      tmp: a.alloc(rows * H),
      a: a.alloc(rows * F),
      u: a.alloc(rows * F),
      sc: a.alloc(g * this.cap4),
      p: a.alloc(g * this.cap4),
      logits: a.alloc(rows * V),
    };
  }

  private kOff(slot: number, l: number, j: number): number {
    return this.slotK[slot] + (l * this.cfg.num_key_value_heads + j) * this.cap4 * headDim(this.cfg);
  }

  private vOff(slot: number, l: number, j: number): number {
    return this.slotV[slot] + (l * this.cfg.num_key_value_heads + j) * headDim(this.cfg) * this.cap4;
  }

  /**
   * Takes the prompts' keys/values from a tfjs cache [B,kv,dh,P] whose row b starts at pad[b]
   * (left padding) into rows 0..B−1; any further rows stay empty until reorder() fills them.
   */
  load(cache: KvCache, lens: readonly number[], pad: readonly number[]): void {
    const dh = headDim(this.cfg);
    const kv = this.cfg.num_key_value_heads;
    const P = cache.length;
    const f = this.s.arena.f32;
    cache.k.forEach((kt, l) => {
      const K = kt.dataSync() as Float32Array;
      const Vv = cache.v[l].dataSync() as Float32Array;
      for (let b = 0; b < lens.length; b++) {
        if (lens[b] > this.capacity) throw new RangeError(`prompt of ${lens[b]} tokens exceeds the session capacity ${this.capacity}`);
        for (let j = 0; j < kv; j++) {
          const src = (b * kv + j) * dh * P + pad[b];
          const ko = this.kOff(b, l, j);
          const vo = this.vOff(b, l, j);
          for (let d = 0; d < dh; d++) {
            for (let t = 0; t < lens[b]; t++) {
              f[ko + t * dh + d] = K[src + d * P + t];
              f[vo + d * this.cap4 + t] = Vv[src + d * P + t];
            }
          }
        }
      }
    });
    this.lens = Array.from({ length: this.rows }, (_, b) => lens[b] ?? 0);
  }

  /** Keeps rows `rows` in that order; a slot shared by several new rows is copied. */
  reorder(rows: readonly number[]): void {
    const taken = new Set<number>();
    const parents = new Set(rows.map((r) => this.slotOf[r]));
    const free = this.slotOf.filter((s) => !parents.has(s));
    const f = this.s.arena.f32;
    const size = this.slotV[0] - this.slotK[0];
    this.slotOf = rows.map((r) => {
      const s = this.slotOf[r];
      if (!taken.has(s)) return (taken.add(s), s);
      const t = free.pop()!;
      f.copyWithin(this.slotK[t], this.slotK[s], this.slotK[s] + size);
      f.copyWithin(this.slotV[t], this.slotV[s], this.slotV[s] + size);
      return t;
    });
    this.lens = rows.map((r) => this.lens[r]);
  }

  /** Feeds one token per row; returns next-token logits per row (copies). */
  step(tokens: readonly number[]): Float32Array[] {
    if (this.s.session !== this || snapshots.get(this.model) !== this.s)
      throw new Error('FastSession: another session or a weight change replaced this one');
    if (tokens.length !== this.rows) throw new RangeError(`FastSession.step: ${tokens.length} tokens for ${this.rows} rows`);
    const {
      hidden_size: H,
      intermediate_size: F,
      num_attention_heads: h,
      num_key_value_heads: kv,
      vocab_size: V,
      rms_norm_eps: eps,
    } = this.cfg;
    const dh = headDim(this.cfg);
    const B = this.rows;
    const a = this.s.arena;
    const f = a.f32;
    const { x, xn, q, k, v, ctx, tmp, logits } = this.buf;
    if (this.lens.some((n) => n >= this.capacity)) throw new RangeError(`FastSession: capacity ${this.capacity} reached`);
    tokens.forEach((t, b) => f.copyWithin(x + b * H, this.s.embed + t * H, this.s.embed + (t + 1) * H));
    this.s.layers.forEach((Lw, l) => {
      rmsNorm(f, x, xn, Lw.n1, B, H, eps);
      a.gemm(Lw.q, xn, q, h * dh, H, B);
      a.gemm(Lw.k, xn, k, kv * dh, H, B);
      a.gemm(Lw.v, xn, v, kv * dh, H, B);
      if (Lw.bias) {
        addRows(f, q, Lw.bias.q, B, h * dh);
        addRows(f, k, Lw.bias.k, B, kv * dh);
        addRows(f, v, Lw.bias.v, B, kv * dh);
      }
      for (let b = 0; b < B; b++) this.attend(l, b, this.lens[b]);
      a.gemm(Lw.o, ctx, tmp, H, h * dh, B);
      for (let i = 0; i < B * H; i++) f[x + i] += f[tmp + i];
      rmsNorm(f, x, xn, Lw.n2, B, H, eps);
      a.gemm(Lw.gate, xn, this.buf.a, F, H, B);
      a.gemm(Lw.up, xn, this.buf.u, F, H, B);
      for (let i = 0; i < B * F; i++) {
        const z = f[this.buf.a + i];
        f[this.buf.a + i] = (z / (1 + Math.exp(-z))) * f[this.buf.u + i];
      }
      a.gemm(Lw.down, this.buf.a, tmp, H, F, B);
      for (let i = 0; i < B * H; i++) f[x + i] += f[tmp + i];
    });
    rmsNorm(f, x, xn, this.s.norm, B, H, eps);
    a.gemm(this.s.head, xn, logits, V, H, B);
    this.lens = this.lens.map((n) => n + 1);
    return Array.from({ length: B }, (_, b) => f.slice(logits + b * V, logits + (b + 1) * V));
  }

  /** Row b at position pos: rotary q/k, appends k/v to layer l's cache, ctx = softmax(q·Kᵀ)·V. */
  private attend(l: number, b: number, pos: number): void {
    const { num_attention_heads: h, num_key_value_heads: kv } = this.cfg;
    const dh = headDim(this.cfg);
    const g = h / kv;
    const a = this.s.arena;
    const f = a.f32;
    const { q, k, v, ctx, sc, p } = this.buf;
    const cos = this.model.ropeCos.subarray(pos * dh, (pos + 1) * dh);
    const sin = this.model.ropeSin.subarray(pos * dh, (pos + 1) * dh);
    for (let i = 0; i < h; i++) rotary(f, q + (b * h + i) * dh, cos, sin, 1 / Math.sqrt(dh));
    for (let j = 0; j < kv; j++) rotary(f, k + (b * kv + j) * dh, cos, sin, 1);
    const slot = this.slotOf[b];
    const Tk = pos + 1;
    const T4 = Math.ceil(Tk / 4) * 4;
    for (let j = 0; j < kv; j++) {
      const ko = this.kOff(slot, l, j);
      const vo = this.vOff(slot, l, j);
      f.copyWithin(ko + pos * dh, k + (b * kv + j) * dh, k + (b * kv + j + 1) * dh);
      for (let d = 0; d < dh; d++) f[vo + d * this.cap4 + pos] = f[v + (b * kv + j) * dh + d];
      a.gemm(ko, q + (b * h + j * g) * dh, sc, Tk, dh, g); // scores [g][Tk]
      for (let i = 0; i < g; i++) {
        let m = -Infinity;
        for (let t = 0; t < Tk; t++) m = Math.max(m, f[sc + i * Tk + t]);
        let sum = 0;
        for (let t = 0; t < Tk; t++) sum += f[p + i * T4 + t] = Math.exp(f[sc + i * Tk + t] - m);
        for (let t = 0; t < Tk; t++) f[p + i * T4 + t] /= sum;
        for (let t = Tk; t < T4; t++) f[p + i * T4 + t] = 0;
      }
      a.gemm(vo, p, ctx + (b * h + j * g) * dh, dh, T4, g, this.cap4); // ctx [g][dh]
    }
  }
}

/** y = x·rsqrt(mean(x²) + eps)·g for B rows of H (offsets in floats). */
function rmsNorm(f: Float32Array, x: number, y: number, g: number, B: number, H: number, eps: number): void {
  for (let b = 0; b < B; b++) {
    const o = b * H;
    let ss = 0;
    for (let i = 0; i < H; i++) ss += f[x + o + i] * f[x + o + i];
    const r = 1 / Math.sqrt(ss / H + eps);
    for (let i = 0; i < H; i++) f[y + o + i] = f[x + o + i] * r * f[g + i];
  }
}

/** y[b][i] += bias[i] for B rows of n (offsets in floats). */
function addRows(f: Float32Array, y: number, bias: number, B: number, n: number): void {
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) f[y + b * n + i] += f[bias + i];
}

/** In place on one head at o: x·cos + rotate_half(x)·sin, times scale. */
function rotary(f: Float32Array, o: number, cos: Float32Array, sin: Float32Array, scale: number): void {
  const dh = cos.length;
  const half = dh / 2;
  for (let i = 0; i < half; i++) {
    const x1 = f[o + i];
    const x2 = f[o + i + half];
    f[o + i] = (x1 * cos[i] - x2 * sin[i]) * scale;
    f[o + i + half] = (x2 * cos[i + half] + x1 * sin[i + half]) * scale;
  }
}
