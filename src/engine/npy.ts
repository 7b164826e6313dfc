// NumPy .npy files (format 1.0–3.0): the magic "\x93NUMPY", a version, a little-endian header
// length, a Python-literal header {'descr', 'fortran_order', 'shape'}, then the array in C order.
// Reads little-endian float32 and float64 arrays (float64 narrowed to Float32Array); anything
// else, or a malformed file, is a one-line DataError naming the file.
import { readFileSync } from 'node:fs';
import { DataError, UserError } from './errors.js';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = '\x93NUMPY';

export function readNpy(path: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`cannot open ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const fail = (message: string) => new DataError({ file: path }, message);
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== MAGIC) throw fail('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw fail(`unknown .npy format version ${major}`);
  const wide = major >= 2;
  const headerLen = wide ? bytes.readUInt32LE(8) : bytes.readUInt16LE(8);
  const start = (wide ? 12 : 10) + headerLen;
  if (start > bytes.length) throw fail(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', wide ? 12 : 10, start);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw fail(`header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape`);
  if (fortran === 'True') throw fail('the array is in Fortran order; save it in C order (np.ascontiguousarray)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw fail(`shape (${shapeText}) is not a tuple of sizes`);
  const count = shape.reduce((a, b) => a * b, 1);
  const width = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (width === 0) throw fail(`dtype ${descr} is not float32 or float64 (little-endian '<f4' or '<f8')`);
  if (bytes.length - start !== count * width)
    throw fail(`holds ${bytes.length - start} data bytes; shape (${shape.join(', ')}) of ${descr} needs ${count * width}`);
  const body = bytes.subarray(start);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = width === 4 ? body.readFloatLE(i * 4) : body.readDoubleLE(i * 8);
  return { shape, data };
}
