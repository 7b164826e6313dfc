// LoRA (Hu et al. 2021, PEFT's layout) around a frozen linear weight W [out,in]: the layer
// computes x·(W + s·B·A)ᵀ with A [r,in] (Kaiming-uniform), B [out,r] (zeros), s = alpha/r,
// dropout on the adapter's input. merge() folds s·B·A into W, unmerge() takes it out again.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';
import type { Rng } from '../../engine/rng.js';
import { UserError } from '../../engine/errors.js';
import { constant } from '../../engine/params.js';
import { dropout } from '../../engine/dropout.js';
import { bmm } from './ops.js';

export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  r: number; // rank
  alpha: number; // scale s = alpha / r
  dropout: number; // on the adapter input while training
  targets: LoraTarget[]; // the wrapped linear layers
}

export const LORA_DEFAULTS: Readonly<LoraConfig> = { r: 8, alpha: 16, dropout: 0.05, targets: ['q', 'k', 'v', 'o'] };

export function resolveLoraConfig(partial: Partial<LoraConfig> = {}): LoraConfig {
  for (const k of Object.keys(partial)) if (!(k in LORA_DEFAULTS)) throw new UserError(`lora config: unknown key "${k}"`);
  const cfg: LoraConfig = { ...LORA_DEFAULTS, ...partial, targets: [...(partial.targets ?? LORA_DEFAULTS.targets)] };
  if (!Number.isInteger(cfg.r) || cfg.r < 1) throw new UserError(`lora config: r must be a positive integer, got ${cfg.r}`);
  if (!(cfg.alpha > 0)) throw new UserError(`lora config: alpha must be positive, got ${cfg.alpha}`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new UserError(`lora config: dropout must be in [0, 1), got ${cfg.dropout}`);
  const bad = cfg.targets.find((t) => !(LORA_TARGETS as readonly string[]).includes(t));
  if (bad !== undefined) throw new UserError(`lora config: unknown target "${bad}" (known: ${LORA_TARGETS.join(', ')})`);
  if (cfg.targets.length === 0 || new Set(cfg.targets).size !== cfg.targets.length)
    throw new UserError('lora config: targets must be non-empty and distinct');
  return cfg;
}

export class LoraLinear {
  readonly A: Variable; // [r, in]
  readonly B: Variable; // [out, r]
  readonly scale: number;
  private merged = false;

  constructor(
    readonly base: Variable,
    readonly cfg: LoraConfig,
    rng: Rng,
    name: string,
  ) {
    const [out, inDim] = base.shape;
    this.A = constant([cfg.r, inDim], 0, `${name}.lora_A.weight`);
    const bound = 1 / Math.sqrt(inDim); // kaiming_uniform_(a=√5), as PEFT
    tf.tidy(() => this.A.assign(tf.randomUniform([cfg.r, inDim], -bound, bound, 'float32', rng.nextU32())));
    this.B = constant([out, cfg.r], 0, `${name}.lora_B.weight`);
    this.scale = cfg.alpha / cfg.r;
  }

  get isMerged(): boolean {
    return this.merged;
  }

  /** s·B·A [out,in]. */
  delta(): Tensor {
    return tf.mul(tf.matMul(this.B, this.A), this.scale);
  }

  merge(): void {
    if (this.merged) throw new Error(`${this.base.name}: LoRA already merged`);
    tf.tidy(() => this.base.assign(tf.add(this.base, this.delta())));
    this.merged = true;
  }

  unmerge(): void {
    if (!this.merged) throw new Error(`${this.base.name}: LoRA is not merged`);
    tf.tidy(() => this.base.assign(tf.sub(this.base, this.delta())));
    this.merged = false;
  }

  /** Adapter output for rows x [N,in] → [N,out] (the model skips adapters that are merged). */
  apply2d(x: Tensor, training: boolean, rng: Rng): Tensor {
    const u = tf.mul(tf.matMul(dropout(x, this.cfg.dropout, training, rng), this.A, false, true), this.scale); // [N,r]
    return tf.matMul(u, this.B, false, true);
  }

  /** Adapter output in head-column layout: x [B,T,in] → [B,out,T]. */
  applyColumns(x: Tensor, training: boolean, rng: Rng): Tensor {
    const u = tf.mul(bmm(this.A, dropout(x, this.cfg.dropout, training, rng), false, true), this.scale); // [B,r,T]
    return bmm(this.B, u, false, false);
  }

  /** Adapter output from head columns: c [B,in,T] → [B,T,out]. */
  applyFromColumns(c: Tensor, training: boolean, rng: Rng): Tensor {
    const [b, , t] = c.shape;
    const u = tf.mul(bmm(dropout(c, this.cfg.dropout, training, rng), this.A, true, true), this.scale); // [B,T,r]
    return tf.reshape(tf.matMul(tf.reshape(u, [b * t, this.cfg.r]), this.B, false, true), [b, t, -1]);
  }

  variables(): Variable[] {
    return [this.A, this.B];
  }

  dispose(): void {
    tf.dispose([this.A, this.B]);
  }
}
