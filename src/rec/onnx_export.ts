// train-rec --export-onnx: our model's user tower as <out>/model.onnx, so that f can be read back
// as an ONNX f (--rec-onnx <out>/model.onnx --item-embeddings <out>/embeddings.safetensors). MF:
// inputs history [B, L] int64 (read by nothing: MF ignores it) and user_id [B] int64 (0-based),
// output user_vectors [B, d] = Gather(user_emb, user_id), exactly the folder's vectors. SASRec:
// the graph of onnx_sasrec.ts (its vectors equal the folder's up to float rounding).
import { Mf } from './mf.js';
import type { TargetModel } from './model.js';
import { encodeOnnx } from './onnx_proto.js';
import { sasrecGraph } from './onnx_sasrec.js';
import { Sasrec } from './sasrec.js';

export function userTowerOnnx(model: TargetModel): Uint8Array {
  if (model instanceof Sasrec) return encodeOnnx(sasrecGraph(model));
  if (!(model instanceof Mf)) throw new RangeError(`userTowerOnnx: no ONNX graph for ${model.kind}`);
  const { nUsers, hidden: d } = model.cfg;
  return encodeOnnx({
    inputs: [
      { name: 'history', type: 'int64', shape: ['batch', 'len'] },
      { name: 'user_id', type: 'int64', shape: ['batch'] },
    ],
    outputs: [{ name: 'user_vectors', type: 'float32', shape: ['batch', d] }],
    nodes: [{ op: 'Gather', inputs: ['user_emb', 'user_id'], outputs: ['user_vectors'], attrs: { axis: { i: 0 } } }],
    initializers: [
      { name: 'user_emb', type: 'float32', dims: [nUsers, d], data: Float32Array.from(model.userEmb.dataSync() as Float32Array) },
    ],
  });
}
