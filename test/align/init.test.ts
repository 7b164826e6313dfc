// Where alignment starts. align --init: it goes on from an aligned model's weights and projectors (at
// learning rate 0 the result is that model, byte for byte; trained, it moves away from it), and a model
// it cannot go on from is a one-line error naming the flag and why. align --projector-seed: the
// projectors' initialisation apart from --seed (batch order, dropout); at learning rate 0 the saved
// projectors are their initialisation: --seed 5 --projector-seed 1 has --seed 0's (whose projector
// seed is 0 + 1), --seed 5 alone other ones. align --projector-init shared: the item projector starts
// as the user projector's copy (apart: another draw); shared-head: the untied item-token head starts as
// that copy, the item projector apart. align --projector-draw linear: the projectors start on
// principalDirections, GELU biased into its linear range (test/align/directions.test.ts for what
// that buys); with --init none of these flags applies (an error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlignConfig } from '../../src/align/config.js';
import { PROJECTORS_FILE } from '../../src/align/model.js';
import { align } from '../../src/align/train.js';
import { UserError } from '../../src/engine/errors.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { tinyAlign, tinyRun } from '../serve/fixture.js';

const run = await tinyRun();
const tmp = mkdtempSync(join(tmpdir(), 'init-'));
const cfg = (out: string, more: Partial<AlignConfig> = {}) => tinyAlign(run, join(tmp, out), more);
const bytes = (dir: string, file: string) => readFileSync(join(dir, file));
/** The projectors file of an alignment at learning rate 0: the projectors as initialised. */
const initialProjectors = async (out: string, more: Partial<AlignConfig>) => {
  await align(cfg(out, { lr: 0, maxSteps: 1, ...more }));
  return join(tmp, out, PROJECTORS_FILE);
};

test('align --init: at learning rate 0 the model is the one it started from; trained, it moves on from it', async () => {
  const from = join(run, 'lm-H');
  await align(cfg('still', { init: from, lr: 0, maxSteps: 2 }));
  for (const f of ['model.safetensors', 'projectors.safetensors']) assert.ok(bytes(join(tmp, 'still'), f).equals(bytes(from, f)), f);
  await align(cfg('moved', { init: from, maxSteps: 2 }));
  assert.ok(!bytes(join(tmp, 'moved'), 'model.safetensors').equals(bytes(from, 'model.safetensors')));
  // an I model goes on in H mode too (same projectors); a B model gets new projectors
  await align(cfg('from-b', { init: join(run, 'lm-B'), lr: 0, maxSteps: 1 }));
  assert.ok(bytes(join(tmp, 'from-b'), 'model.safetensors').equals(bytes(join(run, 'lm-B'), 'model.safetensors')));
});

test('align --init: a model it cannot go on from is a one-line error', async () => {
  const oneLine = (e: Error, re: RegExp) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n');
  await assert.rejects(align(cfg('lora', { init: join(run, 'lm-H'), loraR: 8 })), (e: Error) => oneLine(e, /--init .* needs --lora-r 0/));
  await assert.rejects(align(cfg('base', { init: join(run, 'base') })), (e: Error) => oneLine(e, /not an aligned model folder/));
  await assert.rejects(align(cfg('other', { init: join(run, 'lm-H'), baseModel: join(tmp, 'elsewhere') })), (e: Error) =>
    oneLine(e, /--init .*lm-H: aligned from the base .*, not --base-model .*elsewhere/),
  );
  await align(cfg('items', { itemTokens: true, maxSteps: 1 }));
  await assert.rejects(align(cfg('on-items', { init: join(tmp, 'items') })), (e: Error) => oneLine(e, /has item tokens/));
});

test('align --projector-seed: the projectors start as --seed (that number − 1) starts them, whatever --seed', async () => {
  const projectors = async (out: string, more: Partial<AlignConfig>) => readFileSync(await initialProjectors(out, more));
  const seed0 = await projectors('s0', { seed: 0 });
  assert.ok((await projectors('s5-p1', { seed: 5, projectorSeed: 1 })).equals(seed0));
  assert.ok(!(await projectors('s5', { seed: 5 })).equals(seed0));
});

/** The initial user projector's four weights beside the same weights of projector `other`. */
const beside = async (out: string, more: Partial<AlignConfig>, other: string) => {
  const t = readSafetensors(await initialProjectors(out, more)).tensors;
  const names = Object.keys(t).filter((k) => k.startsWith('user_proj.'));
  assert.equal(names.length, 4);
  return names.map((k) => [Array.from(t[k].data), Array.from(t[k.replace('user_proj.', `${other}.`)].data)]);
};

test('align --projector-init shared: the item projector starts as a copy of the user projector', async () => {
  for (const [user, item] of await beside('shared', { projectorInit: 'shared' }, 'item_proj')) assert.deepEqual(item, user);
  for (const [user, item] of await beside('apart', {}, 'item_proj')) assert.notDeepEqual(item, user);
  await assert.rejects(
    align(cfg('init-shared', { init: join(run, 'lm-H'), projectorInit: 'shared' })),
    (e: Error) => e instanceof UserError && /--init .* keeps that model's projectors/.test(e.message),
  );
});

test('align --projector-init shared-head: the untied item-token head starts as a copy of the user projector, the item projector apart', async () => {
  const more: Partial<AlignConfig> = { itemTokens: true, itemHead: 'untied', projectorInit: 'shared-head' };
  for (const [user, out] of await beside('head', more, 'item_out_proj')) assert.deepEqual(out, user);
  for (const [user, item] of await beside('head-in', more, 'item_proj')) assert.notDeepEqual(item, user);
  for (const [user, out] of await beside('untied', { itemTokens: true, itemHead: 'untied' }, 'item_out_proj'))
    assert.notDeepEqual(out, user);
  await assert.rejects(
    align(cfg('head-tied', { itemTokens: true, projectorInit: 'shared-head' })),
    (e: Error) => e instanceof UserError && /--projector-init shared-head needs --item-head untied/.test(e.message),
  );
});

test("align --projector-draw linear: the drawn projectors start biased into GELU's linear range, shared ones as copies", async () => {
  const t = readSafetensors(await initialProjectors('linear', { projectorDraw: 'linear', projectorInit: 'shared' })).tensors;
  assert.ok(Array.from(t['user_proj.fc1.bias'].data).every((b) => b === 5));
  assert.deepEqual(Array.from(t['item_proj.fc2.weight'].data), Array.from(t['user_proj.fc2.weight'].data));
  const random = readSafetensors(await initialProjectors('random', { projectorInit: 'shared' })).tensors;
  assert.ok(!Array.from(random['user_proj.fc1.bias'].data).every((b) => b === 5));
  await assert.rejects(
    align(cfg('init-linear', { init: join(run, 'lm-H'), projectorDraw: 'linear' })),
    (e: Error) => e instanceof UserError && /--init .* keeps that model's projectors: .*--projector-draw/.test(e.message),
  );
});
