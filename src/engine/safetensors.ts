// safetensors files: u64 little-endian header length N, N bytes of JSON header (space-padded to a
// multiple of 8), then the tensor bytes. Writes F32/I32 atomically; reads F32/I32 and decodes
// F16/BF16 to Float32. Any malformed file is a one-line DataError naming the file and tensor.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomic } from './atomic.js';
import { DataError, UserError } from './errors.js';
import { bf16ToF32, f16ToF32 } from './half.js';

export type WriteTensor = { dtype: 'F32'; shape: number[]; data: Float32Array } | { dtype: 'I32'; shape: number[]; data: Int32Array };

/** A tensor as read back: `dtype` is what the file stores; F16 and BF16 arrive as Float32Array. */
export type ReadTensor =
  { dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; data: Float32Array } | { dtype: 'I32'; shape: number[]; data: Int32Array };
export type ReadDtype = ReadTensor['dtype'];

export interface Safetensors {
  tensors: Record<string, ReadTensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
const BYTES: Record<ReadDtype, number> = { F32: 4, I32: 4, F16: 2, BF16: 2 };
const MAX_HEADER = 100_000_000; // the reference implementation's limit
const CHUNK = 1 << 30; // largest single read

/** The file's bytes for these tensors (in the record's order) and string metadata. */
export function encodeSafetensors(tensors: Record<string, WriteTensor>, metadata?: Record<string, string>): Uint8Array {
  checkLittleEndian();
  const fields: [string, unknown][] = metadata === undefined ? [] : [[METADATA_KEY, metadata]];
  const entries = Object.entries(tensors);
  let offset = 0;
  for (const [name, t] of entries) {
    checkWritable(name, t);
    fields.push([name, { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }]);
    offset += t.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(Object.fromEntries(fields)), 'utf8');
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Writes a safetensors file atomically (temp file + rename). */
export function writeSafetensors(path: string, tensors: Record<string, WriteTensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads and validates a whole safetensors file; each tensor gets its own buffer. */
export function readSafetensors(path: string): Safetensors {
  checkLittleEndian();
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UserError(`cannot open ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return readOpen(fd, path);
  } finally {
    closeSync(fd);
  }
}

interface Entry {
  name: string;
  dtype: ReadDtype;
  shape: number[];
  begin: number;
  end: number;
}

function readOpen(fd: number, path: string): Safetensors {
  const fail = (message: string, field?: string) => new DataError({ file: path, field }, message);
  const stat = fstatSync(fd);
  if (!stat.isFile()) throw fail('not a regular file');
  const size = stat.size;
  if (size < 8) throw fail(`file is ${size} bytes, too short for a safetensors header length (8 bytes)`);
  const n = new DataView(readExact(fd, path, 0, 8).buffer).getBigUint64(0, true);
  if (n > BigInt(size - 8)) {
    throw fail(`header length ${n} runs past the end of the file (${size} bytes); not a safetensors file?`);
  }
  if (n > BigInt(MAX_HEADER)) throw fail(`header length ${n} is over the ${MAX_HEADER}-byte limit`);
  const headerLen = Number(n);
  const dataStart = 8 + headerLen;
  const dataLen = size - dataStart;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readExact(fd, path, 8, headerLen));
  } catch {
    throw fail('header is not UTF-8 text; not a safetensors file?', 'header');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw fail(`header is not JSON (${oneLine((err as Error).message)}); not a safetensors file?`, 'header');
  }
  if (!isObject(header)) throw fail('header is not a JSON object', 'header');

  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isObject(value)) throw fail('metadata is not an object', METADATA_KEY);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw fail(`metadata value is ${JSON.stringify(v)}, not a string`, `${METADATA_KEY}.${k}`);
        metadata.push([k, v]);
      }
      continue;
    }
    entries.push(parseEntry(name, value, dataLen, fail));
  }

  // The tensors must tile the data section exactly: no overlap, no gap, nothing after.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin < covered) throw fail(`data_offsets [${e.begin}, ${e.end}] overlap another tensor`, `${e.name}.data_offsets`);
    if (e.begin > covered) throw fail(`data_offsets start at ${e.begin}, leaving a gap after byte ${covered}`, `${e.name}.data_offsets`);
    covered = e.end;
  }
  if (covered !== dataLen) throw fail(`the tensors cover ${covered} of the ${dataLen} data bytes`);

  // fromEntries, not assignment, so a tensor named "__proto__" stays an ordinary key.
  const tensors = Object.fromEntries(
    entries.map((e) => [e.name, decode(e, readExact(fd, path, dataStart + e.begin, e.end - e.begin).buffer)]),
  );
  return { tensors, metadata: Object.fromEntries(metadata) };
}

function parseEntry(name: string, value: unknown, dataLen: number, fail: (message: string, field?: string) => DataError): Entry {
  if (!isObject(value)) throw fail('tensor entry is not an object', name);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) {
    throw fail(`dtype ${JSON.stringify(dtype)} is not supported (${Object.keys(BYTES).join(', ')})`, `${name}.dtype`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`, `${name}.shape`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`data_offsets ${JSON.stringify(offsets)} is not [begin, end]`, `${name}.data_offsets`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > dataLen) {
    throw fail(`data_offsets [${begin}, ${end}] lie outside the ${dataLen} data bytes`, `${name}.data_offsets`);
  }
  const d = dtype as ReadDtype;
  const need = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES[d];
  if (end - begin !== need) {
    throw fail(
      `data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape [${shape.join(', ')}] of ${d} needs ${need}`,
      `${name}.data_offsets`,
    );
  }
  return { name, dtype: d, shape: shape as number[], begin, end };
}

function decode(e: Entry, buf: ArrayBuffer): ReadTensor {
  switch (e.dtype) {
    case 'F32':
      return { dtype: 'F32', shape: e.shape, data: new Float32Array(buf) };
    case 'I32':
      return { dtype: 'I32', shape: e.shape, data: new Int32Array(buf) };
    case 'F16':
      return { dtype: 'F16', shape: e.shape, data: f16ToF32(new Uint16Array(buf)) };
    case 'BF16':
      return { dtype: 'BF16', shape: e.shape, data: bf16ToF32(new Uint16Array(buf)) };
  }
}

/** Reads exactly `length` bytes at `position` into a fresh, 0-offset buffer. */
function readExact(fd: number, path: string, position: number, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const got = readSync(fd, out, done, Math.min(CHUNK, length - done), position + done);
    if (got === 0) throw new DataError({ file: path }, `file ended at byte ${position + done} while reading`);
    done += got;
  }
  return out;
}

function checkWritable(name: string, t: WriteTensor): void {
  if (name === METADATA_KEY) throw new RangeError(`safetensors: "${METADATA_KEY}" is not a tensor name`);
  const want = t.dtype === 'F32' ? Float32Array : Int32Array;
  if (!(t.data instanceof want))
    throw new RangeError(`safetensors: tensor "${name}" is ${t.dtype} but its data is a ${t.data.constructor.name}`);
  if (!t.shape.every(isCount)) throw new RangeError(`safetensors: tensor "${name}" has shape [${t.shape}]`);
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (numel !== t.data.length) {
    throw new RangeError(`safetensors: tensor "${name}" has shape [${t.shape}] (${numel} values) but ${t.data.length} values`);
  }
}

function checkLittleEndian(): void {
  if (endianness() !== 'LE') throw new UserError('safetensors I/O needs a little-endian machine');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
