// Native sgemm against naiveSgemm (shapes, transposes, batches, broadcasts, alpha/beta, offsets, threads) and its
// argument checks; naiveSgemm against a hand-computed product. Native tests skip when the addon is not built.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative, naiveSgemm, type NativeKernels } from '../../src/engine/native.js';
import { Rng } from '../../src/engine/rng.js';

const native = loadNative();

function nativeOrSkip(t: TestContext): NativeKernels | undefined {
  if (!native) t.skip('native kernels not built: npm run build:native');
  return native;
}

interface Case {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  broadcastA?: boolean;
  broadcastB?: boolean;
  alpha: number;
  beta: number;
  nanC?: boolean; // fill C with NaN (only meaningful with beta = 0)
}

/**
 * Lays A, B and C out in one buffer at random offsets with gaps (order C, A, B), runs native and naive
 * sgemm on copies, and asserts: nothing outside C changed, max |diff| / max |ref| over C < 1e-4.
 */
function compare(k: NativeKernels, c: Case, rng: Rng, buffer?: ArrayBuffer): void {
  const aSize = c.m * c.k;
  const bSize = c.k * c.n;
  const cSize = c.m * c.n;
  const aStride = c.broadcastA ? 0 : aSize + rng.int(3);
  const bStride = c.broadcastB ? 0 : bSize + rng.int(3);
  const cStride = cSize + rng.int(3);
  const cOff = 1 + rng.int(7);
  const aOff = cOff + c.batch * cStride + rng.int(5);
  const bOff = aOff + (c.broadcastA ? aSize : c.batch * aStride) + rng.int(5);
  const len = bOff + (c.broadcastB ? bSize : c.batch * bStride) + rng.int(5);
  const buf = buffer ?? new ArrayBuffer(len * 4);
  assert.ok(buf.byteLength >= len * 4, 'test buffer too small');
  const got = new Float32Array(buf);
  for (let i = 0; i < got.length; i++) got[i] = rng.next() * 2 - 1;
  if (c.nanC) for (let b = 0; b < c.batch; b++) got.fill(NaN, cOff + b * cStride, cOff + b * cStride + cSize);
  const want = got.slice();
  const args = [c.batch, c.m, c.n, c.k, aOff, aStride, c.transA, bOff, bStride, c.transB, cOff, cStride, c.alpha, c.beta] as const;
  naiveSgemm(want, ...args);
  k.sgemm(buf, ...args);
  const label = JSON.stringify(c);
  let maxDiff = 0;
  let maxRef = 0;
  const inC = new Uint8Array(got.length);
  for (let b = 0; b < c.batch; b++) inC.fill(1, cOff + b * cStride, cOff + b * cStride + cSize);
  for (let i = 0; i < got.length; i++) {
    if (!inC[i]) {
      if (!Object.is(got[i], want[i])) assert.fail(`${label}: float ${i} outside C changed`);
      continue;
    }
    assert.ok(Number.isFinite(got[i]), `${label}: C[${i}] = ${got[i]}`);
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  const rel = maxRef === 0 ? maxDiff : maxDiff / maxRef;
  assert.ok(rel < 1e-4, `${label}: relative error ${rel}`);
}

test('naiveSgemm: 2×3 · 3×2 by hand, plain, transposed and with alpha/beta', () => {
  // A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]; A·B = [[58,64],[139,154]]
  const A = [1, 2, 3, 4, 5, 6];
  const At = [1, 4, 2, 5, 3, 6];
  const B = [7, 8, 9, 10, 11, 12];
  const Bt = [7, 9, 11, 8, 10, 12];
  for (const [a, ta, b, tb] of [
    [A, false, B, false],
    [At, true, B, false],
    [A, false, Bt, true],
    [At, true, Bt, true],
  ] as const) {
    const buf = new Float32Array([...a, ...b, NaN, NaN, NaN, NaN]);
    naiveSgemm(buf, 1, 2, 2, 3, 0, 0, ta, 6, 0, tb, 12, 0, 1, 0);
    assert.deepEqual([...buf.subarray(12)], [58, 64, 139, 154]);
  }
  const buf = new Float32Array([...A, ...B, 1, 1, 1, 1]);
  naiveSgemm(buf, 1, 2, 2, 3, 0, 0, false, 6, 0, false, 12, 0, 2, 1);
  assert.deepEqual([...buf.subarray(12)], [117, 129, 279, 309]);
});

test('native sgemm matches naiveSgemm on odd sizes, transposes, batches, broadcasts, alpha and beta', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const rng = new Rng(7);
  const sizes = [1, 3, 17, 65, 129];
  const scalars = [
    [1, 0],
    [1, 1],
    [0.5, 0.25],
    [-2, 0],
  ];
  for (const m of sizes)
    for (const n of sizes)
      for (const kk of sizes)
        for (const transA of [false, true])
          for (const transB of [false, true]) {
            const [alpha, beta] = scalars[rng.int(scalars.length)];
            const batch = 1 + rng.int(3);
            compare(
              k,
              { batch, m, n, k: kk, transA, transB, broadcastA: rng.int(4) === 0, broadcastB: rng.int(4) === 0, alpha, beta },
              rng,
            );
          }
});

test('native sgemm across cache blocks (k > 256, n > 512, m > 192) with every transpose', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const rng = new Rng(8);
  for (const transA of [false, true])
    for (const transB of [false, true]) compare(k, { batch: 1, m: 203, n: 531, k: 517, transA, transB, alpha: 1, beta: 0.5 }, rng);
});

// Work is spread over threads only above ~4 MFLOP per thread, so these products are that large.
test('native sgemm on several threads: split along M, along N, uneven batches, more threads than cores', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const rng = new Rng(9);
  const before = k.getThreads();
  try {
    for (const threads of [2, 3]) {
      k.setThreads(threads);
      assert.equal(k.getThreads(), threads);
      for (const transA of [false, true])
        for (const transB of [false, true]) {
          compare(k, { batch: 1, m: 301, n: 40, k: 700, transA, transB, alpha: 1, beta: 0 }, rng);
          compare(k, { batch: 1, m: 20, n: 700, k: 600, transA, transB, alpha: 1, beta: 1 }, rng);
          compare(k, { batch: 3, m: 129, n: 65, k: 257, transA, transB, alpha: 0.5, beta: 0 }, rng);
          compare(k, { batch: 9, m: 65, n: 129, k: 130, transA, transB, broadcastB: true, alpha: 1, beta: 0.25 }, rng);
        }
    }
  } finally {
    k.setThreads(before);
  }
});

test('native sgemm gives the same bits on 1 to 4 threads, call after call', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const [batch, m, n, kk] = [3, 150, 170, 90];
  const cOff = batch * (m * kk + kk * n);
  const buf = new ArrayBuffer((cOff + batch * m * n) * 4);
  const view = new Float32Array(buf);
  const rng = new Rng(12);
  for (let i = 0; i < cOff; i++) view[i] = rng.next() - 0.5;
  const run = (threads: number): Float32Array => {
    k.setThreads(threads);
    view.fill(NaN, cOff);
    k.sgemm(buf, batch, m, n, kk, 0, m * kk, false, batch * m * kk, kk * n, true, cOff, m * n, 1, 0);
    return view.slice(cOff);
  };
  const before = k.getThreads();
  try {
    const first = run(1);
    for (let i = 0; i < 200; i++) assert.deepEqual(run(1 + ((i * 7) % 4)), first, `call ${i}`);
  } finally {
    k.setThreads(before);
  }
});

test('native sgemm with beta = 0 ignores NaN in C; k = 0 and alpha = 0 scale C by beta', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const rng = new Rng(10);
  for (const [m, n, kk] of [
    [1, 1, 1],
    [17, 3, 65],
    [65, 129, 17],
    [300, 300, 64],
  ])
    for (const transB of [false, true]) compare(k, { batch: 2, m, n, k: kk, transA: false, transB, alpha: 1, beta: 0, nanC: true }, rng);
  compare(k, { batch: 2, m: 5, n: 7, k: 0, transA: false, transB: false, alpha: 1, beta: 0.5 }, rng);
  compare(k, { batch: 2, m: 5, n: 7, k: 0, transA: false, transB: false, alpha: 1, beta: 0, nanC: true }, rng);
  compare(k, { batch: 2, m: 5, n: 7, k: 3, transA: true, transB: false, alpha: 0, beta: 2 }, rng);
});

test('native sgemm works in place on a WebAssembly.Memory buffer', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const memory = new WebAssembly.Memory({ initial: 4 }); // 256 KiB
  compare(k, { batch: 4, m: 50, n: 60, k: 70, transA: true, transB: false, alpha: 1, beta: 0 }, new Rng(11), memory.buffer);
});

test('native sgemm rejects bad arguments with TypeError/RangeError and leaves the buffer alone', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const buf = new ArrayBuffer(100 * 4);
  const view = new Float32Array(buf).fill(3);
  // valid: batch 2 of [2×3]·[3×4] → A at 0 (stride 6), B at 12 (stride 12), C at 40 (stride 8)
  const ok = [buf, 2, 2, 4, 3, 0, 6, false, 12, 12, false, 40, 8, 1, 0] as const;
  type Args = Parameters<NativeKernels['sgemm']>;
  const call = (patch: Record<number, unknown>) => () => {
    const args = [...ok] as unknown[];
    for (const [i, v] of Object.entries(patch)) args[Number(i)] = v;
    k.sgemm(...(args as unknown as Args));
  };
  call({})();
  view.fill(3);
  const range: [Record<number, unknown>, RegExp][] = [
    [{ 5: 95 }, /A .*does not fit/],
    [{ 9: 80 }, /B .*does not fit/],
    [{ 11: 90 }, /C .*does not fit/],
    [{ 12: 7 }, /cBatchStride/],
    [{ 11: 4 }, /C overlaps A/],
    [{ 11: 20 }, /C overlaps B/],
    [{ 2: -1 }, /m must be a non-negative integer/],
    [{ 4: 1.5 }, /k must be a non-negative integer/],
    [{ 1: Infinity }, /batch must be a non-negative integer/],
    [{ 3: 2 ** 40, 2: 2 ** 40 }, /overflow/],
    [{ 6: 2 ** 53 - 1 }, /A .*does not fit/],
  ];
  for (const [patch, message] of range)
    assert.throws(call(patch), (e: Error) => e instanceof RangeError && message.test(e.message), JSON.stringify(patch));
  const type: [Record<number, unknown>, RegExp][] = [
    [{ 0: new Float32Array(100) }, /buf must be an ArrayBuffer/],
    [{ 7: 1 }, /transA must be a boolean/],
    [{ 10: 'yes' }, /transB must be a boolean/],
    [{ 3: '4' }, /n must be a number/],
    [{ 14: null }, /beta must be a number/],
  ];
  for (const [patch, message] of type)
    assert.throws(call(patch), (e: Error) => e instanceof TypeError && message.test(e.message), JSON.stringify(patch));
  assert.throws(() => (k.sgemm as unknown as (...a: unknown[]) => void)(buf, 1, 2), TypeError);
  assert.ok(
    view.every((x) => x === 3),
    'a rejected call wrote to the buffer',
  );
  assert.throws(() => k.setThreads(0), RangeError);
  assert.throws(() => k.setThreads(1.5), RangeError);
  assert.ok(k.getThreads() >= 1);
});
