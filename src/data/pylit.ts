// Parses one Python literal (what repr() prints: dict, list, tuple, str, bytes, int, float, True/False/None)
// with a hand-written scanner, never eval. Tuples become arrays, bytes become Latin-1 strings, dicts plain
// objects (non-string keys must be numbers and are stringified). Errors are PyLiteralErrors with an offset.

export class PyLiteralError extends SyntaxError {
  override name = 'PyLiteralError';
  constructor(
    readonly offset: number,
    what: string,
  ) {
    super(`${what} at offset ${offset}`);
  }
}

const MAX_DEPTH = 1000;

const INT = /^(?:[1-9](?:_?\d)*|0(?:_?0)*)$/;
const RADIX = /^0(?:[xX](?:_?[\da-fA-F])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)$/;
const FLOAT = /^(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Parses text holding exactly one Python literal expression (surrounding whitespace allowed). */
export function parsePyLiteral(text: string): unknown {
  const p = new Parser(text);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.pos < text.length) p.fail('unexpected text after the value');
  return v;
}

/** JSON.parse when the text can be JSON, else parsePyLiteral; a failure reports the Python parse error. */
export function parseJsonOrPy(text: string): unknown {
  if (mayBeJson(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON (True/None, single quotes, ...): fall through to the Python parser
    }
  }
  return parsePyLiteral(text);
}

/** Parses a line holding one dict/object; throws PyLiteralError for anything else. */
export function parseRecord(text: string): Record<string, unknown> {
  const v = parseJsonOrPy(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PyLiteralError(0, 'expected a dict');
  return v as Record<string, unknown>;
}

/** False when JSON.parse would surely fail because the first token after { or [ is a Python-only string. */
function mayBeJson(text: string): boolean {
  let i = skipWs(text, 0);
  const open = text.charCodeAt(i);
  if (open !== 0x7b && open !== 0x5b) return true; // { [
  i = skipWs(text, i + 1);
  return stringPrefixLength(text, i) < 0 || text.charCodeAt(i) === 0x22; // a string, but not a "…" one
}

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x0b) i++;
    else if (c === 0x5c && (s.charCodeAt(i + 1) === 0x0a || s.charCodeAt(i + 1) === 0x0d))
      i += 2; // \ + newline
    else return i;
  }
}

function isPrefixLetter(c: number): boolean {
  return c === 0x75 || c === 0x55 || c === 0x62 || c === 0x42 || c === 0x72 || c === 0x52; // u U b B r R
}

/** Length of the string prefix (0–2) when a string literal starts at i, else -1. */
function stringPrefixLength(s: string, i: number): number {
  const c0 = s.charCodeAt(i);
  if (c0 === 0x27 || c0 === 0x22) return 0;
  if (!isPrefixLetter(c0)) return -1;
  let k = 1;
  while (k < 3) {
    const c = s.charCodeAt(i + k);
    if (c === 0x27 || c === 0x22) return validPrefix(s.slice(i, i + k).toLowerCase()) ? k : -1;
    if (!isPrefixLetter(c)) return -1;
    k++;
  }
  return -1;
}

function validPrefix(p: string): boolean {
  return p === 'u' || p === 'r' || p === 'b' || p === 'br' || p === 'rb';
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isWordChar(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e;
}

class Parser {
  pos = 0;
  private lastWasBytes = false; // set by string()
  constructor(readonly s: string) {}

  fail(what: string, at = this.pos): never {
    throw new PyLiteralError(at, what);
  }

  ws(): void {
    this.pos = skipWs(this.s, this.pos);
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.s.charCodeAt(this.pos);
    if (c === 0x7b) return this.dict(depth);
    if (c === 0x5b) return this.sequence(depth, 0x5d);
    if (c === 0x28) return this.tuple(depth);
    if (stringPrefixLength(this.s, this.pos) >= 0) return this.strings();
    if (isDigit(c) || c === 0x2e) return this.number();
    if (c === 0x2d || c === 0x2b) return this.signed();
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) return this.name();
    if (Number.isNaN(c)) this.fail('unexpected end of input');
    return this.fail(`unexpected character ${JSON.stringify(this.s[this.pos])}`);
  }

  private dict(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.ws();
    while (this.s.charCodeAt(this.pos) !== 0x7d) {
      const keyAt = this.pos;
      const key = this.value(depth + 1);
      if (typeof key !== 'string' && typeof key !== 'number') this.fail('dict keys must be strings or numbers', keyAt);
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':' after a dict key");
      this.pos++;
      this.ws();
      setKey(out, String(key), this.value(depth + 1));
      if (!this.separator(0x7d)) break;
    }
    this.pos++;
    return out;
  }

  /** After an element: skips ws and a ',' (then ws); true when more elements may follow. Checks the closer. */
  private separator(close: number): boolean {
    this.ws();
    const c = this.s.charCodeAt(this.pos);
    if (c === 0x2c) {
      this.pos++;
      this.ws();
      return true;
    }
    if (c !== close) this.fail(`${Number.isNaN(c) ? 'unexpected end of input, ' : ''}expected ',' or '${String.fromCharCode(close)}'`);
    return false;
  }

  private sequence(depth: number, close: number): unknown[] {
    this.pos++;
    this.ws();
    return this.elements(depth, close, []);
  }

  /** Parses elements up to and including the closer, appending them to out. */
  private elements(depth: number, close: number, out: unknown[]): unknown[] {
    while (this.s.charCodeAt(this.pos) !== close) {
      out.push(this.value(depth + 1));
      if (!this.separator(close)) break;
    }
    this.pos++;
    return out;
  }

  /** (x) is just x; (), (x,) and (x, y) are tuples, returned as arrays. */
  private tuple(depth: number): unknown {
    this.pos++;
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x29) {
      this.pos++;
      return [];
    }
    const first = this.value(depth + 1);
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x29) {
      this.pos++;
      return first;
    }
    this.separator(0x29); // consumes the ',' (a ')' was handled above)
    return this.elements(depth, 0x29, [first]);
  }

  /** One string literal, or several adjacent ones concatenated as Python does. */
  private strings(): string {
    let out = this.string();
    const bytes = this.lastWasBytes;
    for (;;) {
      const next = skipWs(this.s, this.pos);
      if (stringPrefixLength(this.s, next) < 0) return out;
      this.pos = next;
      out += this.string();
      if (this.lastWasBytes !== bytes) this.fail('cannot mix bytes and str literals', next);
    }
  }

  private string(): string {
    const s = this.s;
    const start = this.pos;
    const k = stringPrefixLength(s, start);
    const prefix = k ? s.slice(start, start + k).toLowerCase() : '';
    this.lastWasBytes = k > 0 && prefix.includes('b');
    const q = s.charCodeAt(start + k);
    const triple = s.charCodeAt(start + k + 1) === q && s.charCodeAt(start + k + 2) === q;
    let i = start + k + (triple ? 3 : 1);
    if (!triple) {
      const from = i;
      for (;;) {
        const c = s.charCodeAt(i);
        if (c === q) {
          this.pos = i + 1;
          return s.slice(from, i);
        }
        if (c === 0x5c || c === 0x0a || c === 0x0d || Number.isNaN(c)) break;
        i++;
      }
      i = from;
    }
    return this.slowString(start, i, q, triple, k > 0 && prefix.includes('r'), this.lastWasBytes);
  }

  /** String body with escapes, raw mode or triple quotes; i is just past the opening quote(s). */
  private slowString(start: number, i: number, q: number, triple: boolean, raw: boolean, bytes: boolean): string {
    const s = this.s;
    let out = '';
    let from = i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (Number.isNaN(c)) this.fail('unterminated string', start);
      if (c === q && (!triple || (s.charCodeAt(i + 1) === q && s.charCodeAt(i + 2) === q))) {
        this.pos = i + (triple ? 3 : 1);
        return out + s.slice(from, i);
      }
      if ((c === 0x0a || c === 0x0d) && !triple) this.fail('unterminated string', start);
      if (c !== 0x5c) {
        i++;
        continue;
      }
      if (i + 1 >= s.length) this.fail('unterminated string', start);
      if (raw) {
        i += 2; // a backslash keeps itself and protects the next character, quotes included
        continue;
      }
      out += s.slice(from, i);
      const [text, next] = this.escape(i, bytes);
      out += text;
      i = from = next;
    }
  }

  /** Decodes the escape starting at the backslash at i; returns its text and the index after it. */
  private escape(i: number, bytes: boolean): [string, number] {
    const s = this.s;
    const e = s[i + 1];
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return [simple, i + 2];
    if (e === '\n') return ['', i + 2];
    if (e === '\r') return ['', s[i + 2] === '\n' ? i + 3 : i + 2];
    if (e >= '0' && e <= '7') {
      let j = i + 1;
      while (j < i + 4 && s[j] >= '0' && s[j] <= '7') j++;
      return [String.fromCharCode(parseInt(s.slice(i + 1, j), 8)), j];
    }
    if (e === 'x') return [String.fromCharCode(this.hex(i, 2)), i + 4];
    if (!bytes && e === 'u') return [String.fromCharCode(this.hex(i, 4)), i + 6];
    if (!bytes && e === 'U') {
      const cp = this.hex(i, 8);
      if (cp > 0x10ffff) this.fail('\\U escape beyond U+10FFFF', i);
      return [String.fromCodePoint(cp), i + 10];
    }
    if (!bytes && e === 'N') this.fail('\\N{...} escapes are not supported', i);
    return ['\\', i + 1]; // unknown escapes keep the backslash, as in Python
  }

  /** The n hex digits after the escape letter at i+1. */
  private hex(i: number, n: number): number {
    const digits = this.s.slice(i + 2, i + 2 + n);
    if (digits.length !== n || !/^[\da-fA-F]+$/.test(digits)) this.fail(`\\${this.s[i + 1]} escape needs ${n} hex digits`, i);
    return parseInt(digits, 16);
  }

  private signed(): number {
    const start = this.pos;
    const neg = this.s.charCodeAt(start) === 0x2d;
    this.pos++;
    this.ws();
    const c = this.s.charCodeAt(this.pos);
    if (!(isDigit(c) || c === 0x2e)) this.fail('expected a number after the sign', start);
    const n = this.number();
    return neg ? -n : n;
  }

  private number(): number {
    const s = this.s;
    const start = this.pos;
    let i = start;
    while (isDigit(s.charCodeAt(i))) i++;
    if (!isWordChar(s.charCodeAt(i)) && (s.charCodeAt(start) !== 0x30 || i === start + 1)) {
      this.pos = i;
      return Number(s.slice(start, i)); // fast path: a plain decimal int
    }
    for (;;) {
      const c = s.charCodeAt(i);
      if (isWordChar(c)) i++;
      else if ((c === 0x2b || c === 0x2d) && /[eE]/.test(s[i - 1]) && !/^0[xX]/.test(s.slice(start, i))) i++;
      else break;
    }
    this.pos = i;
    let tok = s.slice(start, i);
    if (/[lL]$/.test(tok) && (INT.test(tok.slice(0, -1)) || RADIX.test(tok.slice(0, -1)))) tok = tok.slice(0, -1); // Python 2 long
    const plain = tok.includes('_') ? tok.replace(/_/g, '') : tok;
    if (INT.test(tok)) return Number(plain);
    if (RADIX.test(tok)) return parseInt(plain.slice(2), radixOf(plain[1]));
    if (/[.eE]/.test(tok) && FLOAT.test(tok)) return Number(plain);
    if (/[jJ]$/.test(tok)) this.fail('complex numbers are not supported', start);
    return this.fail(`invalid number ${JSON.stringify(tok)}`, start);
  }

  private name(): boolean | null {
    const start = this.pos;
    let i = start;
    while (isWordChar(this.s.charCodeAt(i)) && this.s.charCodeAt(i) !== 0x2e) i++;
    const word = this.s.slice(start, i);
    this.pos = i;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    return this.fail(`unknown name ${JSON.stringify(word)}`, start);
  }
}

function radixOf(letter: string): number {
  const l = letter.toLowerCase();
  return l === 'x' ? 16 : l === 'o' ? 8 : 2;
}

/** Sets obj[key] as an own property, even for "__proto__" (as JSON.parse does). */
function setKey(obj: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[key] = v;
}
