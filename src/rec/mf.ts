// Matrix factorisation as a two-tower model: a user table and an item table, score = dot
// product, trained with BCE on each training interaction against one sampled negative.
// The user tower ignores the history: MF knows only the users it was trained on.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../engine/tf.js';
import { Rng } from '../engine/rng.js';
import { xavierNormal } from '../engine/params.js';
import { TwoTower } from './model.js';
import { negativeItem, type SplitUsers } from './samples.js';

export interface MfConfig {
  nItems: number;
  nUsers: number;
  hidden: number; // d
  l2: number; // L2 penalty on the looked-up rows
}

export class Mf extends TwoTower {
  readonly kind = 'mf';
  readonly userEmb: Variable; // [nUsers, d]
  readonly itemEmb: Variable; // [nItems + 1, d]

  constructor(
    readonly cfg: MfConfig,
    seed: number,
  ) {
    super();
    const rng = new Rng(seed);
    this.userEmb = xavierNormal([cfg.nUsers, cfg.hidden], cfg.hidden, cfg.nUsers, rng, 'user_emb');
    this.itemEmb = xavierNormal([cfg.nItems + 1, cfg.hidden], cfg.hidden, cfg.nItems + 1, rng, 'item_emb');
  }

  variables(): Variable[] {
    return [this.userEmb, this.itemEmb];
  }

  loss(users: readonly number[], data: SplitUsers, rng: Rng): Tensor {
    const u: number[] = [];
    const pos: number[] = [];
    const neg: number[] = [];
    for (const user of users) {
      for (const item of data.train[user]) {
        u.push(user);
        pos.push(item);
        neg.push(negativeItem(rng, data.nItems, data.seen[user]));
      }
    }
    const U = tf.gather(this.userEmb, tf.tensor1d(u, 'int32')); // [N,d]
    const P = tf.gather(this.itemEmb, tf.tensor1d(pos, 'int32'));
    const N = tf.gather(this.itemEmb, tf.tensor1d(neg, 'int32'));
    const lp = tf.mean(tf.softplus(tf.neg(tf.sum(tf.mul(U, P), -1))));
    const ln = tf.mean(tf.softplus(tf.sum(tf.mul(U, N), -1)));
    const reg = tf.mul(
      this.cfg.l2,
      tf.add(tf.add(tf.mean(tf.sum(tf.square(U), -1)), tf.mean(tf.sum(tf.square(P), -1))), tf.mean(tf.sum(tf.square(N), -1))),
    );
    return tf.add(tf.add(lp, ln), reg);
  }

  userVectors(users: readonly number[]): Tensor {
    return tf.gather(this.userEmb, tf.tensor1d([...users], 'int32'));
  }
}
