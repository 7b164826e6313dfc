// .npy files: float32 and float64 arrays read in C order (float64 narrowed); other dtypes,
// Fortran order, a missing magic and a short body are one-line DataErrors naming the file.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/engine/errors.js';
import { readNpy } from '../../src/engine/npy.js';
import { writeNpy } from '../rec/onnx_towers.js';

const dir = mkdtempSync(join(tmpdir(), 'npy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A format-1.0 file with this header text and body. */
function raw(name: string, header: string, body: Buffer): string {
  const text = header + ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.from([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0, 0, 0]);
  head.writeUInt16LE(text.length, 8);
  writeFileSync(join(dir, name), Buffer.concat([head, Buffer.from(text, 'latin1'), body]));
  return join(dir, name);
}

test('float32 and float64 tables read back in C order', () => {
  const data = Float32Array.from({ length: 6 }, (_, i) => i / 4 - 0.5);
  assert.deepEqual(readNpy(writeNpy(join(dir, 'a.npy'), [2, 3], data)), { shape: [2, 3], data });
  const f8 = Buffer.alloc(16);
  f8.writeDoubleLE(0.1, 0);
  f8.writeDoubleLE(-2, 8);
  const got = readNpy(raw('b.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8));
  assert.deepEqual(got.shape, [2]);
  assert.deepEqual(Array.from(got.data), [Math.fround(0.1), -2]);
});

test('other dtypes, Fortran order, no magic and a short body are one-line DataErrors', () => {
  const cases: [string, RegExp][] = [
    [raw('i.npy', "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(8)), /dtype <i8 is not float32 or float64/],
    [raw('f.npy', "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", Buffer.alloc(4)), /Fortran order/],
    [
      raw('s.npy', "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", Buffer.alloc(12)),
      /holds 12 data bytes; shape \(2, 2\) of <f4 needs 16/,
    ],
  ];
  writeFileSync(join(dir, 'x.npy'), 'not numpy');
  cases.push([join(dir, 'x.npy'), /not a \.npy file/]);
  for (const [file, re] of cases) {
    assert.throws(
      () => readNpy(file),
      (e: Error) => e instanceof DataError && re.test(e.message) && e.message.startsWith(file) && !e.message.includes('\n'),
    );
  }
});
