// Output folders: a folder another process made between makeDir's stat and its mkdir is no error
// (parallel explain jobs share explanations/free), a file in its place is; makeDir creates every
// missing level and refuses to go under a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDir, mkdirUnlessThere } from '../../src/engine/out_dir.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'outdir-'));

test('mkdirUnlessThere: a new folder, an existing folder, a file in the way', () => {
  const root = tmp();
  mkdirUnlessThere(join(root, 'a'));
  assert.ok(statSync(join(root, 'a')).isDirectory());
  mkdirSync(join(root, 'b'));
  assert.doesNotThrow(() => mkdirUnlessThere(join(root, 'b')));
  writeFileSync(join(root, 'c'), 'x');
  assert.throws(() => mkdirUnlessThere(join(root, 'c')), { code: 'EEXIST' });
  assert.throws(() => mkdirUnlessThere(join(root, 'd', 'e')), { code: 'ENOENT' });
});

test('makeDir: every missing level, an existing path untouched, no folder under a file', () => {
  const root = tmp();
  makeDir(join(root, 'x', 'y', 'z'));
  assert.ok(statSync(join(root, 'x', 'y', 'z')).isDirectory());
  assert.doesNotThrow(() => makeDir(join(root, 'x', 'y')));
  writeFileSync(join(root, 'f'), 'x');
  assert.throws(() => makeDir(join(root, 'f', 'g')), { code: 'ENOTDIR' });
});
