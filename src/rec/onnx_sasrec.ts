// Our SASRec's user tower as an ONNX graph (opset 17), the forward pass of sasrec.ts at inference:
// input history [batch, maxLen] int64, left-padded with 0 (the full width, so position p of a
// real item is its column + 1, padding 0); output user_vectors [batch, d], the final layer norm's
// output at the last column. Attention masks are additive −1e9 (causal, and keys at padding);
// padding rows are zeroed after the embedding and after every block, as in sasrec.ts.
import type { Variable } from '@tensorflow/tfjs-core';
import type { GraphSpec, NodeSpec, TensorSpec } from './onnx_proto.js';
import type { Sasrec } from './sasrec.js';

const LN_EPS = 1e-8; // sasrec.ts
const NEG = -1e9; // layers.ts attentionMask

export function sasrecGraph(model: Sasrec): GraphSpec {
  const { hidden: d, heads, maxLen: L } = model.cfg;
  const dh = d / heads;
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const node = (op: string, inputs: string[], output: string, attrs?: NodeSpec['attrs']): string => {
    nodes.push({ op, inputs, outputs: [output], attrs });
    return output;
  };
  const weight = (v: Variable): string => {
    initializers.push({ name: v.name, type: 'float32', dims: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) });
    return v.name;
  };
  const f32 = (name: string, dims: number[], data: Float32Array) => (initializers.push({ name, type: 'float32', dims, data }), name);
  const i64 = (name: string, values: number[]) => (
    initializers.push({ name, type: 'int64', dims: [values.length], data: BigInt64Array.from(values, BigInt) }),
    name
  );
  const linear = (x: string, w: Variable, b: Variable, out: string) =>
    node('Add', [node('MatMul', [x, weight(w)], `${out}.mm`), weight(b)], out);
  const norm = (x: string, g: Variable, b: Variable, out: string) =>
    node('LayerNormalization', [x, weight(g), weight(b)], out, { axis: { i: -1 }, epsilon: { f: LN_EPS } });

  const causal = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) causal[i * L + j] = NEG;
  f32('causal', [1, 1, L, L], causal);
  i64('ax_last', [2]);
  i64('ax_key', [1, 2]);
  i64('split', [0, 0, heads, dh]);
  i64('merge', [0, 0, d]);
  i64('last', [L - 1]);
  initializers.push({ name: 'zero', type: 'int64', dims: [], data: BigInt64Array.of(0n) });
  i64(
    'positions',
    Array.from({ length: L }, (_, i) => i + 1),
  );
  f32('sqrt_d', [], Float32Array.of(Math.sqrt(d)));
  f32('inv_sqrt_dh', [], Float32Array.of(1 / Math.sqrt(dh)));
  f32('one', [], Float32Array.of(1));
  f32('neg', [], Float32Array.of(NEG));

  const isItem = node('Not', [node('Equal', ['history', 'zero'], 'is_pad')], 'is_item');
  const keepFlat = node('Cast', [isItem], 'keep_flat', { to: { i: 1 } });
  const keep = node('Unsqueeze', [keepFlat, 'ax_last'], 'keep'); // [B, L, 1]
  const pos = node('Mul', [node('Cast', [isItem], 'is_item_i64', { to: { i: 7 } }), 'positions'], 'pos');
  const keyMask = node('Unsqueeze', [node('Mul', [node('Sub', ['one', keepFlat], 'pad_f'), 'neg'], 'key_neg'), 'ax_key'], 'key_mask'); // [B, 1, 1, L]
  const items = node('Mul', [node('Gather', [weight(model.itemEmb), 'history'], 'item_rows', { axis: { i: 0 } }), 'sqrt_d'], 'item_scaled');
  let x = node(
    'Mul',
    [node('Add', [items, node('Gather', [weight(model.posEmb), pos], 'pos_rows', { axis: { i: 0 } })], 'x_in'), keep],
    'x0',
  );
  const split = (t: string) =>
    node('Transpose', [node('Reshape', [t, 'split'], `${t}.split`)], `${t}.heads`, { perm: { ints: [0, 2, 1, 3] } });
  model.blocks.forEach((b, k) => {
    const p = `block${k}`;
    const q = norm(x, b.ln1g, b.ln1b, `${p}.q`);
    const Q = split(linear(q, b.wq, b.bq, `${p}.Q`));
    const K = split(linear(x, b.wk, b.bk, `${p}.K`));
    const V = split(linear(x, b.wv, b.bv, `${p}.V`));
    const Kt = node('Transpose', [K], `${p}.Kt`, { perm: { ints: [0, 1, 3, 2] } });
    const scores = node('Mul', [node('MatMul', [Q, Kt], `${p}.QK`), 'inv_sqrt_dh'], `${p}.scaled`);
    const masked = node('Add', [node('Add', [scores, 'causal'], `${p}.causal`), keyMask], `${p}.masked`);
    const attn = node('Softmax', [masked], `${p}.attn`, { axis: { i: -1 } });
    const ctx = node('Transpose', [node('MatMul', [attn, V], `${p}.ctx_h`)], `${p}.ctx_t`, { perm: { ints: [0, 2, 1, 3] } });
    const merged = node('Reshape', [ctx, 'merge'], `${p}.ctx`);
    const res = node('Add', [q, linear(merged, b.wo, b.bo, `${p}.o`)], `${p}.res`);
    const h = norm(res, b.ln2g, b.ln2b, `${p}.h`);
    const f = node('Relu', [linear(h, b.w1, b.b1, `${p}.f1`)], `${p}.relu`);
    x = node('Mul', [node('Add', [h, linear(f, b.w2, b.b2, `${p}.f2`)], `${p}.ffn`), keep], `${p}.out`);
  });
  const final = norm(x, model.lnfg, model.lnfb, 'final');
  const lastColumn = node('Gather', [final, 'last'], 'final_last', { axis: { i: 1 } }); // [B, 1, d]
  node('Squeeze', [lastColumn, i64('ax_column', [1])], 'user_vectors');
  return {
    inputs: [{ name: 'history', type: 'int64', shape: ['batch', L] }],
    outputs: [{ name: 'user_vectors', type: 'float32', shape: ['batch', d] }],
    nodes,
    initializers,
  };
}
