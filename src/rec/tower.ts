// A source of f's user vectors (the user tower of a two-tower f whose score is the dot product
// with its item table): our own tfjs SASRec or MF, a tower exported to ONNX (onnx_tower.ts), or
// a fixed table of user vectors (table_tower.ts). Recommender wraps one with the item table.
import { tf } from '../engine/tf.js';
import type { TargetModel } from './model.js';

export interface UserTower {
  readonly kind: string; // sasrec | mf | onnx | embeddings
  /** false: the vectors are fixed per user and cannot be asked about an edited history (no leave-one-out). */
  readonly readsHistory: boolean;
  /** User vectors [B, d] as a flat array; users are 0-based ids, one per history, when known. */
  userVectors(histories: readonly (readonly number[])[], users?: readonly number[]): Float32Array;
  /** Frees what the tower holds (tensors, a worker). */
  dispose(): void;
}

/** A model trained here (train-rec, distill): MF reads the user ids (user 0 when none are given), SASRec the histories. */
export class ModelTower implements UserTower {
  readonly readsHistory = true;

  constructor(readonly model: TargetModel) {}

  get kind(): string {
    return this.model.kind;
  }

  userVectors(histories: readonly (readonly number[])[], users?: readonly number[]): Float32Array {
    const t = this.model.userVectors(users ?? histories.map(() => 0), histories);
    const out = Float32Array.from(t.dataSync() as Float32Array);
    tf.dispose(t);
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }
}
