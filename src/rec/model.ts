// The interface every target model implements (SASRec, MF): a two-tower scorer whose user
// tower reads a history (or a user id) and whose item tower is a table; score = dot product.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../engine/tf.js';
import type { Rng } from '../engine/rng.js';
import type { SplitUsers } from './samples.js';

export type ModelKind = 'sasrec' | 'mf';

export interface TargetModel {
  readonly kind: ModelKind;
  /** Named trainable variables (their names are the checkpoint keys). */
  variables(): Variable[];
  /** The training loss on a batch of user indices (0-based). */
  loss(users: readonly number[], data: SplitUsers, rng: Rng): Tensor;
  /** User vectors [B, d] for 0-based users with the given histories (ids 1..nItems). */
  userVectors(users: readonly number[], histories: readonly (readonly number[])[]): Tensor;
  /** The item table [nItems + 1, d]; row 0 is padding. */
  itemTable(): Tensor;
  /** Frees the variables. */
  dispose(): void;
  /** How many training sequences (SASRec) or interactions (MF) one epoch visits. */
  epochUnits(data: SplitUsers): number;
}

/** What both target models share: the item table, disposal, and an epoch = one pass over users. */
export abstract class TwoTower implements TargetModel {
  abstract readonly kind: ModelKind;
  abstract readonly itemEmb: Variable; // [nItems + 1, d]
  abstract variables(): Variable[];
  abstract loss(users: readonly number[], data: SplitUsers, rng: Rng): Tensor;
  abstract userVectors(users: readonly number[], histories: readonly (readonly number[])[]): Tensor;

  itemTable(): Tensor {
    return this.itemEmb;
  }

  dispose(): void {
    tf.dispose(this.variables());
  }

  /** Users with at least two training items (the others have nothing to learn from). */
  epochUnits(data: SplitUsers): number {
    return data.train.filter((t) => t.length > 1).length;
  }
}
