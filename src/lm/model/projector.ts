// The soft-token projector (RecExplainer's intention alignment): a recommender embedding
// [N,d] → ×scale → Linear(d → H/2) → GELU (exact, erf) → Linear(H/2 → H) → [N,H], the input vector
// of a <user> or <item> token. Separate instances for users and items; PyTorch's Linear init. The
// fixed input scale brings embeddings of any norm to ≈ unit RMS per coordinate, so a small item
// vector is not drowned by the first layer's bias.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';
import { Rng } from '../../engine/rng.js';
import { constant, paramName } from '../../engine/params.js';
import { UserError } from '../../engine/errors.js';

export type SoftKind = 'user' | 'item';

/** startLinear's bias: GELU(z) = z·Φ(z) ≈ z once z ≫ 0; on unit-RMS inputs a shift of 5 kept P_user(u)·P_item(e) at correlation 0.99 with f's u·e (README). */
const SHIFT = 5;
/** startLinear's default gain: unit-RMS inputs come out at RMS ≈ 0.2 per coordinate, as PyTorch's init gives them here. */
const LINEAR_GAIN = 0.28;

/** A model's projectors: one per soft-token kind, and with an untied item-token head its output rows' own (itemOut). */
export type Projectors = Partial<Record<SoftKind | 'itemOut', Projector>>;

/** A soft token of one sequence: its position and the recommender embedding that fills it. */
export interface SoftInput {
  pos: number;
  kind: SoftKind;
  vector: ArrayLike<number>;
}

export class Projector {
  readonly w1: Variable; // [H/2, d]
  readonly b1: Variable; // [H/2]
  readonly w2: Variable; // [H, H/2]
  readonly b2: Variable; // [H]

  /** name: e.g. "user_proj" or "item_proj" (the checkpoint prefix). */
  constructor(
    readonly inDim: number,
    readonly hidden: number,
    seed: number,
    name: string,
    readonly scale = 1,
  ) {
    if (!Number.isInteger(inDim) || inDim < 1) throw new RangeError(`projector: input size must be a positive integer, got ${inDim}`);
    if (!Number.isInteger(hidden) || hidden < 2 || hidden % 2 !== 0)
      throw new RangeError(`projector: hidden size must be an even integer ≥ 2, got ${hidden}`);
    if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`projector: input scale must be a positive number, got ${scale}`);
    const rng = new Rng(seed);
    const mid = hidden / 2;
    // nn.Linear: weight and bias ~ U(−1/√in, 1/√in)
    const uniform = (shape: number[], fanIn: number, n: string): Variable => {
      const v = constant(shape, 0, `${name}.${n}`);
      const b = 1 / Math.sqrt(fanIn);
      tf.tidy(() => v.assign(tf.randomUniform(shape, -b, b, 'float32', rng.nextU32())));
      return v;
    };
    this.w1 = uniform([mid, inDim], inDim, 'fc1.weight');
    this.b1 = uniform([mid], inDim, 'fc1.bias');
    this.w2 = uniform([hidden, mid], mid, 'fc2.weight');
    this.b2 = uniform([hidden], mid, 'fc2.bias');
  }

  /** x [N,d] → [N,H]. */
  forward(x: Tensor): Tensor {
    const a = tf.add(tf.matMul(this.scale === 1 ? x : tf.mul(x, this.scale), this.w1, false, true), this.b1); // [N,H/2]
    const g = tf.mul(tf.mul(a, 0.5), tf.add(tf.erf(tf.mul(a, Math.SQRT1_2)), 1));
    return tf.add(tf.matMul(g, this.w2, false, true), this.b2);
  }

  /**
   * Restart nearly linear: first layer `directions` [H/2,d] with every unit biased SHIFT into
   * GELU's linear range, second layer `gain` × an orthonormal [H,H/2] (seeded), its bias taking the
   * shift back off (P(0) = 0). Then P(x) ≈ gain · Q · directions · (scale · x), so two projectors
   * restarted with the same directions and seed have P(u)·P'(e) ≈ gain² · scale · scale' · u·Dᵀ·D·e.
   */
  startLinear(directions: Tensor, seed: number, gain = LINEAR_GAIN): this {
    tf.tidy(() => {
      const mid = this.hidden / 2;
      this.w1.assign(directions);
      this.b1.assign(tf.fill([mid], SHIFT));
      this.w2.assign(tf.mul(tf.linalg.qr(tf.randomNormal([this.hidden, mid], 0, 1, 'float32', seed))[0], gain));
      this.b2.assign(tf.zeros([this.hidden]));
      this.b2.assign(tf.neg(tf.squeeze(this.forward(tf.zeros([1, this.inDim])))));
    });
    return this;
  }

  /** A projector under another checkpoint name with this one's weights (copied), and this or another input scale. */
  copyAs(name: string, scale = this.scale): Projector {
    const p = new Projector(this.inDim, this.hidden, 0, name, scale);
    p.variables().forEach((v, i) => v.assign(this.variables()[i]));
    return p;
  }

  namedVariables(): Map<string, Variable> {
    return new Map([this.w1, this.b1, this.w2, this.b2].map((v) => [paramName(v), v]));
  }

  variables(): Variable[] {
    return [this.w1, this.b1, this.w2, this.b2];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/**
 * The soft tokens of a batch through their projectors, one matmul per kind: slots (row, position)
 * in the order of `vectors` [N,H] (users first, then items), or undefined when there are none.
 * `label(row)` names a row in the one-line errors (no projector for a kind, a vector of the wrong size).
 */
export function projectSoft(
  projectors: Partial<Record<SoftKind, Projector>>,
  rows: readonly (readonly SoftInput[])[],
  label: (row: number) => string,
): { slots: [number, number][]; vectors: Tensor } | undefined {
  const slots: [number, number][] = [];
  const parts: Tensor[] = [];
  for (const kind of ['user', 'item'] as const) {
    const raw: number[] = [];
    const proj = projectors[kind];
    rows.forEach((soft, b) => {
      for (const s of soft) {
        if (s.kind !== kind) continue;
        if (!proj)
          throw new UserError(
            `${label(b)} holds a <${kind}> soft token, but there is no ${kind} projector (a behaviour-aligned or base model cannot read it)`,
          );
        if (s.vector.length !== proj.inDim)
          throw new UserError(`${label(b)}: <${kind}> vector of ${s.vector.length} values, the projector takes ${proj.inDim}`);
        slots.push([b, s.pos]);
        for (let i = 0; i < s.vector.length; i++) raw.push(s.vector[i]);
      }
    });
    if (proj && raw.length > 0) parts.push(proj.forward(tf.tensor2d(raw, [raw.length / proj.inDim, proj.inDim])));
  }
  if (parts.length === 0) return undefined;
  return { slots, vectors: parts.length === 1 ? parts[0] : tf.concat(parts, 0) };
}
