// The WebAssembly SIMD matrix × vectors kernel against a plain loop: several vectors, a row
// stride larger than the row, sizes that are not multiples of 16, and memory growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { naiveGemm, WasmArena } from '../../src/lm/decode/gemv.js';

test('WasmArena.gemm equals the naive product', () => {
  const a = new WasmArena();
  for (const [rows, cols, m, ldw] of [
    [37, 44, 1, 44],
    [5, 16, 3, 16],
    [64, 688, 5, 688],
    [3, 4, 2, 12],
    [70, 20, 4, 24],
  ]) {
    const w = a.alloc(rows * ldw);
    const x = a.alloc(m * cols);
    const y = a.alloc(m * rows);
    for (let i = 0; i < rows * ldw; i++) a.f32[w + i] = Math.sin(i);
    for (let i = 0; i < m * cols; i++) a.f32[x + i] = Math.cos(0.7 * i);
    a.gemm(w, x, y, rows, cols, m, ldw);
    const dense = Float32Array.from({ length: rows * cols }, (_, i) => a.f32[w + Math.floor(i / cols) * ldw + (i % cols)]);
    const want = naiveGemm(dense, a.f32.slice(x, x + m * cols), rows, cols, m);
    want.forEach((v, i) => assert.ok(Math.abs(v - a.f32[y + i]) < 1e-4, `${rows}×${cols}, m ${m}: ${v} vs ${a.f32[y + i]}`));
  }
  assert.throws(() => a.gemm(0, 0, 0, 1, 6, 1), /multiple of 4/);
});

test('WasmArena grows, keeps data, and releases to a mark', () => {
  const a = new WasmArena();
  const first = a.alloc(10);
  a.f32[first + 3] = 42;
  const mark = a.mark();
  const big = a.alloc(5_000_000); // several pages of growth
  a.f32[big + 4_999_999] = 1;
  assert.equal(a.f32[first + 3], 42);
  a.release(mark);
  assert.equal(a.alloc(4), mark);
});
