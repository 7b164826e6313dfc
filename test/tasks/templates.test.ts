// Template files: the shipped one loads with the paper's counts; a broken user file is a
// one-line DataError naming the file and key; filling keeps soft tokens in order; rotation is even.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/engine/errors.js';
import { Rng } from '../../src/engine/rng.js';
import { defaultTemplatesPath, fillTemplate, loadTemplates, SLOT, TemplatePicker } from '../../src/tasks/templates.js';

const dir = mkdtempSync(join(tmpdir(), 'tpl-'));
const shipped = JSON.parse(readFileSync(defaultTemplatesPath(), 'utf8')) as Record<string, unknown>;

function writeVariant(name: string, edit: (t: Record<string, unknown>) => void): string {
  const t = structuredClone(shipped);
  edit(t);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(t));
  return file;
}

test('the shipped templates: 9 / 9 / 8 / 8 per attribute / 8 / 6, plus task 5', () => {
  const t = loadTemplates();
  assert.deepEqual(
    [t.prompts.t1.length, t.prompts.t2.length, t.prompts.t3.length, t.prompts.t4.length, t.prompts.t6.length, t.prompts.t7.length],
    [9, 9, 8, 8, 8, 6],
  );
  assert.ok(t.prompts.t5.length >= 1);
  assert.ok(t.prompts.t7.every((x) => x.includes(SLOT.user) && x.includes(SLOT.item)));
  assert.equal(t.attributes.similar, 'most similar item');
  assert.deepEqual(t.answers, { yes: 'Yes', no: 'No' });
});

test('a missing task, a missing slot or a foreign slot is a DataError naming file and key', () => {
  const noT3 = writeVariant('no-t3.json', (t) => delete t.t3);
  assert.throws(
    () => loadTemplates(noT3),
    (e: Error) => e instanceof DataError && e.message.includes(noT3) && /field "t3"/.test(e.message) && /task 3/.test(e.message),
  );
  const noSlot = writeVariant('no-slot.json', (t) => ((t.t2 as string[])[4] = 'Rank these for {USER HISTORY}.'));
  assert.throws(
    () => loadTemplates(noSlot),
    (e: Error) => e instanceof DataError && /field "t2\[4\]"/.test(e.message) && /missing slot \{ITEMS\}/.test(e.message),
  );
  const foreign = writeVariant('foreign.json', (t) => ((t.t1 as string[])[0] = '{USER HISTORY} then {ITEM}?'));
  assert.throws(
    () => loadTemplates(foreign),
    (e: Error) => e instanceof DataError && /field "t1\[0\]"/.test(e.message) && /\{ITEM\} is not allowed/.test(e.message),
  );
  const noExplain = writeVariant('no-explain.json', (t) => delete t.t7);
  assert.throws(
    () => loadTemplates(noExplain),
    (e: Error) => e instanceof DataError && /field "t7"/.test(e.message),
  );
  const noAnswer = writeVariant('no-answer.json', (t) => ((t.answers as Record<string, string>).no = ''));
  assert.throws(
    () => loadTemplates(noAnswer),
    (e: Error) => e instanceof DataError && /answers\.no/.test(e.message),
  );
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ "t1": [');
  assert.throws(
    () => loadTemplates(bad),
    (e: Error) => e instanceof DataError && e.message.startsWith(bad) && /invalid JSON/.test(e.message),
  );
  assert.throws(
    () => loadTemplates(join(dir, 'absent.json')),
    (e: Error) => e instanceof DataError && /not found/.test(e.message),
  );
});

test('fillTemplate lists soft tokens in order of appearance, whatever the slot order', () => {
  const r = fillTemplate<string>('Rank {ITEMS} for {USER HISTORY}.', {
    [SLOT.user]: { text: '<user>', soft: ['u'] },
    [SLOT.items]: { text: '<item> | <item>', soft: ['a', 'b'] },
  });
  assert.equal(r.text, 'Rank <item> | <item> for <user>.');
  assert.deepEqual(r.soft, ['a', 'b', 'u']);
  assert.throws(() => fillTemplate('{ITEM}', {}), /no value for \{ITEM\}/);
});

test('the picker rotates evenly per stream and is seeded', () => {
  const t = loadTemplates();
  const counts = new Map<string, number>();
  const p = new TemplatePicker(t, new Rng(5));
  for (let i = 0; i < 9 * 7 + 4; i++) {
    const id = p.pick('t1').id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const c = [...counts.values()];
  assert.equal(counts.size, 9);
  assert.ok(Math.max(...c) - Math.min(...c) <= 1, c.join(','));
  const seq = (seed: number) =>
    Array.from(
      { length: 20 },
      (
        (q) => () =>
          q.pick('t4', 't4:year').id
      )(new TemplatePicker(t, new Rng(seed))),
    );
  assert.deepEqual(seq(1), seq(1));
  assert.notDeepEqual(seq(1), seq(2));
});
