// Seeded RNG: reproducible, in range, roughly uniform, sampling without replacement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';

test('same seed → same stream; different seed → different stream', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 8 }, () => a.nextU32());
  assert.deepEqual(
    xa,
    Array.from({ length: 8 }, () => b.nextU32()),
  );
  assert.notDeepEqual(
    xa,
    Array.from({ length: 8 }, () => c.nextU32()),
  );
});

test('int(n) is in range and close to uniform', () => {
  const r = new Rng(1);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100000; i++) counts[r.int(10)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `bucket ${c}`);
});

test('sampleIndices gives k distinct indices in range; shuffle is a permutation', () => {
  const r = new Rng(5);
  const s = r.sampleIndices(100, 30);
  assert.equal(new Set(s).size, 30);
  assert.ok(s.every((i) => i >= 0 && i < 100));
  assert.equal(r.sampleIndices(3, 10).length, 3);
  const p = r.shuffle([...Array(20).keys()]);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    [...Array(20).keys()],
  );
});

test('state() / fromState() resume the same stream', () => {
  const a = new Rng(9);
  a.nextU32();
  const b = Rng.fromState(a.state());
  assert.deepEqual(
    Array.from({ length: 5 }, () => b.nextU32()),
    Array.from({ length: 5 }, () => a.nextU32()),
  );
  assert.throws(() => Rng.fromState([1, 2, 3]), RangeError);
});
