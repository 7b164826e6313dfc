// align --projector-seed: the projectors' initialisation apart from --seed (batch order, dropout).
// At learning rate 0 the saved projectors are their initialisation: --seed 5 --projector-seed 1 has
// --seed 0's (whose projector seed is 0 + 1), --seed 5 alone other ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlignConfig } from '../../src/align/config.js';
import { align } from '../../src/align/train.js';
import { PROJECTORS_FILE } from '../../src/align/model.js';
import { tinyAlign, tinyRun } from '../serve/fixture.js';

const run = await tinyRun();
const tmp = mkdtempSync(join(tmpdir(), 'seeds-'));
const projectors = async (out: string, more: Partial<AlignConfig>) => {
  await align(tinyAlign(run, join(tmp, out), { lr: 0, maxSteps: 1, ...more }));
  return readFileSync(join(tmp, out, PROJECTORS_FILE));
};

test('align --projector-seed: the projectors start as --seed (that number − 1) starts them, whatever --seed', async () => {
  const seed0 = await projectors('s0', { seed: 0 });
  assert.ok((await projectors('s5-p1', { seed: 5, projectorSeed: 1 })).equals(seed0));
  assert.ok(!(await projectors('s5', { seed: 5 })).equals(seed0));
});
