// Shared loader plumbing: iterate a file's lines with a byte-based progress bar.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { Progress } from '../../engine/progress.js';
import { readLines, requireFile, type Line, type TextEncoding } from '../lines.js';

export interface EachLineOptions {
  encoding?: TextEncoding;
  quiet?: boolean;
}

/** Calls fn for every line of path (plain or .gz), showing progress by bytes read. */
export async function eachLine(path: string, opts: EachLineOptions, fn: (l: Line) => void): Promise<number> {
  requireFile(path);
  const total = statSync(path).size;
  const bar = new Progress({ label: `reading ${basename(path)}`, total, unit: 'B/s', quiet: opts.quiet || total < 4 << 20 });
  let lines = 0;
  for await (const l of readLines(path, { encoding: opts.encoding, onBytes: (b) => bar.set(b) })) {
    fn(l);
    lines++;
  }
  bar.finish(`${lines} lines`);
  return lines;
}
