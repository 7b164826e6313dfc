// safetensors: byte-exact layout, round trips, F16/BF16 decoding, and one-line DataErrors for bad files.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, UserError } from '../../src/engine/errors.js';
import { encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/engine/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function tmp(name = 'x.safetensors'): string {
  return join(dir, `${counter++}-${name}`);
}

/** A safetensors file from a header object (serialised as given, space-padded) and raw data bytes. */
function rawFile(header: unknown, data: number[] | Uint8Array = []): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  out.set(data, 8 + n);
  return out;
}

function u16le(values: number[]): number[] {
  return values.flatMap((v) => [v & 0xff, v >> 8]);
}

function put(bytes: Uint8Array | string, name?: string): string {
  const p = tmp(name);
  writeFileSync(p, bytes);
  return p;
}

/** Asserts a one-line DataError whose message starts with the path and matches `re`. */
function throwsData(path: string, re: RegExp, field?: string): void {
  assert.throws(
    () => readSafetensors(path),
    (e: unknown) => {
      assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
      assert.ok(e.message.startsWith(path), e.message);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'one line');
      if (field !== undefined) assert.equal(e.where.field, field);
      return true;
    },
  );
}

test('a hand-built file: the writer produces exactly these bytes and the reader parses them', () => {
  const header =
    '{"__metadata__":{"format":"pt"},' +
    '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
    '"b":{"dtype":"I32","shape":[1,1],"data_offsets":[8,12]}}';
  assert.equal(header.length, 141); // → padded with 3 spaces to 144 = 0x90
  const expected = Uint8Array.from([
    0x90,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...Buffer.from(header + '   ', 'utf8'),
    0x00,
    0x00,
    0x80,
    0x3f, // 1.0f
    0x00,
    0x00,
    0x20,
    0xc0, // -2.5f
    0x07,
    0x00,
    0x00,
    0x00, // 7
  ]);
  const bytes = encodeSafetensors(
    {
      a: { dtype: 'F32', shape: [2], data: Float32Array.from([1, -2.5]) },
      b: { dtype: 'I32', shape: [1, 1], data: Int32Array.from([7]) },
    },
    { format: 'pt' },
  );
  assert.deepEqual(bytes, expected);

  const p = put(expected);
  const f = readSafetensors(p);
  assert.deepEqual(f.metadata, { format: 'pt' });
  assert.deepEqual(Object.keys(f.tensors), ['a', 'b']);
  assert.equal(f.tensors.a.dtype, 'F32');
  assert.deepEqual(f.tensors.a.shape, [2]);
  assert.deepEqual(f.tensors.a.data, Float32Array.from([1, -2.5]));
  assert.equal(f.tensors.b.dtype, 'I32');
  assert.deepEqual(f.tensors.b.shape, [1, 1]);
  assert.deepEqual(f.tensors.b.data, Int32Array.from([7]));
});

test('round trip: F32, I32, scalars, empty tensors, non-ASCII names, metadata; atomic write', () => {
  const big = new Float32Array(10_000).map((_, i) => Math.sin(i) * 1e3);
  const tensors = {
    'layer.0/weight': { dtype: 'F32' as const, shape: [100, 100], data: big },
    ids: { dtype: 'I32' as const, shape: [3], data: Int32Array.from([-2147483648, 0, 2147483647]) },
    scalar: { dtype: 'F32' as const, shape: [], data: Float32Array.from([3.25]) },
    empty: { dtype: 'I32' as const, shape: [0, 4], data: new Int32Array(0) },
    'émbedding·ü': { dtype: 'F32' as const, shape: [1], data: Float32Array.from([-0]) },
    // A view into a larger buffer: only its own bytes are written.
    view: { dtype: 'F32' as const, shape: [2], data: new Float32Array(big.buffer, 8, 2) },
  };
  const sub = join(tmp('dir'), 'nested');
  const p = join(sub, 'm.safetensors');
  writeSafetensors(p, tensors, { config: '{"d":64}', note: 'ünïcode' });
  writeSafetensors(p, tensors, { config: '{"d":64}', note: 'ünïcode' });
  assert.deepEqual(readdirSync(sub), ['m.safetensors'], 'no temp file left');
  const bytes = readFileSync(p);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to a multiple of 8');

  const f = readSafetensors(p);
  assert.deepEqual(f.metadata, { config: '{"d":64}', note: 'ünïcode' });
  assert.deepEqual(Object.keys(f.tensors), Object.keys(tensors));
  for (const [name, t] of Object.entries(tensors)) {
    assert.equal(f.tensors[name].dtype, t.dtype, name);
    assert.deepEqual(f.tensors[name].shape, t.shape, name);
    assert.deepEqual(f.tensors[name].data, t.data, name);
  }
  assert.ok(Object.is(f.tensors['émbedding·ü'].data[0], -0));

  const none = tmp();
  writeSafetensors(none, {});
  assert.deepEqual(readSafetensors(none), { tensors: {}, metadata: {} });
});

test('a tensor named __proto__ stays an ordinary entry', () => {
  const tensors = Object.fromEntries([['__proto__', { dtype: 'F32' as const, shape: [1], data: Float32Array.from([5]) }]]);
  const p = tmp();
  writeSafetensors(p, tensors);
  const f = readSafetensors(p);
  assert.deepEqual(Object.keys(f.tensors), ['__proto__']);
  assert.deepEqual(Object.getPrototypeOf(f.tensors), Object.prototype);
});

test('F16 decodes 1, -2, 0.5, 65504, subnormals, ±0, ±Inf and NaN', () => {
  const bits = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555];
  const want = [1, -2, 0.5, 65504, 2 ** -24, 1023 * 2 ** -24, -0, Infinity, -Infinity, NaN, 0.333251953125];
  const p = put(rawFile({ h: { dtype: 'F16', shape: [bits.length], data_offsets: [0, 2 * bits.length] } }, u16le(bits)));
  const t = readSafetensors(p).tensors.h;
  assert.equal(t.dtype, 'F16');
  assert.ok(t.data instanceof Float32Array);
  assert.deepEqual([...t.data], want);
});

test('BF16 decodes 1, -2, 0.5, 65280, a subnormal, Inf and NaN', () => {
  const bits = [0x3f80, 0xc000, 0x3f00, 0x477f, 0x0001, 0x7f80, 0xff80, 0x7fc0, 0x4049];
  const want = [1, -2, 0.5, 65280, 2 ** -133, Infinity, -Infinity, NaN, 3.140625];
  const p = put(rawFile({ b: { dtype: 'BF16', shape: [3, 3], data_offsets: [0, 18] } }, u16le(bits)));
  const t = readSafetensors(p).tensors.b;
  assert.equal(t.dtype, 'BF16');
  assert.deepEqual(t.shape, [3, 3]);
  assert.deepEqual([...t.data], want);
});

test('truncated files: before the length, inside the header, inside the data', () => {
  const good = encodeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
  throwsData(put(good.subarray(0, 5)), /5 bytes, too short/);
  throwsData(put(new Uint8Array(0)), /0 bytes, too short/);
  throwsData(put(good.subarray(0, 20)), /header length \d+ runs past the end of the file \(20 bytes\)/);
  throwsData(put(good.subarray(0, good.length - 3)), /data_offsets \[0, 16\] lie outside the 13 data bytes/, 'w.data_offsets');
  const p = put(good);
  truncateSync(p, good.length - 16);
  throwsData(p, /lie outside the 0 data bytes/, 'w.data_offsets');
});

test('foreign files: PNG, JSON, text, a directory, a missing path', () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  throwsData(put(png, 'a.png'), /runs past the end of the file \(16 bytes\); not a safetensors file\?/);
  throwsData(put('{"users": 10, "items": [1, 2, 3]}\n', 'stats.json'), /runs past the end/);
  throwsData(put('hi there', 'eight.txt'), /runs past the end/);
  const d = tmp('folder');
  mkdirSync(d);
  throwsData(d, /not a regular file/);
  const missing = join(dir, 'nope.safetensors');
  assert.throws(
    () => readSafetensors(missing),
    (e: unknown) => e instanceof UserError && !(e instanceof DataError) && e.message === `cannot open ${missing}: ENOENT`,
  );
});

test('a header length that lies: too long, too short, or over the limit', () => {
  const good = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) } });
  const n = Number(Buffer.from(good).readBigUInt64LE(0));
  const lie = (len: bigint) => {
    const b = Uint8Array.from(good);
    new DataView(b.buffer).setBigUint64(0, len, true);
    return put(b);
  };
  throwsData(lie(BigInt(n + 100)), new RegExp(`header length ${n + 100} runs past the end of the file \\(${good.length} bytes\\)`));
  throwsData(lie(2n ** 64n - 1n), /header length 18446744073709551615 runs past the end/);
  throwsData(lie(BigInt(n - 8)), /header is not JSON \(.+\); not a safetensors file\?/, 'header');
  const huge = new Uint8Array(8 + 100_000_008);
  new DataView(huge.buffer).setBigUint64(0, 100_000_008n, true);
  throwsData(put(huge), /over the 100000000-byte limit/);
});

test('bad headers name the tensor and field', () => {
  throwsData(put(rawFile([1, 2])), /header is not a JSON object/, 'header');
  const latin1 = rawFile({});
  latin1.set([0xff, 0xfe], 8);
  throwsData(put(latin1), /header is not UTF-8/, 'header');
  throwsData(
    put(rawFile({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))),
    /dtype "F64" is not supported \(F32, I32, F16, BF16\)/,
    'w.dtype',
  );
  throwsData(put(rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))), /dtype undefined is not supported/, 'w.dtype');
  throwsData(put(rawFile({ w: 3 })), /tensor entry is not an object/, 'w');
  throwsData(
    put(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4))),
    /shape \[-1\] is not a list/,
    'w.shape',
  );
  throwsData(
    put(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4] } }, new Uint8Array(4))),
    /data_offsets \[4\] is not \[begin, end\]/,
    'w.data_offsets',
  );
  throwsData(put(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4))), /lie outside/, 'w.data_offsets');
  throwsData(
    put(rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))),
    /data_offsets \[0, 8\] hold 8 bytes, shape \[3\] of F32 needs 12/,
    'w.data_offsets',
  );
  throwsData(put(rawFile({ __metadata__: { a: 1 } })), /metadata value is 1, not a string/, '__metadata__.a');
  throwsData(put(rawFile({ __metadata__: 'x' })), /metadata is not an object/, '__metadata__');
});

test('data_offsets must tile the data: overlap, gap and trailing bytes are errors', () => {
  const two = (a: [number, number], b: [number, number], len: number) =>
    put(
      rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: a }, b: { dtype: 'F32', shape: [2], data_offsets: b } }, new Uint8Array(len)),
    );
  throwsData(two([0, 8], [4, 12], 12), /data_offsets \[4, 12\] overlap another tensor/, 'b.data_offsets');
  throwsData(two([0, 8], [0, 8], 8), /overlap/, 'b.data_offsets');
  throwsData(two([0, 8], [12, 20], 20), /start at 12, leaving a gap after byte 8/, 'b.data_offsets');
  throwsData(two([0, 8], [8, 16], 20), /the tensors cover 16 of the 20 data bytes/);
  const ok = readSafetensors(two([8, 16], [0, 8], 16)); // out-of-order offsets are fine
  assert.deepEqual(Object.keys(ok.tensors), ['a', 'b']);
});

test('the writer rejects tensors that do not match their dtype or shape', () => {
  const p = tmp();
  const bad = (t: unknown) => () => writeSafetensors(p, { t } as Parameters<typeof writeSafetensors>[1]);
  assert.throws(bad({ dtype: 'F32', shape: [2], data: new Int32Array(2) }), /is F32 but its data is a Int32Array/);
  assert.throws(bad({ dtype: 'I32', shape: [2], data: new Float32Array(2) }), /is I32 but its data is a Float32Array/);
  assert.throws(bad({ dtype: 'F32', shape: [3], data: new Float32Array(2) }), /\(3 values\) but 2 values/);
  assert.throws(bad({ dtype: 'F32', shape: [1.5], data: new Float32Array(2) }), RangeError);
  assert.throws(() => writeSafetensors(p, { __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } }), /not a tensor name/);
});
