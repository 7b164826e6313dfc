// The target model f as the explainer sees it: a user tower (tower.ts: our own SASRec or MF loaded
// from a train-rec folder, a tower exported to ONNX, or a fixed user table; open.ts picks it from the
// flags) and an item table [nItems + 1, d] (row 0: padding). It embeds histories, scores items by
// the dot product and ranks the catalogue. Item ids are 1..nItems; histories are chronological.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine, type BackendChoice } from '../engine/backend.js';
import { DataError, UserError } from '../engine/errors.js';
import { readSafetensors } from '../engine/safetensors.js';
import { buildModel } from './build.js';
import { importWeights } from '../engine/params.js';
import type { TrainRecConfig } from './config.js';
import type { TargetModel } from './model.js';
import { ModelTower, type UserTower } from './tower.js';

interface ModelJson {
  kind: string;
  config: TrainRecConfig;
  n_items: number;
  n_users: number;
  weights: string;
}

export class Recommender {
  readonly nItems: number;

  /** items: the item table [nItems + 1, d] (row 0: padding); nUsers: null when f does not know the data set's users. */
  constructor(
    private readonly tower: UserTower,
    private readonly items: Float32Array,
    readonly nUsers: number | null,
    readonly hidden: number,
  ) {
    if (items.length % hidden !== 0 || items.length / hidden < 2)
      throw new RangeError(`an item table of ${items.length} values is not [nItems + 1, ${hidden}] with nItems ≥ 1`);
    this.nItems = items.length / hidden - 1;
  }

  /** sasrec, mf, onnx or embeddings. */
  get kind(): string {
    return this.tower.kind;
  }

  /** false when f is a fixed user table: it cannot be asked about an edited history (leave-one-out attribution is skipped). */
  get readsHistory(): boolean {
    return this.tower.readsHistory;
  }

  /** Our own model behind f (a train-rec or distill folder), else null. */
  get model(): TargetModel | null {
    return this.tower instanceof ModelTower ? this.tower.model : null;
  }

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
    return Recommender.of(model, meta.n_users, meta.config.hidden);
  }

  /** f as a model in memory (the item table is copied now; the variables are shared, not copied). */
  static of(model: TargetModel, nUsers: number, hidden: number): Recommender {
    return new Recommender(new ModelTower(model), Float32Array.from(model.itemTable().dataSync() as Float32Array), nUsers, hidden);
  }

  /** User vectors [B, d] as a flat array. users: 0-based ids, one per history (MF and a user table need them; SASRec reads only the histories). */
  userVectors(histories: readonly (readonly number[])[], users?: readonly number[]): Float32Array {
    for (const h of histories) this.checkItems(h);
    if (users !== undefined && users.length !== histories.length)
      throw new RangeError(`userVectors: ${users.length} users for ${histories.length} histories`);
    return this.tower.userVectors(histories, users);
  }

  /** f(history, item) for each item: the dot products, in the order given. */
  score(history: readonly number[], items: readonly number[], user?: number): Float32Array {
    this.checkItems(items);
    const u = this.userVectors([history], user === undefined ? undefined : [user]);
    return Float32Array.from(items, (i) => this.dot(u, i));
  }

  /** Scores of the whole catalogue [nItems + 1] (index = item id; index 0 is padding, −∞). */
  scoreAll(history: readonly number[], user?: number): Float32Array {
    return this.scoreVector(this.userVectors([history], user === undefined ? undefined : [user]));
  }

  /** scoreAll for a user vector [d] already computed (e.g. a soft token's). */
  scoreVector(u: Float32Array): Float32Array {
    if (u.length !== this.hidden) throw new RangeError(`scoreVector: a user vector of ${u.length} values, f's are ${this.hidden}`);
    const out = new Float32Array(this.nItems + 1);
    out[0] = -Infinity;
    for (let i = 1; i <= this.nItems; i++) out[i] = this.dot(u, i);
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

  /** Frees the tower (our model's variables, or the ONNX worker). */
  dispose(): void {
    this.tower.dispose();
  }

  /** u · item i's vector. */
  private dot(u: Float32Array, i: number): number {
    const d = this.hidden;
    let s = 0;
    for (let j = 0; j < d; j++) s += u[j] * this.items[i * d + j];
    return s;
  }

  private checkItems(items: readonly number[]): void {
    for (const i of items) {
      if (!Number.isInteger(i) || i < 1 || i > this.nItems)
        throw new UserError(`unknown item id ${i} (the model knows items 1..${this.nItems})`);
    }
  }
}
