// SyncWorker: an async handler in a worker answers synchronously, in order; its errors (in a call
// or at its top level) come back as Errors with the same message; a closed worker refuses calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncWorker } from '../../src/engine/sync_worker.js';

test('calls block until the async handler answers; typed arrays and errors come back', () => {
  const w = new SyncWorker(
    `async function handle(r) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (r.fail) throw new Error('no ' + r.fail);
      return { sum: r.xs.reduce((a, b) => a + b, 0) * data.scale, xs: r.xs };
    }`,
    { scale: 2 },
  );
  for (let i = 1; i <= 3; i++) {
    const r = w.call<{ sum: number; xs: Float32Array }>({ xs: Float32Array.of(i, 1) });
    assert.equal(r.sum, 2 * (i + 1));
    assert.ok(r.xs instanceof Float32Array);
  }
  assert.throws(() => w.call({ fail: 'luck' }), /^Error: no luck$/);
  assert.equal(w.call<{ sum: number }>({ xs: [5] }).sum, 10);
  w.close();
  assert.throws(() => w.call({ xs: [1] }), /closed/);
});

test('an error at the handler\u2019s top level answers every call', () => {
  const w = new SyncWorker(`const lib = require('no-such-package-here'); async function handle() { return lib; }`, {});
  assert.throws(() => w.call({}), /no-such-package-here/);
  assert.throws(() => w.call({}), /no-such-package-here/);
  w.close();
});
