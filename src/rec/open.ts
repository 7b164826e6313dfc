// f from where the flags say (source.ts): a train-rec folder (Recommender.load), an ONNX user tower
// with its item table, or fixed user and item tables whose widths must agree.
import type { BackendChoice } from '../engine/backend.js';
import { DataError } from '../engine/errors.js';
import { OnnxTower } from './onnx_tower.js';
import { Recommender } from './recommender.js';
import type { RecSource } from './source.js';
import { readTable } from './tables.js';
import { TableTower } from './table_tower.js';

export async function openRecommender(src: RecSource, backend: BackendChoice = 'auto'): Promise<Recommender> {
  if (src.kind === 'folder') return Recommender.load(src.dir, backend);
  const items = readTable(src.items, 'item_emb');
  if (items.rows < 2)
    throw new DataError({ file: src.items }, `has ${items.rows} row; the item table is [nItems + 1, d] with row 0 for padding`);
  if (src.kind === 'onnx') return new Recommender(OnnxTower.open(src.model, src, items.dim), items.data, null, items.dim);
  const users = readTable(src.users, 'user_emb');
  if (users.dim !== items.dim)
    throw new DataError({ file: src.users }, `user vectors are ${users.dim} wide but the item table ${src.items} is ${items.dim}`);
  return new Recommender(new TableTower(users), items.data, users.rows, items.dim);
}
