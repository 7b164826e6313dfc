// Small ONNX user towers the ONNX tests write themselves (src/rec/onnx_proto.ts), each with the same
// computation in TypeScript to check against: (a) the masked mean of the history's item embeddings
// through a linear layer, (b) softmax-attention pooling with a learned query, then linear + tanh.
// Histories are fed as f feeds them: the last L items, left-padded with 0. Also a .npy writer.
import { writeFileSync } from 'node:fs';
import { Rng } from '../../src/engine/rng.js';
import { encodeOnnx, type ElemType, type GraphSpec, type NodeSpec, type TensorSpec } from '../../src/rec/onnx_proto.js';

export interface Tower {
  graph: GraphSpec;
  /** The user vector [d] of one history, computed here. */
  reference(history: readonly number[]): Float32Array;
}

export function randomTable(rows: number, cols: number, seed: number, scale = 0.5): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * cols }, () => (rng.next() * 2 - 1) * scale);
}

const f32 = (name: string, dims: number[], data: Float32Array): TensorSpec => ({ name, type: 'float32', dims, data });
const i64 = (name: string, values: number[]): TensorSpec => ({
  name,
  type: 'int64',
  dims: [values.length],
  data: BigInt64Array.from(values, BigInt),
});
const node = (op: string, inputs: string[], outputs: string[], attrs?: NodeSpec['attrs']): NodeSpec => ({ op, inputs, outputs, attrs });

/** x [k] · W [k, d] + b [d]. */
function linear(x: Float64Array, W: Float32Array, b: Float32Array, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, j) => x.reduce((s, xi, i) => s + xi * W[i * d + j], b[j]));
}

const lastL = (h: readonly number[], L: number) => h.slice(Math.max(0, h.length - L));

/** (a) mean over the items (mask input, float32) of E[h_t], then · W + b. Dynamic L; `historyType` changes only the declared input (a Cast follows). */
export function meanTower(
  nItems: number,
  k: number,
  d: number,
  L: number,
  opts: { historyType?: ElemType; embRows?: number; declaredWidth?: number | string } = {},
): Tower {
  const rows = opts.embRows ?? nItems + 1;
  const E = randomTable(rows, k, 11);
  const W = randomTable(k, d, 12);
  const b = randomTable(1, d, 13);
  const historyType = opts.historyType ?? 'int64';
  const ids = historyType === 'int64' ? 'history' : 'ids';
  const graph: GraphSpec = {
    inputs: [
      { name: 'history', type: historyType, shape: ['batch', 'len'] },
      { name: 'mask', type: 'float32', shape: ['batch', 'len'] },
    ],
    outputs: [{ name: 'user_vec', type: 'float32', shape: ['batch', opts.declaredWidth ?? d] }],
    nodes: [
      ...(historyType === 'int64' ? [] : [node('Cast', ['history'], ['ids'], { to: { i: 7 } })]),
      node('Gather', ['E', ids], ['g'], { axis: { i: 0 } }),
      node('Unsqueeze', ['mask', 'ax2'], ['m3']),
      node('Mul', ['g', 'm3'], ['gm']),
      node('ReduceSum', ['gm', 'ax1'], ['s'], { keepdims: { i: 0 } }),
      node('ReduceSum', ['mask', 'ax1'], ['c'], { keepdims: { i: 1 } }),
      node('Div', ['s', 'c'], ['mean']),
      node('MatMul', ['mean', 'W'], ['z']),
      node('Add', ['z', 'b'], ['user_vec']),
    ],
    initializers: [f32('E', [rows, k], E), f32('W', [k, d], W), f32('b', [d], b), i64('ax1', [1]), i64('ax2', [2])],
  };
  return {
    graph,
    reference(history) {
      const h = lastL(history, L);
      const mean = new Float64Array(k);
      for (const i of h) for (let c = 0; c < k; c++) mean[c] += E[i * k + c] / h.length;
      return Float32Array.from(linear(mean, W, b, d));
    },
  };
}

/** (b) a_t = softmax_t(E[h_t] · q / √k) over the items (padding, id 0, masked out in the graph), tanh(Σ a_t E[h_t] · W + b). Fixed L. */
export function attentionTower(nItems: number, k: number, d: number, L: number): Tower {
  const E = randomTable(nItems + 1, k, 21);
  const q = randomTable(k, 1, 22, 2);
  const W = randomTable(k, d, 23);
  const b = randomTable(1, d, 24);
  const graph: GraphSpec = {
    inputs: [{ name: 'item_ids', type: 'int64', shape: ['batch', L] }],
    outputs: [{ name: 'user', type: 'float32', shape: ['batch', d] }],
    nodes: [
      node('Gather', ['E', 'item_ids'], ['g'], { axis: { i: 0 } }),
      node('MatMul', ['g', 'q'], ['s0']),
      node('Mul', ['s0', 'scale'], ['s']),
      node('Equal', ['item_ids', 'zero'], ['pad']),
      node('Unsqueeze', ['pad', 'ax2'], ['pad3']),
      node('Where', ['pad3', 'neg', 's'], ['sm']),
      node('Softmax', ['sm'], ['a'], { axis: { i: 1 } }),
      node('Mul', ['g', 'a'], ['ga']),
      node('ReduceSum', ['ga', 'ax1'], ['p'], { keepdims: { i: 0 } }),
      node('MatMul', ['p', 'W'], ['z']),
      node('Add', ['z', 'b'], ['zb']),
      node('Tanh', ['zb'], ['user']),
    ],
    initializers: [
      f32('E', [nItems + 1, k], E),
      f32('q', [k, 1], q),
      f32('scale', [], Float32Array.of(1 / Math.sqrt(k))),
      f32('neg', [], Float32Array.of(-1e9)),
      { name: 'zero', type: 'int64', dims: [], data: BigInt64Array.of(0n) },
      f32('W', [k, d], W),
      f32('b', [d], b),
      i64('ax1', [1]),
      i64('ax2', [2]),
    ],
  };
  return {
    graph,
    reference(history) {
      const h = lastL(history, L);
      const s = h.map((i) => E.subarray(i * k, (i + 1) * k).reduce((acc, e, c) => acc + e * q[c], 0) / Math.sqrt(k));
      const m = Math.max(...s);
      const w = s.map((x) => Math.exp(x - m));
      const sum = w.reduce((a, x) => a + x, 0);
      const p = new Float64Array(k);
      h.forEach((i, t) => {
        for (let c = 0; c < k; c++) p[c] += (w[t] / sum) * E[i * k + c];
      });
      return Float32Array.from(linear(p, W, b, d), Math.tanh);
    },
  };
}

export function writeOnnx(file: string, graph: GraphSpec): string {
  writeFileSync(file, encodeOnnx(graph));
  return file;
}

/** A float32 .npy (format 1.0, C order). */
export function writeNpy(file: string, shape: number[], data: Float32Array): string {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  return file;
}
