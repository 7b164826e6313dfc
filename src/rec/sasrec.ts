// SASRec (Kang & McAuley, ICDM'18): item + learned position embeddings, causal self-attention
// blocks with point-wise feed-forward, layer norms and residuals (the layout of the widely used
// PyTorch port). User embedding = output at the last position; score = dot with the item table.
// Sequences are left-padded with 0; the last column always has position maxLen, so a batch
// trimmed to its longest sequence computes exactly what the full-width batch would.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../engine/tf.js';
import { Rng } from '../engine/rng.js';
import { attentionMask, layerNorm, linear } from './layers.js';
import { constant, xavierNormal } from '../engine/params.js';
import { dropout } from '../engine/dropout.js';
import { bceLoss, softmaxCeLoss } from './loss.js';
import { TwoTower } from './model.js';
import { packBatch, trainBatch, type SeqBatch, type SplitUsers } from './samples.js';

export interface SasrecConfig {
  nItems: number; // catalogue size; ids 1..nItems, 0 = padding
  hidden: number; // d; default 50 (paper of RecExplainer: 256)
  maxLen: number; // history window; default 200 (RecExplainer: 9–16)
  blocks: number; // default 2
  heads: number; // default 1; must divide hidden
  dropout: number; // default 0.2
  loss: 'bce' | 'ce'; // one sampled negative per position (original) or full softmax (RecExplainer's code)
}

const LN_EPS = 1e-8;

interface Block {
  ln1g: Variable;
  ln1b: Variable;
  wq: Variable;
  bq: Variable;
  wk: Variable;
  bk: Variable;
  wv: Variable;
  bv: Variable;
  wo: Variable;
  bo: Variable;
  ln2g: Variable;
  ln2b: Variable;
  w1: Variable;
  b1: Variable;
  w2: Variable;
  b2: Variable;
}

export class Sasrec extends TwoTower {
  readonly kind = 'sasrec';
  readonly itemEmb: Variable; // [nItems+1, d]
  readonly posEmb: Variable; // [maxLen+1, d]
  readonly blocks: Block[] = [];
  readonly lnfg: Variable;
  readonly lnfb: Variable;

  constructor(
    readonly cfg: SasrecConfig,
    seed: number,
  ) {
    super();
    const { hidden: d, nItems, maxLen } = cfg;
    if (d % cfg.heads !== 0) throw new RangeError(`hidden ${d} is not divisible by heads ${cfg.heads}`);
    const rng = new Rng(seed);
    this.itemEmb = xavierNormal([nItems + 1, d], d, nItems + 1, rng, 'item_emb');
    this.posEmb = xavierNormal([maxLen + 1, d], d, maxLen + 1, rng, 'pos_emb');
    for (let i = 0; i < cfg.blocks; i++) {
      const p = `block${i}.`;
      const lin = (name: string) => xavierNormal([d, d], d, d, rng, p + name);
      this.blocks.push({
        ln1g: constant([d], 1, p + 'ln1.g'),
        ln1b: constant([d], 0, p + 'ln1.b'),
        wq: lin('attn.wq'),
        bq: constant([d], 0, p + 'attn.bq'),
        wk: lin('attn.wk'),
        bk: constant([d], 0, p + 'attn.bk'),
        wv: lin('attn.wv'),
        bv: constant([d], 0, p + 'attn.bv'),
        wo: lin('attn.wo'),
        bo: constant([d], 0, p + 'attn.bo'),
        ln2g: constant([d], 1, p + 'ln2.g'),
        ln2b: constant([d], 0, p + 'ln2.b'),
        w1: lin('ffn.w1'),
        b1: constant([d], 0, p + 'ffn.b1'),
        w2: lin('ffn.w2'),
        b2: constant([d], 0, p + 'ffn.b2'),
      });
    }
    this.lnfg = constant([d], 1, 'ln_f.g');
    this.lnfb = constant([d], 0, 'ln_f.b');
  }

  /** Every trainable variable by name (checkpoint order). */
  variables(): Variable[] {
    const v: Variable[] = [this.itemEmb, this.posEmb];
    for (const b of this.blocks)
      v.push(b.ln1g, b.ln1b, b.wq, b.bq, b.wk, b.bk, b.wv, b.bv, b.wo, b.bo, b.ln2g, b.ln2b, b.w1, b.b1, b.w2, b.b2);
    v.push(this.lnfg, this.lnfb);
    return v;
  }

  /** Hidden states for a batch: [B, T, d]. */
  forward(batch: SeqBatch, training: boolean, rng: Rng): Tensor {
    const { hidden: d, heads } = this.cfg;
    const B = batch.batch;
    const T = batch.len;
    const seq = tf.tensor2d(batch.seq, [B, T], 'int32');
    const pos = tf.tensor2d(batch.pos, [B, T], 'int32');
    const keep = tf.expandDims(tf.cast(tf.notEqual(seq, 0), 'float32'), -1); // [B,T,1]
    const [causal, keyMask] = attentionMask(batch.seq, B, T); // [1,1,T,T], [B,1,1,T]
    let x = tf.mul(tf.gather(this.itemEmb, seq), Math.sqrt(d));
    x = tf.add(x, tf.gather(this.posEmb, pos));
    x = tf.mul(dropout(x, this.cfg.dropout, training, rng), keep);
    const dh = d / heads;
    const split = (t: Tensor) => tf.transpose(tf.reshape(t, [B, T, heads, dh]), [0, 2, 1, 3]); // [B,h,T,dh]
    for (const b of this.blocks) {
      const q = layerNorm(x, b.ln1g, b.ln1b, LN_EPS);
      const Q = split(linear(q, b.wq, b.bq));
      const K = split(linear(x, b.wk, b.bk));
      const V = split(linear(x, b.wv, b.bv));
      const scores = tf.add(tf.add(tf.mul(tf.matMul(Q, K, false, true), 1 / Math.sqrt(dh)), causal), keyMask); // [B,h,T,T]
      const attn = dropout(tf.softmax(scores), this.cfg.dropout, training, rng);
      const ctx = tf.reshape(tf.transpose(tf.matMul(attn, V), [0, 2, 1, 3]), [B, T, d]);
      x = tf.add(q, linear(ctx, b.wo, b.bo));
      const h = layerNorm(x, b.ln2g, b.ln2b, LN_EPS);
      const f = dropout(tf.relu(linear(h, b.w1, b.b1)), this.cfg.dropout, training, rng);
      x = tf.mul(tf.add(h, dropout(linear(f, b.w2, b.b2), this.cfg.dropout, training, rng)), keep);
    }
    return layerNorm(x, this.lnfg, this.lnfb, LN_EPS);
  }

  loss(users: readonly number[], data: SplitUsers, rng: Rng): Tensor {
    const b = trainBatch(users, data, this.cfg.maxLen, rng);
    const h = this.forward(b.input, true, rng);
    return this.cfg.loss === 'bce'
      ? bceLoss(h, this.itemEmb, b.pos, b.neg, [b.input.batch, b.input.len])
      : softmaxCeLoss(h, this.itemEmb, b.pos);
  }

  /** The hidden state at the last position, [B, d]. */
  userVectors(_users: readonly number[], histories: readonly (readonly number[])[]): Tensor {
    const batch = packBatch(histories, this.cfg.maxLen);
    return tf.tidy(() => {
      const h = this.forward(batch, false, new Rng(0));
      return tf.reshape(tf.slice(h, [0, batch.len - 1, 0], [batch.batch, 1, this.cfg.hidden]), [batch.batch, this.cfg.hidden]);
    });
  }
}
