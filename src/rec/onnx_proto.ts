// Writing ONNX model files from TypeScript: the few messages of onnx.proto a graph of standard
// operators needs (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto with raw_data,
// ValueInfoProto), as a proto3 schema that protobufjs encodes. Field numbers are onnx.proto's
// (proto3 packs repeated numbers, which every protobuf reader accepts). Initializers are stored
// little-endian in raw_data; dims may be sizes or symbolic names (dynamic axes).
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package onnx;
message AttributeProto { string name = 1; float f = 2; int64 i = 3; repeated float floats = 7; repeated int64 ints = 8; int32 type = 20; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; repeated AttributeProto attribute = 5; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }
`;

const IR_VERSION = 8; // opsets up to 17
const OPSET = 17;
const ELEM = { float32: 1, int32: 6, int64: 7, bool: 9 } as const;
const ATTR = { f: 1, i: 2, floats: 6, ints: 7 } as const;

export type ElemType = keyof typeof ELEM;
export type Attr = { f: number } | { i: number } | { floats: number[] } | { ints: number[] };

export interface ValueSpec {
  name: string;
  type: ElemType;
  shape: (number | string)[]; // a size, or the name of a dynamic axis
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
}

export type TensorSpec = { name: string; dims: number[] } & (
  { type: 'float32'; data: Float32Array } | { type: 'int64'; data: BigInt64Array }
);

export interface GraphSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers: TensorSpec[];
}

let modelType: protobuf.Type | undefined;

function attribute(name: string, a: Attr): object {
  if ('f' in a) return { name, type: ATTR.f, f: a.f };
  if ('i' in a) return { name, type: ATTR.i, i: a.i };
  if ('floats' in a) return { name, type: ATTR.floats, floats: a.floats };
  return { name, type: ATTR.ints, ints: a.ints };
}

function valueInfo(v: ValueSpec): object {
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: ELEM[v.type], shape: { dim } } } };
}

/** The bytes of an ONNX model (opset 17) holding this graph. */
export function encodeOnnx(g: GraphSpec, producer = 'recexplainer'): Uint8Array {
  modelType ??= protobuf.parse(SCHEMA, { keepCase: false }).root.lookupType('onnx.ModelProto');
  const graph = {
    name: 'user_tower',
    node: g.nodes.map((n, k) => ({
      input: n.inputs,
      output: n.outputs,
      name: `${n.op.toLowerCase()}_${k}`,
      opType: n.op,
      attribute: Object.entries(n.attrs ?? {}).map(([name, a]) => attribute(name, a)),
    })),
    initializer: g.initializers.map((t) => ({
      name: t.name,
      dims: t.dims,
      dataType: ELEM[t.type],
      rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    })),
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
  };
  const model = { irVersion: IR_VERSION, producerName: producer, graph, opsetImport: [{ domain: '', version: OPSET }] };
  return modelType.encode(modelType.fromObject(model)).finish();
}
