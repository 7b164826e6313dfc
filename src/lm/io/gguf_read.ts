// GGUF (v2/v3) reader: metadata key/values, tensor infos, and tensors dequantised to Float32 in
// Hugging Face shape order (dims reversed) for F32/F16/BF16 and the block types of ggml_quants.ts
// (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K). Any other tensor type, a row length that is not
// a multiple of its block, a truncated or foreign file is a one-line DataError naming the file.
import { readFileSync } from 'node:fs';
import { DataError } from '../../engine/errors.js';
import { bf16ToF32, f16ToF32 } from '../../engine/half.js';
import { BLOCK_CODECS, dequantize } from './ggml_quants.js';

export type GgufValue = number | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  dims: number[]; // ggml order: innermost first
  type: number; // ggml type id
  offset: number; // relative to the data section
}

export interface Gguf {
  file: string;
  version: number;
  metadata: Record<string, GgufValue>;
  tensors: Map<string, GgufTensorInfo>;
  dataStart: number; // absolute byte offset of the data section
  bytes: Uint8Array;
}

export const GGML_F32 = 0;
export const GGML_F16 = 1;
export const GGML_BF16 = 30;
const TYPE_NAMES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  6: 'Q5_0',
  7: 'Q5_1',
  8: 'Q8_0',
  9: 'Q8_1',
  10: 'Q2_K',
  11: 'Q3_K',
  12: 'Q4_K',
  13: 'Q5_K',
  14: 'Q6_K',
  15: 'Q8_K',
  24: 'I8',
  25: 'I16',
  26: 'I32',
  27: 'I64',
  28: 'F64',
  30: 'BF16',
};

export function ggmlTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

/** A bounds-checked little-endian cursor over the file's bytes. */
class Cursor {
  pos = 0;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): number {
    if (this.pos + n > this.bytes.length)
      throw new DataError({ file: this.file }, `file ended at byte ${this.bytes.length} while reading ${what} (truncated?)`);
    const p = this.pos;
    this.pos += n;
    return p;
  }
  u32(what: string): number {
    return this.view.getUint32(this.need(4, what), true);
  }
  u64(what: string): number {
    const v = this.view.getBigUint64(this.need(8, what), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DataError({ file: this.file }, `${what} ${v} is implausibly large (corrupt file?)`);
    return Number(v);
  }
  str(what: string): string {
    const n = this.u64(what);
    const p = this.need(n, what);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + p, n).toString('utf8');
  }
  value(type: number, what: string): GgufValue {
    const v = this.view;
    switch (type) {
      case 0:
        return v.getUint8(this.need(1, what));
      case 1:
        return v.getInt8(this.need(1, what));
      case 2:
        return v.getUint16(this.need(2, what), true);
      case 3:
        return v.getInt16(this.need(2, what), true);
      case 4:
        return v.getUint32(this.need(4, what), true);
      case 5:
        return v.getInt32(this.need(4, what), true);
      case 6:
        return v.getFloat32(this.need(4, what), true);
      case 7:
        return v.getUint8(this.need(1, what)) !== 0;
      case 8:
        return this.str(what);
      case 9: {
        const elem = this.u32(what);
        const n = this.u64(what);
        if (elem === 9) throw new DataError({ file: this.file }, `${what}: nested arrays are not supported`);
        const out: GgufValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.value(elem, what));
        return out;
      }
      case 10:
        return Number(v.getBigUint64(this.need(8, what), true));
      case 11:
        return Number(v.getBigInt64(this.need(8, what), true));
      case 12:
        return v.getFloat64(this.need(8, what), true);
      default:
        throw new DataError({ file: this.file }, `${what}: unknown metadata value type ${type} (corrupt file?)`);
    }
  }
}

/** Parses the header of a .gguf file (the whole file is read into memory). */
export function readGguf(file: string): Gguf {
  return parseGguf(readFileSync(file), file);
}

/** Why bytes that should open a .gguf file do not, or null: they must start with the magic "GGUF". */
export function notGguf(head: Uint8Array): string | null {
  return head.length >= 4 && Buffer.from(head.subarray(0, 4)).toString('latin1') === 'GGUF'
    ? null
    : 'not a GGUF file (no "GGUF" magic at the start)';
}

export function parseGguf(bytes: Uint8Array, file: string): Gguf {
  const c = new Cursor(bytes, file);
  const bad = notGguf(bytes);
  if (bad) throw new DataError({ file }, bad);
  c.pos = 4;
  const version = c.u32('the version');
  if (version !== 2 && version !== 3) throw new DataError({ file }, `GGUF version ${version} is not supported (2 or 3)`);
  const nTensors = c.u64('the tensor count');
  const nKv = c.u64('the metadata count');
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < nKv; i++) {
    const key = c.str(`metadata key ${i}`);
    metadata[key] = c.value(c.u32(`the type of "${key}"`), `"${key}"`);
  }
  const tensors = new Map<string, GgufTensorInfo>();
  for (let i = 0; i < nTensors; i++) {
    const name = c.str(`tensor name ${i}`);
    const nDims = c.u32(`the dimension count of ${name}`);
    if (nDims > 4) throw new DataError({ file, field: name }, `${nDims} dimensions (corrupt file?)`);
    const dims = Array.from({ length: nDims }, () => c.u64(`the dimensions of ${name}`));
    tensors.set(name, { name, dims, type: c.u32(`the type of ${name}`), offset: c.u64(`the offset of ${name}`) });
  }
  const align = metadata['general.alignment'] ?? 32;
  if (typeof align !== 'number' || !(align > 0))
    throw new DataError({ file, field: 'general.alignment' }, `invalid alignment ${JSON.stringify(align)}`);
  const dataStart = Math.ceil(c.pos / align) * align;
  return { file, version, metadata, tensors, dataStart, bytes };
}

/** Number of elements of a tensor. */
export function numel(info: GgufTensorInfo): number {
  return info.dims.reduce((a, b) => a * b, 1);
}

/** Bytes of a tensor's data: a DataError for a type we cannot read or rows that split its blocks. */
function dataSize(g: Gguf, info: GgufTensorInfo): number {
  const n = numel(info);
  if (info.type === GGML_F32) return 4 * n;
  if (info.type === GGML_F16 || info.type === GGML_BF16) return 2 * n;
  const codec = BLOCK_CODECS.get(info.type);
  if (!codec)
    throw new DataError(
      { file: g.file, field: info.name },
      `unsupported tensor type ${ggmlTypeName(info.type)} in ${info.name} (supported: F32, F16, BF16, ${[...BLOCK_CODECS.values()].map((c) => c.name).join(', ')}); requantise the file with llama.cpp's llama-quantize`,
    );
  if (info.dims[0] % codec.values !== 0)
    throw new DataError(
      { file: g.file, field: info.name },
      `${codec.name} tensor ${info.name} has rows of ${info.dims[0]} values, not a multiple of its block of ${codec.values}`,
    );
  return (n / codec.values) * codec.bytes;
}

/** A tensor's values as Float32 and its shape in HF order (outermost first). */
export function ggufTensor(g: Gguf, name: string): { shape: number[]; data: Float32Array } {
  const info = g.tensors.get(name);
  if (!info) throw new DataError({ file: g.file, field: name }, 'missing tensor');
  const size = dataSize(g, info);
  const start = g.dataStart + info.offset;
  if (start + size > g.bytes.length)
    throw new DataError(
      { file: g.file, field: name },
      `tensor data runs past the end of the file (byte ${start + size} of ${g.bytes.length}; truncated?)`,
    );
  const shape = [...info.dims].reverse();
  const codec = BLOCK_CODECS.get(info.type);
  if (codec) return { shape, data: dequantize(codec, g.bytes.subarray(start, start + size), numel(info)) };
  const raw = new Uint8Array(size); // fresh, aligned copy (Buffer.slice would be a view)
  raw.set(g.bytes.subarray(start, start + size));
  if (info.type === GGML_F32) return { shape, data: new Float32Array(raw.buffer) };
  if (info.type === GGML_F16) return { shape, data: f16ToF32(new Uint16Array(raw.buffer)) };
  return { shape, data: bf16ToF32(new Uint16Array(raw.buffer)) };
}
