// The R serialization reader against hand-built XDR bytes: vectors with NA, factors, a data.frame,
// symbol back-references, the .rdb/.rdx container (zlib and typed compression), and damaged input.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { DataError } from '../../src/engine/errors.js';
import { dataFrameColumns, NA_INTEGER, readLazyLoadDb, unserialize } from '../../src/data/rdata.js';

const UTF8 = 1 << 3;
const LATIN1 = 1 << 2;
const HAS_ATTR = 1 << 9;
const IS_OBJ = 1 << 8;

function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** A minimal XDR encoder; repeated symbols become REFSXP back-references, as R writes them. */
class Encoder {
  private readonly symbols = new Map<string, number>();

  static header(): Buffer {
    return Buffer.concat([Buffer.from('X\n'), int(3), int(0x040101), int(0x030500), int(5), Buffer.from('UTF-8')]);
  }

  char(s: string | null, encoding: 'utf8' | 'latin1' = 'utf8'): Buffer {
    if (s === null) return Buffer.concat([int(9), int(-1)]);
    const bytes = Buffer.from(s, encoding);
    return Buffer.concat([int(9 | ((encoding === 'utf8' ? UTF8 : LATIN1) << 12)), int(bytes.length), bytes]);
  }

  sym(name: string): Buffer {
    const ref = this.symbols.get(name);
    if (ref !== undefined) return int(255 | (ref << 8));
    this.symbols.set(name, this.symbols.size + 1);
    return Buffer.concat([int(1), this.char(name)]);
  }

  attrs(pairs: [string, Buffer][]): Buffer {
    const cells = pairs.map(([tag, value]) => Buffer.concat([int(2 | (1 << 10)), this.sym(tag), value]));
    return Buffer.concat([...cells, int(254)]);
  }

  private vector(type: number, body: Buffer[], n: number, attrs?: [string, Buffer][]): Buffer {
    const isObj = attrs?.some(([t]) => t === 'class') ? IS_OBJ : 0;
    const flags = type | (attrs ? HAS_ATTR | isObj : 0);
    return Buffer.concat([int(flags), int(n), ...body, ...(attrs ? [this.attrs(attrs)] : [])]);
  }

  ints(xs: number[], attrs?: [string, Buffer][]): Buffer {
    return this.vector(13, xs.map(int), xs.length, attrs);
  }

  lgls(xs: number[]): Buffer {
    return this.vector(10, xs.map(int), xs.length);
  }

  reals(xs: (number | 'NA')[]): Buffer {
    const body = xs.map((x) => {
      const b = Buffer.alloc(8);
      if (x === 'NA') {
        b.writeUInt32BE(0x7ff00000, 0); // R's NA_real_: a NaN with payload 1954
        b.writeUInt32BE(1954, 4);
      } else b.writeDoubleBE(x);
      return b;
    });
    return this.vector(14, body, xs.length);
  }

  strs(xs: (string | null)[], attrs?: [string, Buffer][]): Buffer {
    return this.vector(
      16,
      xs.map((s) => this.char(s)),
      xs.length,
      attrs,
    );
  }

  list(xs: Buffer[], attrs?: [string, Buffer][]): Buffer {
    return this.vector(19, xs, xs.length, attrs);
  }
}

function serialize(build: (e: Encoder) => Buffer): Buffer {
  return Buffer.concat([Encoder.header(), build(new Encoder())]);
}

const WHERE = { file: 'test.rds' };
const tempDirs: string[] = [];
after(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function sampleFrame(e: Encoder): Buffer {
  const factor = e.ints(
    [2, 1, NA_INTEGER, 2],
    [
      ['levels', e.strs(['lo', 'hi'])],
      ['class', e.strs(['factor'])],
    ],
  );
  return e.list(
    [e.ints([1, 2, NA_INTEGER, 4]), factor, e.reals([0.5, 'NA', 2, -1]), e.strs(['a', null, 'c', 'd']), e.lgls([1, 0, NA_INTEGER, 1])],
    [
      ['names', e.strs(['id', 'level', 'score', 'name', 'flag'])],
      ['class', e.strs(['data.frame'])],
      ['row.names', e.ints([NA_INTEGER, -4])],
    ],
  );
}

/** Writes name → serialization entries as a lazy-load .rdb/.rdx pair; returns the .rdb path. */
function writeDb(entries: Record<string, Buffer>, compressed: 'true' | 3 = 'true', typeByte = 'Z'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rdata-'));
  tempDirs.push(dir);
  const chunks: Buffer[] = [];
  const spans: [string, number, number][] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const prefix = compressed === 'true' ? int(data.length) : Buffer.concat([int(data.length), Buffer.from(typeByte)]);
    const chunk = Buffer.concat([prefix, deflateSync(data)]);
    chunks.push(chunk);
    spans.push([name, offset, chunk.length]);
    offset += chunk.length;
  }
  const rdx = serialize((e) => {
    const variables = e.list(
      spans.map(([, off, len]) => e.ints([off, len])),
      [['names', e.strs(spans.map(([n]) => n))]],
    );
    const flag = compressed === 'true' ? e.lgls([1]) : e.ints([3]);
    return e.list([variables, e.list([]), flag], [['names', e.strs(['variables', 'references', 'compressed'])]]);
  });
  writeFileSync(join(dir, 'Rdata.rdb'), Buffer.concat(chunks));
  writeFileSync(join(dir, 'Rdata.rdx'), gzipSync(rdx));
  return join(dir, 'Rdata.rdb');
}

test('decodes an integer vector with NA', () => {
  const v = unserialize(
    serialize((e) => e.ints([1, NA_INTEGER, -3])),
    WHERE,
  );
  assert.equal(v.type, 'integer');
  assert.deepEqual(v.type === 'integer' && Array.from(v.data), [1, NA_INTEGER, -3]);
});

test('decodes a double vector with NA', () => {
  const v = unserialize(
    serialize((e) => e.reals([1.5, 'NA', -2e10])),
    WHERE,
  );
  assert.equal(v.type, 'double');
  if (v.type !== 'double') return;
  assert.equal(v.data[0], 1.5);
  assert.ok(Number.isNaN(v.data[1]));
  assert.equal(v.data[2], -2e10);
});

test('decodes a character vector with NA, UTF-8 and Latin-1 strings', () => {
  const v = unserialize(
    serialize((e) => Buffer.concat([int(16), int(4), e.char('a'), e.char(null), e.char('é'), e.char('café', 'latin1')])),
    WHERE,
  );
  assert.deepEqual(v.type === 'character' && v.data, ['a', null, 'é', 'café']);
});

test('decodes a factor with its levels and class', () => {
  const v = unserialize(
    serialize((e) =>
      e.ints(
        [2, 1],
        [
          ['levels', e.strs(['lo', 'hi'])],
          ['class', e.strs(['factor'])],
        ],
      ),
    ),
    WHERE,
  );
  assert.equal(v.type, 'integer');
  const levels = v.attributes.get('levels');
  assert.deepEqual(levels?.type === 'character' && levels.data, ['lo', 'hi']);
  const cls = v.attributes.get('class');
  assert.deepEqual(cls?.type === 'character' && cls.data, ['factor']);
});

test('turns a data.frame into columns: factor labels, NA as null, symbol back-references resolved', () => {
  const frame = dataFrameColumns(unserialize(serialize(sampleFrame), WHERE), WHERE);
  assert.equal(frame.rows, 4);
  assert.deepEqual([...frame.columns.keys()], ['id', 'level', 'score', 'name', 'flag']);
  assert.deepEqual(frame.columns.get('id'), { kind: 'number', values: [1, 2, null, 4] });
  assert.deepEqual(frame.columns.get('level'), { kind: 'string', values: ['hi', 'lo', null, 'hi'] });
  assert.deepEqual(frame.columns.get('score'), { kind: 'number', values: [0.5, null, 2, -1] });
  assert.deepEqual(frame.columns.get('name'), { kind: 'string', values: ['a', null, 'c', 'd'] });
  assert.deepEqual(frame.columns.get('flag'), { kind: 'logical', values: [true, false, null, true] });
});

test('a list that is not a data.frame is refused', () => {
  const v = unserialize(
    serialize((e) => e.list([e.ints([1])])),
    WHERE,
  );
  assert.throws(
    () => dataFrameColumns(v, WHERE),
    (err: unknown) => err instanceof DataError && /not a data\.frame/.test(err.message),
  );
});

test('reads objects from a zlib lazy-load database by name', () => {
  const rdb = writeDb({ ints: serialize((e) => e.ints([7, 8])), frame: serialize(sampleFrame) });
  const db = readLazyLoadDb(rdb);
  assert.deepEqual(db.names(), ['ints', 'frame']);
  const ints = db.get('ints');
  assert.deepEqual(ints.type === 'integer' && Array.from(ints.data), [7, 8]);
  assert.equal(dataFrameColumns(db.get('frame'), WHERE).rows, 4);
  assert.throws(
    () => db.get('nope'),
    (err: unknown) => err instanceof DataError && err.message.includes('no such object (has: ints, frame)'),
  );
});

test('reads typed ("Z") compression and refuses bzip2 clearly', () => {
  const z = readLazyLoadDb(writeDb({ x: serialize((e) => e.ints([5])) }, 3, 'Z')).get('x');
  assert.deepEqual(z.type === 'integer' && Array.from(z.data), [5]);
  const bz = readLazyLoadDb(writeDb({ x: serialize((e) => e.ints([5])) }, 3, '2'));
  assert.throws(
    () => bz.get('x'),
    (err: unknown) => err instanceof DataError && /bzip2-compressed/.test(err.message),
  );
});

test('a truncated serialization is a DataError naming the file and object', () => {
  const full = serialize((e) => e.ints([1, 2, 3]));
  const rdb = writeDb({ cut: full.subarray(0, full.length - 4) });
  assert.throws(
    () => readLazyLoadDb(rdb).get('cut'),
    (err: unknown) => err instanceof DataError && err.message.startsWith(`${rdb} (field "cut"): truncated R serialization`),
  );
});

test('a truncated .rdb file is a DataError naming it', () => {
  const rdb = writeDb({ x: serialize((e) => e.ints([1, 2, 3])) });
  writeFileSync(rdb, Buffer.from([0, 0]));
  assert.throws(
    () => readLazyLoadDb(rdb).get('x'),
    (err: unknown) => err instanceof DataError && err.message.includes(rdb) && /truncated/.test(err.message),
  );
});

test('a file that is not an R serialization is a DataError', () => {
  const rdb = writeDb({ x: serialize((e) => e.ints([1])) });
  const rdx = rdb.replace(/\.rdb$/, '.rdx');
  writeFileSync(rdx, 'userId,movieId\n1,2\n');
  assert.throws(
    () => readLazyLoadDb(rdb),
    (err: unknown) => err instanceof DataError && err.message === `${rdx}: not an R serialization (no "X\\n" XDR header)`,
  );
  assert.throws(
    () => readLazyLoadDb(rdx),
    (err: unknown) => err instanceof DataError && /expected an R lazy-load database/.test(err.message),
  );
});

test('an unsupported object type is named in the error', () => {
  const env = Buffer.concat([Encoder.header(), int(4), int(0)]);
  assert.throws(
    () => unserialize(env, WHERE),
    (err: unknown) => err instanceof DataError && err.message === 'test.rds: unsupported R object type 4 (environment)',
  );
});
