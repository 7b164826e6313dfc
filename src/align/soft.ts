// The vectors behind a record's soft tokens, from the target model f: a <user> token gets
// f's user embedding of exactly the recorded history (and its user, for an f that reads user ids:
// MF, a fixed user table), an <item> token f's item embedding. User vectors are computed in
// batches once per distinct user and history and cached. The whole item table feeds item tokens.
import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../engine/tf.js';
import type { Recommender } from '../rec/recommender.js';
import type { Soft } from '../tasks/forms.js';

const BATCH = 256;

export class SoftVectors {
  private readonly users = new Map<string, Float32Array>();

  constructor(readonly rec: Recommender) {}

  get dim(): number {
    return this.rec.hidden;
  }

  /** Computes (in batches) the user vectors of every user and history in `softs` not seen before. */
  prepare(softs: Iterable<Soft>): void {
    const todo = new Map<string, UserSoft>();
    for (const s of softs) if (s.kind === 'user' && !this.users.has(key(s))) todo.set(key(s), s);
    const d = this.dim;
    // a batch either names every user or none (a history typed in by hand has no user)
    for (const group of [[...todo.values()].filter((s) => s.user !== null), [...todo.values()].filter((s) => s.user === null)]) {
      for (let i = 0; i < group.length; i += BATCH) {
        const chunk = group.slice(i, i + BATCH);
        const flat = this.rec.userVectors(
          chunk.map((s) => s.history),
          chunk[0].user === null ? undefined : chunk.map((s) => s.user! - 1),
        );
        chunk.forEach((s, j) => this.users.set(key(s), flat.slice(j * d, (j + 1) * d)));
      }
    }
  }

  /** sqrt(d) / mean L2 norm of the item table (ids 1..n), or of the user vectors prepared so far: the projector input scales. */
  inputScales(): { user: number; item: number } {
    const d = this.dim;
    const meanNorm = (vs: Iterable<Float32Array>) => {
      let sum = 0;
      let n = 0;
      for (const v of vs) ((sum += Math.hypot(...v)), n++);
      return n && sum > 0 ? sum / n : Math.sqrt(d);
    };
    const items = Array.from({ length: this.rec.nItems }, (_, i) => this.rec.itemVector(i + 1));
    return { user: Math.sqrt(d) / meanNorm(this.users.values()), item: Math.sqrt(d) / meanNorm(items) };
  }

  /** f's item table [nItems, d], row i − 1 = item i: the inputs of item tokens. */
  itemTable(): Tensor {
    const d = this.dim;
    const n = this.rec.nItems;
    const flat = new Float32Array(n * d);
    for (let i = 1; i <= n; i++) flat.set(this.rec.itemVector(i), (i - 1) * d);
    return tf.tensor2d(flat, [n, d]);
  }

  /** The vector of one soft token [d]. */
  vector(s: Soft): Float32Array {
    if (s.kind === 'item') return this.rec.itemVector(s.item);
    if (!this.users.has(key(s))) this.prepare([s]);
    return this.users.get(key(s))!;
  }
}

type UserSoft = Extract<Soft, { kind: 'user' }>;

function key(s: UserSoft): string {
  return `${s.user ?? ''}:${s.history.join(',')}`;
}
