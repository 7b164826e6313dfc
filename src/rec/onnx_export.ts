// train-rec --export-onnx: our MF's user tower as <out>/model.onnx, so that f can be read back as
// an ONNX f (--rec-onnx <out>/model.onnx --item-embeddings <out>/embeddings.safetensors) and give
// exactly what the folder gives. Inputs: history [B, L] int64 (left-padded, read by nothing: MF
// ignores it) and user_id [B] int64 (0-based); output: user_vectors [B, d] = Gather(user_emb, user_id).
import { Mf } from './mf.js';
import type { TargetModel } from './model.js';
import { encodeOnnx } from './onnx_proto.js';

export function userTowerOnnx(model: TargetModel): Uint8Array {
  if (!(model instanceof Mf)) throw new RangeError(`userTowerOnnx: MF only, got ${model.kind}`);
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
