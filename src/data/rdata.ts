// Reads R's XDR serialization (saveRDS, lazy-load databases .rdb/.rdx) far enough for data frames:
// NULL, symbols, pairlists, logical/integer/double/character vectors, lists, factors, symbol
// back-references. Anything else, or a damaged file, is a DataError naming the file and the problem.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync, inflateSync } from 'node:zlib';
import { DataError, type Where } from '../engine/errors.js';
import { requireFile } from './lines.js';

export type RAttributes = Map<string, RValue>;

export type RValue =
  | { type: 'NULL'; attributes: RAttributes }
  | { type: 'symbol'; name: string; attributes: RAttributes }
  | { type: 'pairlist'; tags: (string | null)[]; values: RValue[]; attributes: RAttributes }
  | { type: 'logical'; data: Int32Array; attributes: RAttributes } // NA = NA_INTEGER
  | { type: 'integer'; data: Int32Array; attributes: RAttributes } // NA = NA_INTEGER
  | { type: 'double'; data: Float64Array; attributes: RAttributes } // NA is a NaN
  | { type: 'character'; data: (string | null)[]; attributes: RAttributes } // NA = null
  | { type: 'list'; values: RValue[]; attributes: RAttributes };

/** R's integer NA (-2^31), also used for logical NA. */
export const NA_INTEGER = -2147483648;

// SEXP type codes (R Internals, "Serialization formats").
const SYMSXP = 1;
const LISTSXP = 2;
const CHARSXP = 9;
const LGLSXP = 10;
const INTSXP = 13;
const REALSXP = 14;
const STRSXP = 16;
const VECSXP = 19;
const REFSXP = 255;
const NILVALUE_SXP = 254;

const TYPE_NAMES: Record<number, string> = {
  3: 'closure',
  4: 'environment',
  5: 'promise',
  6: 'language',
  7: 'special',
  8: 'builtin',
  15: 'complex',
  17: '...',
  20: 'expression',
  21: 'bytecode',
  22: 'external pointer',
  23: 'weak reference',
  24: 'raw',
  25: 'S4',
  238: 'ALTREP',
  242: 'empty environment',
  241: 'base environment',
  253: 'global environment',
  247: 'persistent reference',
  248: 'package environment',
  249: 'namespace',
};

const LATIN1_MASK = 1 << 2;
const UTF8_MASK = 1 << 3;
const ASCII_MASK = 1 << 6;

/** Decodes one complete serialization ('X\n' header, versions 2 and 3) held in buf. */
export function unserialize(buf: Buffer, where: Where): RValue {
  const r = new XdrReader(buf, where);
  r.header();
  return r.item();
}

class XdrReader {
  private pos = 0;
  private readonly refs: RValue[] = [];
  private latin1Native = false;

  constructor(
    private readonly buf: Buffer,
    private readonly where: Where,
  ) {}

  header(): void {
    if (this.buf.length < 2) this.fail('not an R serialization (file too short)');
    const magic = this.buf.toString('latin1', 0, 2);
    if (magic === 'A\n' || magic === 'B\n') this.fail('R serialization in ASCII/native format; only XDR binary is supported');
    if (magic !== 'X\n') this.fail('not an R serialization (no "X\\n" XDR header)');
    this.pos = 2;
    const version = this.int();
    if (version !== 2 && version !== 3) this.fail(`unsupported R serialization version ${version}`);
    this.int(); // R version that wrote it
    this.int(); // minimal R version to read it
    if (version === 3) {
      const n = this.int();
      this.need(n);
      const enc = this.buf.toString('latin1', this.pos, this.pos + n);
      this.pos += n;
      this.latin1Native = /^(latin-?1|iso-?8859-?1|cp1252)$/i.test(enc);
    }
  }

  item(): RValue {
    return this.itemWith(this.int());
  }

  private itemWith(flags: number): RValue {
    const type = flags & 0xff;
    const hasAttr = (flags & (1 << 9)) !== 0;
    switch (type) {
      case NILVALUE_SXP:
        return { type: 'NULL', attributes: new Map() };
      case REFSXP:
        return this.ref(flags);
      case SYMSXP: {
        const sym: RValue = { type: 'symbol', name: this.charsxp() ?? 'NA', attributes: new Map() };
        this.refs.push(sym);
        return sym;
      }
      case LISTSXP:
        return this.pairlist(flags);
      case LGLSXP:
      case INTSXP:
        return this.withAttributes({ type: type === LGLSXP ? 'logical' : 'integer', data: this.ints() }, hasAttr);
      case REALSXP:
        return this.withAttributes({ type: 'double', data: this.doubles() }, hasAttr);
      case STRSXP:
        return this.withAttributes({ type: 'character', data: this.strings() }, hasAttr);
      case VECSXP:
        return this.withAttributes({ type: 'list', values: this.items() }, hasAttr);
      default:
        return this.fail(`unsupported R object type ${type}${TYPE_NAMES[type] ? ` (${TYPE_NAMES[type]})` : ''}`);
    }
  }

  private withAttributes<T extends Omit<RValue, 'attributes'>>(v: T, hasAttr: boolean): T & { attributes: RAttributes } {
    return { ...v, attributes: hasAttr ? this.attributes() : new Map() };
  }

  /** An attribute pairlist: tag → value. */
  private attributes(): RAttributes {
    const list = this.item();
    if (list.type !== 'pairlist') return this.fail(`attributes are a ${list.type}, expected a pairlist`);
    const out: RAttributes = new Map();
    list.tags.forEach((tag, i) => {
      if (tag !== null) out.set(tag, list.values[i]);
    });
    return out;
  }

  /** A pairlist read iteratively (R writes the CDR chain as nested items). */
  private pairlist(first: number): RValue {
    const tags: (string | null)[] = [];
    const values: RValue[] = [];
    let attributes: RAttributes = new Map();
    let flags = first;
    while ((flags & 0xff) === LISTSXP) {
      if (flags & (1 << 9)) {
        const a = this.attributes();
        if (values.length === 0) attributes = a;
      }
      tags.push(flags & (1 << 10) ? this.symbolName() : null);
      values.push(this.item());
      flags = this.int();
    }
    if ((flags & 0xff) !== NILVALUE_SXP) this.fail(`pairlist ends in type ${flags & 0xff}, expected NULL`);
    return { type: 'pairlist', tags, values, attributes };
  }

  private symbolName(): string {
    const s = this.item();
    if (s.type !== 'symbol') return this.fail(`pairlist tag is a ${s.type}, expected a symbol`);
    return s.name;
  }

  private ref(flags: number): RValue {
    const packed = flags >> 8;
    const index = packed === 0 ? this.int() : packed;
    const v = this.refs[index - 1];
    if (!v) this.fail(`reference #${index} to an object not read yet (have ${this.refs.length})`);
    return v;
  }

  /** A CHARSXP item; null for NA_STRING. */
  private charsxp(): string | null {
    const flags = this.int();
    if ((flags & 0xff) !== CHARSXP) this.fail(`expected a string (CHARSXP), found type ${flags & 0xff}`);
    const n = this.int();
    if (n === -1) return null;
    if (n < 0) this.fail(`bad string length ${n}`);
    this.need(n);
    const levels = flags >>> 12;
    const latin1 = (levels & LATIN1_MASK) !== 0 || (this.latin1Native && !(levels & (UTF8_MASK | ASCII_MASK)));
    const s = this.buf.toString(latin1 ? 'latin1' : 'utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  private ints(): Int32Array {
    const n = this.length(4);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++, this.pos += 4) out[i] = this.buf.readInt32BE(this.pos);
    return out;
  }

  private doubles(): Float64Array {
    const n = this.length(8);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++, this.pos += 8) out[i] = this.buf.readDoubleBE(this.pos);
    return out;
  }

  private strings(): (string | null)[] {
    const n = this.length(8);
    const out: (string | null)[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.charsxp();
    return out;
  }

  private items(): RValue[] {
    const n = this.length(4);
    const out: RValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.item();
    return out;
  }

  /** A vector length (long vectors: -1 then two ints); checks at least minBytes per element remain. */
  private length(minBytes: number): number {
    let n = this.int();
    if (n === -1) n = this.int() * 2 ** 32 + (this.int() >>> 0);
    if (n < 0) this.fail(`bad vector length ${n}`);
    this.need(n * minBytes);
    return n;
  }

  private int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      this.fail(`truncated R serialization (needs ${n} more bytes at byte ${this.pos}, only ${this.buf.length - this.pos} left)`);
    }
  }

  private fail(msg: string): never {
    throw new DataError(this.where, msg);
  }
}

export interface LazyLoadDb {
  readonly file: string;
  /** Names of the objects stored, in index order. */
  names(): string[];
  /** Reads and decodes one object; a DataError if it is absent or damaged. */
  get(name: string): RValue;
}

/** Opens a lazy-load database by its .rdb path (the .rdx index must sit beside it). */
export function readLazyLoadDb(rdbPath: string): LazyLoadDb {
  if (!rdbPath.endsWith('.rdb')) throw new DataError({ file: rdbPath }, 'expected an R lazy-load database (.rdb)');
  requireFile(rdbPath, 'R database');
  const rdxPath = rdbPath.slice(0, -4) + '.rdx';
  requireFile(rdxPath, 'R database index');
  const { variables, compressed } = readIndex(rdxPath);
  return {
    file: rdbPath,
    names: () => [...variables.keys()],
    get(name: string): RValue {
      const where: Where = { file: rdbPath, field: name };
      const span = variables.get(name);
      if (!span) throw new DataError(where, `no such object (has: ${[...variables.keys()].join(', ')})`);
      const raw = readSpan(rdbPath, span[0], span[1], where);
      return unserialize(decompress(raw, compressed, where), where);
    },
  };
}

interface RdxIndex {
  variables: Map<string, [number, number]>; // name → (offset, length) in the .rdb
  compressed: number; // 0 none, 1 zlib, 2/3 typed (zlib/bzip2/xz)
}

function readIndex(rdxPath: string): RdxIndex {
  const where: Where = { file: rdxPath };
  let buf = readFileSync(rdxPath);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError(where, `corrupt gzip data: ${(e as Error).message}`);
    }
  }
  const index = unserialize(buf, where);
  const vars = listElement(index, 'variables', where);
  const comp = listElement(index, 'compressed', where);
  if (vars.type !== 'list') throw new DataError(where, `"variables" is a ${vars.type}, expected a list`);
  const names = namesOf(vars);
  const variables = new Map<string, [number, number]>();
  vars.values.forEach((v, i) => {
    const span = numbers(v);
    if (!span || span.length !== 2) throw new DataError(where, `entry "${names[i]}" is not an (offset, length) pair`);
    variables.set(names[i], [span[0], span[1]]);
  });
  const c = numbers(comp);
  if (!c || c.length !== 1) throw new DataError(where, '"compressed" is not a single number');
  return { variables, compressed: c[0] };
}

function readSpan(file: string, offset: number, length: number, where: Where): Buffer {
  const buf = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    const got = readSync(fd, buf, 0, length, offset);
    if (got !== length) throw new DataError(where, `truncated database (entry wants ${length} bytes at ${offset}, got ${got})`);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** Undoes R's lazy-load compression: 4-byte big-endian length, [type byte,] payload. */
function decompress(raw: Buffer, compressed: number, where: Where): Buffer {
  if (compressed === 0) return raw;
  if (raw.length < 5) throw new DataError(where, 'truncated compressed entry');
  const expected = raw.readUInt32BE(0);
  let body = raw.subarray(4);
  if (compressed !== 1) {
    const kind = String.fromCharCode(raw[4]);
    body = raw.subarray(5);
    if (kind === '0') return body;
    if (kind === '2' || kind === 'X') {
      throw new DataError(where, `entry is ${kind === '2' ? 'bzip2' : 'xz'}-compressed, which this reader does not support`);
    }
    if (kind !== 'Z' && kind !== '1') throw new DataError(where, `unknown compression type "${kind}"`);
  }
  let out: Buffer;
  try {
    out = inflateSync(body);
  } catch (e) {
    throw new DataError(where, `corrupt zlib data: ${(e as Error).message}`);
  }
  if (out.length !== expected) throw new DataError(where, `entry inflates to ${out.length} bytes, expected ${expected}`);
  return out;
}

/** The value of attribute `name`, if any. */
export function attr(v: RValue, name: string): RValue | undefined {
  return v.attributes.get(name);
}

/** A character attribute (names, class, levels) as strings; NA becomes "NA". */
function stringsAttr(v: RValue, name: string): string[] | undefined {
  const a = attr(v, name);
  return a?.type === 'character' ? a.data.map((s) => s ?? 'NA') : undefined;
}

function namesOf(v: RValue & { values: RValue[] }): string[] {
  const names = stringsAttr(v, 'names');
  return v.values.map((_, i) => names?.[i] ?? '');
}

function listElement(v: RValue, name: string, where: Where): RValue {
  const i = v.type === 'list' ? namesOf(v).indexOf(name) : -1;
  if (v.type !== 'list' || i < 0) throw new DataError(where, `not an R lazy-load index (no "${name}" element)`);
  return v.values[i];
}

/** Numeric contents of an integer, double or logical (TRUE = 1) vector. */
function numbers(v: RValue): number[] | undefined {
  return v.type === 'integer' || v.type === 'double' || v.type === 'logical' ? Array.from(v.data) : undefined;
}

export type RColumn =
  | { kind: 'number'; values: (number | null)[] }
  | { kind: 'string'; values: (string | null)[] }
  | { kind: 'logical'; values: (boolean | null)[] };

export interface RDataFrame {
  rows: number;
  columns: Map<string, RColumn>; // in the data frame's column order
}

/** A data.frame's columns as JS arrays: factors become their labels, every NA becomes null. */
export function dataFrameColumns(v: RValue, where: Where): RDataFrame {
  const cls = stringsAttr(v, 'class') ?? [];
  if (v.type !== 'list' || !cls.includes('data.frame')) {
    throw new DataError(where, `not a data.frame (an R ${v.type}${cls.length ? ` of class ${cls.join('/')}` : ''})`);
  }
  const names = namesOf(v);
  const rows = rowCount(v, where);
  const columns = new Map<string, RColumn>();
  v.values.forEach((col, i) => {
    const w = { ...where, field: names[i] };
    const c = toColumn(col, w);
    if (c.values.length !== rows) throw new DataError(w, `column has ${c.values.length} values, the frame has ${rows} rows`);
    columns.set(names[i], c);
  });
  return { rows, columns };
}

/** Rows from row.names, which R stores compactly as c(NA, ±n) for 1..n. */
function rowCount(v: RValue & { values: RValue[] }, where: Where): number {
  const rn = attr(v, 'row.names');
  if (rn?.type === 'integer' && rn.data.length === 2 && rn.data[0] === NA_INTEGER) return Math.abs(rn.data[1]);
  if (rn?.type === 'integer' || rn?.type === 'character' || rn?.type === 'double') return rn.data.length;
  if (v.values.length === 0) throw new DataError(where, 'data.frame has no row.names and no columns');
  return toColumn(v.values[0], where).values.length;
}

function toColumn(col: RValue, where: Where): RColumn {
  switch (col.type) {
    case 'integer':
      return stringsAttr(col, 'class')?.includes('factor')
        ? factorLabels(col, where)
        : { kind: 'number', values: Array.from(col.data, naInt) };
    case 'double':
      return { kind: 'number', values: Array.from(col.data, (x) => (Number.isNaN(x) ? null : x)) };
    case 'logical':
      return { kind: 'logical', values: Array.from(col.data, (x) => (x === NA_INTEGER ? null : x !== 0)) };
    case 'character':
      return { kind: 'string', values: col.data };
    default:
      throw new DataError(where, `unsupported column type ${col.type}`);
  }
}

function factorLabels(col: RValue & { data: Int32Array }, where: Where): RColumn {
  const levels = stringsAttr(col, 'levels');
  if (!levels) throw new DataError(where, 'factor without levels');
  const values = Array.from(col.data, (code) => {
    if (code === NA_INTEGER) return null;
    const label = levels[code - 1];
    if (label === undefined) throw new DataError(where, `factor code ${code} outside its ${levels.length} levels`);
    return label;
  });
  return { kind: 'string', values };
}

function naInt(x: number): number | null {
  return x === NA_INTEGER ? null : x;
}
