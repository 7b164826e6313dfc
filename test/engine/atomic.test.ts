// Atomic writes leave either the old or the new content, never a temp file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonlAtomic } from '../../src/engine/atomic.js';

test('writeFileAtomic replaces content and leaves no temp file; creates folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  const p = join(dir, 'sub', 'f.txt');
  writeFileAtomic(p, 'one');
  writeFileAtomic(p, 'two');
  assert.equal(readFileSync(p, 'utf8'), 'two');
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['f.txt']);
});

test('writeJsonlAtomic writes one JSON value per line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  const p = join(dir, 'x.jsonl');
  writeJsonlAtomic(p, [{ a: 1 }, [2]]);
  assert.equal(readFileSync(p, 'utf8'), '{"a":1}\n[2]\n');
});
