// The trained target model f as the explainer sees it: loaded from a train-rec folder
// (model.json + model.safetensors), it embeds any history, scores items and ranks the
// catalogue. Item ids are 1..nItems; histories are chronological.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine, type BackendChoice } from '../engine/backend.js';
import { DataError, UserError } from '../engine/errors.js';
import { readSafetensors } from '../engine/safetensors.js';
import { tf } from '../engine/tf.js';
import { buildModel } from './build.js';
import { importWeights } from '../engine/params.js';
import type { TrainRecConfig } from './config.js';
import type { TargetModel } from './model.js';

interface ModelJson {
  kind: string;
  config: TrainRecConfig;
  n_items: number;
  n_users: number;
  weights: string;
}

export class Recommender {
  private constructor(
    readonly model: TargetModel,
    readonly nItems: number,
    readonly nUsers: number,
    private readonly items: Float32Array, // [nItems + 1, d]
    readonly hidden: number,
  ) {}

  static async load(dir: string, backend: BackendChoice = 'auto'): Promise<Recommender> {
    const file = join(dir, 'model.json');
    if (!existsSync(file))
      throw new UserError(`${dir}: not a train-rec output folder (no model.json); train one with \`recexplainer train-rec\``);
    let meta: ModelJson;
    try {
      meta = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
    } catch (e) {
      throw new DataError({ file }, `invalid JSON: ${(e as Error).message}`);
    }
    if (meta.kind !== 'sasrec' && meta.kind !== 'mf')
      throw new DataError({ file, field: 'kind' }, `unknown model kind ${JSON.stringify(meta.kind)}`);
    await initEngine({ backend });
    const model = buildModel(meta.config, meta.n_items, meta.n_users);
    const weights = join(dir, meta.weights);
    importWeights(model.variables(), readSafetensors(weights).tensors, weights);
    return Recommender.of(model, meta.n_items, meta.n_users, meta.config.hidden);
  }

  /** f as a model in memory (the item table is copied now; the variables are shared, not copied). */
  static of(model: TargetModel, nItems: number, nUsers: number, hidden: number): Recommender {
    return new Recommender(model, nItems, nUsers, Float32Array.from(model.itemTable().dataSync() as Float32Array), hidden);
  }

  /** User vectors [B, d] as a flat array. users: 0-based ids (MF needs them; SASRec reads only the histories). */
  userVectors(histories: readonly (readonly number[])[], users?: readonly number[]): Float32Array {
    for (const h of histories) this.checkItems(h);
    const ids = users ?? histories.map(() => 0);
    const t = this.model.userVectors(ids, histories);
    const out = Float32Array.from(t.dataSync() as Float32Array);
    tf.dispose(t);
    return out;
  }

  /** f(history, item) for each item: the dot products, in the order given. */
  score(history: readonly number[], items: readonly number[], user?: number): Float32Array {
    this.checkItems(items);
    const u = this.userVectors([history], user === undefined ? undefined : [user]);
    const d = this.hidden;
    return Float32Array.from(items, (i) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += u[j] * this.items[i * d + j];
      return s;
    });
  }

  /** Scores of the whole catalogue [nItems + 1] (index = item id; index 0 is padding, −∞). */
  scoreAll(history: readonly number[], user?: number): Float32Array {
    const all = this.score(
      history,
      Array.from({ length: this.nItems }, (_, i) => i + 1),
      user,
    );
    const out = new Float32Array(this.nItems + 1);
    out[0] = -Infinity;
    out.set(all, 1);
    return out;
  }

  /** The k best items by f, best first, skipping the excluded ids (ties: lower id first). */
  topK(history: readonly number[], k: number, exclude: Iterable<number> = history, user?: number): number[] {
    const scores = this.scoreAll(history, user);
    const skip = new Set(exclude);
    const ids: number[] = [];
    for (let i = 1; i <= this.nItems; i++) if (!skip.has(i)) ids.push(i);
    ids.sort((a, b) => scores[b] - scores[a] || a - b);
    return ids.slice(0, k);
  }

  /** f's item table [nItems + 1, d] (row 0: padding); read-only. */
  itemTable(): Float32Array {
    return this.items;
  }

  /** f's embedding of one item [d] (a copy). */
  itemVector(item: number): Float32Array {
    this.checkItems([item]);
    return this.items.slice(item * this.hidden, (item + 1) * this.hidden);
  }

  private checkItems(items: readonly number[]): void {
    for (const i of items) {
      if (!Number.isInteger(i) || i < 1 || i > this.nItems)
        throw new UserError(`unknown item id ${i} (the model knows items 1..${this.nItems})`);
    }
  }
}
