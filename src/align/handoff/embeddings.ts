// f's vectors in the form the reference loads its target model (RecAI RecExplainer/src/models/MF.py
// and base_rec.py, read by sft_training.py as torch.load(path) → {config, state_dict}): an MF whose
// user_embedding row h is f's user vector of history h (data.ts, HistoryTable) and whose
// item_embedding row i is f's vector of item i, row 0 of each the padding (zeros), both times our
// projectors' fixed input scale. With rec_model_type MF the reference reads exactly these rows
// (user_embedding(uid), item_embedding(iid)), so any f (SASRec included) is handed over frozen.
// The tables go out as safetensors under the state_dict's names, with the config beside them; a
// short script in the job turns the two into the .pth on the GPU machine, where torch is.
import { USER_TOKEN } from '../../data/text_forms.js';
import type { WriteTensor } from '../../engine/safetensors.js';
import type { SoftVectors } from '../soft.js';
import type { HistoryTable } from './data.js';

export const REC_DIR = 'rec';
export const TABLES_FILE = 'embeddings.safetensors';
export const REC_CONFIG_FILE = 'config.json';
export const CHECKPOINT_SCRIPT = 'make_checkpoint.py';
export const CHECKPOINT_FILE = 'MF.pth';

/** user_embedding.weight [histories + 1, d] and item_embedding.weight [items + 1, d], scaled. */
export function recTables(
  vectors: SoftVectors,
  histories: HistoryTable,
  scale: { user: number; item: number },
): Record<string, WriteTensor> {
  const d = vectors.dim;
  const table = (rows: number, row: (i: number) => Float32Array, s: number): WriteTensor => {
    const data = new Float32Array((rows + 1) * d);
    for (let i = 1; i <= rows; i++)
      data.set(
        row(i).map((x) => x * s),
        i * d,
      );
    return { dtype: 'F32', shape: [rows + 1, d], data };
  };
  return {
    'user_embedding.weight': table(
      histories.rows.length,
      (h) => vectors.vector({ token: USER_TOKEN, kind: 'user', user: null, history: histories.rows[h - 1] }),
      scale.user,
    ),
    'item_embedding.weight': table(vectors.rec.nItems, (i) => vectors.rec.itemVector(i), scale.item),
  };
}

/** The MF config the reference's BaseRecommender reads (keys it indexes without a default included). */
export function recConfig(users: number, items: number, dim: number): Record<string, unknown> {
  return {
    model: 'MF',
    n_users: users,
    n_items: items,
    embedding_size: dim,
    has_user_emb: true,
    distance_type: 'dot',
    loss_type: 'bce',
    init_method: 'normal',
    init_mean: 0,
    init_std: 0.02,
  };
}

/** Writes rec/MF.pth from the tables and the config (run by the job's launch script). */
export const CHECKPOINT_PY = `# Writes ${CHECKPOINT_FILE}, the target-model checkpoint RecExplainer's sft_training.py loads
# (torch.load → {"config", "state_dict"}), from the tables and config recexplainer export-job wrote.
import json
import os

import torch
from safetensors.torch import load_file

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "${REC_CONFIG_FILE}")) as f:
    config = json.load(f)
state = load_file(os.path.join(here, "${TABLES_FILE}"))
torch.save({"config": config, "state_dict": state}, os.path.join(here, "${CHECKPOINT_FILE}"))
print("written", os.path.join(here, "${CHECKPOINT_FILE}"), {k: tuple(v.shape) for k, v in state.items()})
`;
