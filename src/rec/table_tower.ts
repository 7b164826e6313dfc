// f as a fixed table of user vectors (--rec-embeddings; MF-like): row u is user id u + 1's vector,
// whatever the history. It has no history model, so it answers only for known users and cannot be
// asked about an edited history: what needs that (leave-one-out attribution, re-scored training
// prefixes) is skipped by its callers with NO_HISTORY_MODEL.
import { UserError } from '../engine/errors.js';
import type { Table } from './tables.js';
import type { UserTower } from './tower.js';

export const NO_HISTORY_MODEL = 'f is a fixed table of user vectors (--rec-embeddings) with no history model';

export class TableTower implements UserTower {
  readonly kind = 'embeddings';
  readonly readsHistory = false;

  constructor(private readonly users: Table) {}

  get nUsers(): number {
    return this.users.rows;
  }

  userVectors(histories: readonly (readonly number[])[], users?: readonly number[]): Float32Array {
    if (users === undefined) throw new UserError(`${NO_HISTORY_MODEL}: it scores the data set's users only, not a history alone`);
    const d = this.users.dim;
    const out = new Float32Array(histories.length * d);
    histories.forEach((_, b) => {
      const u = users[b];
      if (!Number.isInteger(u) || u < 0 || u >= this.users.rows)
        throw new UserError(`unknown user id ${u + 1} (f's user table knows users 1..${this.users.rows})`);
      out.set(this.users.data.subarray(u * d, (u + 1) * d), b * d);
    });
    return out;
  }

  dispose(): void {}
}
