// Title normal form: idempotent, capped, separator-free, soft-token-free; lists round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeText, normalTitle, parseList, recentHistory, renderList, TITLE_MAX, titleKey } from '../../src/data/text_forms.js';

test('normalTitle collapses whitespace, replaces the list separator and defuses soft tokens', () => {
  assert.equal(normalTitle('  Deer   Hunter,\tThe (1978)\n'), 'Deer Hunter, The (1978)');
  assert.equal(normalTitle('A | B'), 'A / B');
  assert.equal(normalTitle('My <user> and <ITEM> story'), 'My ‹user> and ‹ITEM> story');
});

test('normalTitle caps long titles at a word boundary and is idempotent', () => {
  const long = 'word '.repeat(60);
  const t = normalTitle(long);
  assert.ok(t.length <= TITLE_MAX, `${t.length}`);
  assert.ok(t.endsWith('word…'));
  for (const s of [long, 'x'.repeat(300), ' A  | <user> b ', 'Plain (1999)']) assert.equal(normalTitle(normalTitle(s)), normalTitle(s));
  assert.equal(titleKey(' The  MATRIX '), 'the matrix');
});

test('lists round-trip through renderList / parseList; history window keeps the most recent items', () => {
  const titles = ['Deer Hunter, The (1978)', 'Dumbo (1941)', 'A / B'];
  assert.deepEqual(parseList(renderList(titles)), titles);
  assert.deepEqual(recentHistory([1, 2, 3, 4, 5], 3), [3, 4, 5]);
  assert.deepEqual(recentHistory([1, 2], 3), [1, 2]);
  assert.equal(attributeText(['Drama', ' War ']), 'Drama, War');
  assert.equal(attributeText(1995), '1995');
});
