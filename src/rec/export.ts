// Export for the explainer: <out>/embeddings.safetensors with
//   item_emb [nItems+1, d]  row r = item id r (row 0 = padding)
//   user_emb [nUsers, d]    row u = user id u+1, from the history that predicts the test item
// and a JSON __metadata__ describing shapes, ids and the model; plus model.json (the config
// a later stage needs to rebuild the model for any history).
import { join } from 'node:path';
import { writeJsonAtomic } from '../engine/atomic.js';
import { writeSafetensors } from '../engine/safetensors.js';
import { tf } from '../engine/tf.js';
import type { TrainRecConfig } from './config.js';
import { historyFor } from './evaluate.js';
import type { TargetModel } from './model.js';
import type { SplitUsers } from './samples.js';

export function exportEmbeddings(out: string, model: TargetModel, data: SplitUsers, cfg: TrainRecConfig, batchSize = 256): void {
  const nUsers = data.train.length;
  const items = model.itemTable().dataSync() as Float32Array;
  const d = cfg.hidden;
  const users = new Float32Array(nUsers * d);
  for (let start = 0; start < nUsers; start += batchSize) {
    const ids = Array.from({ length: Math.min(batchSize, nUsers - start) }, (_, i) => start + i);
    const t = model.userVectors(
      ids,
      ids.map((u) => historyFor(data, u, 'test')),
    );
    users.set(t.dataSync() as Float32Array, start * d);
    tf.dispose(t);
  }
  const meta = {
    model: cfg.model,
    hidden: String(d),
    n_items: String(data.nItems),
    n_users: String(nUsers),
    item_rows: 'row r = item id r; row 0 is padding',
    user_rows: 'row u = user id u+1; vector from train + valid history (predicts the test item)',
    score: 'dot(user_emb[u], item_emb[i])',
  };
  writeSafetensors(
    join(out, 'embeddings.safetensors'),
    {
      item_emb: { dtype: 'F32', shape: [data.nItems + 1, d], data: Float32Array.from(items) },
      user_emb: { dtype: 'F32', shape: [nUsers, d], data: users },
    },
    meta,
  );
  writeJsonAtomic(join(out, 'model.json'), {
    kind: cfg.model,
    config: cfg,
    n_items: data.nItems,
    n_users: nUsers,
    weights: 'model.safetensors',
  });
}
