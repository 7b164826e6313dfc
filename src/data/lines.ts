// Streams the lines of a text file, plain or gzip (detected by magic bytes, not the name),
// decoding each line strictly as UTF-8 or as Latin-1. Never holds the whole file in memory.
// Yields { text, line } with 1-based line numbers; a UTF-8 BOM and a trailing \r are removed.
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { DataError } from '../engine/errors.js';

export type TextEncoding = 'utf8' | 'latin1';

export interface Line {
  text: string;
  line: number; // 1-based
}

export interface ReadLinesOptions {
  encoding?: TextEncoding; // default utf8
  /** Called with the number of (compressed) bytes read so far, for progress bars. */
  onBytes?: (bytesRead: number) => void;
}

/** True when the file starts with the gzip magic bytes 1f 8b. */
export function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Throws a one-line DataError unless path is a readable, non-directory file. */
export function requireFile(path: string, what = 'input file'): void {
  if (!existsSync(path)) throw new DataError({ file: path }, `${what} not found`);
  if (statSync(path).isDirectory()) throw new DataError({ file: path }, `${what} is a directory, expected a file`);
}

export async function* readLines(path: string, opts: ReadLinesOptions = {}): AsyncGenerator<Line> {
  requireFile(path);
  const encoding = opts.encoding ?? 'utf8';
  const decoder = encoding === 'utf8' ? new TextDecoder('utf-8', { fatal: true }) : undefined;
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  if (opts.onBytes) {
    const cb = opts.onBytes;
    raw.on('data', (c: Buffer | string) => {
      bytes += c.length;
      cb(bytes);
    });
  }
  let stream: Readable = raw;
  if (isGzip(path)) {
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    stream = raw.pipe(gunzip);
  }
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  const decode = (buf: Buffer): string => {
    lineNo++;
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0d) end--;
    let start = 0;
    if (lineNo === 1 && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    const slice = buf.subarray(start, end);
    if (!decoder) return slice.toString('latin1');
    try {
      return decoder.decode(slice);
    } catch {
      throw new DataError({ file: path, line: lineNo }, 'not valid UTF-8 (if the file is Latin-1, pass --encoding latin1)');
    }
  };
  try {
    for await (const chunk of stream) {
      let buf: Buffer = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      let from = 0;
      for (;;) {
        const nl = buf.indexOf(0x0a, from);
        if (nl < 0) break;
        yield { text: decode(buf.subarray(from, nl)), line: lineNo };
        from = nl + 1;
      }
      carry = Buffer.from(buf.subarray(from));
    }
    if (carry.length) yield { text: decode(carry), line: lineNo };
  } catch (err) {
    if (err instanceof DataError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new DataError({ file: path, line: lineNo + 1 }, `cannot read: ${msg}`);
  } finally {
    raw.destroy(); // a consumer that stops early must not leak the file handle (gzip case)
  }
}
