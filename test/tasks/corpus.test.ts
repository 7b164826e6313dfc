// Task 5 text: Brown sentences lose their POS tags; ShareGPT files give human→gpt pairs and
// malformed files are one-line DataErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/engine/errors.js';
import { brownPairs, loadShareGpt, untag } from '../../src/tasks/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'sharegpt-'));

test('untag strips the POS tags and re-attaches punctuation and quotes', () => {
  assert.equal(
    untag("\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, over/under/jj (/( really/rb )/) ./."),
    'The jury said "no evidence", over/under (really).',
  );
});

test('the Brown corpus gives thousands of plain-English sentence pairs', () => {
  const pairs = brownPairs();
  assert.ok(pairs.length > 30000, `${pairs.length}`);
  assert.match(pairs[0].text, /^The Fulton County Grand Jury said Friday/);
  for (const p of pairs.slice(0, 2000)) assert.doesNotMatch(p.text + p.response, /\/(at|nn|vbd|in|jj)\b/);
});

test('a ShareGPT file gives its human→gpt turn pairs; other roles are skipped', () => {
  const file = join(dir, 'ok.json');
  const convs = [
    {
      conversations: [
        { from: 'system', value: 'be nice' },
        { from: 'human', value: 'Hi <user>?' },
        { from: 'gpt', value: 'Hello.' },
        { from: 'human', value: 'Bye' },
        { from: 'gpt', value: 'See you.' },
      ],
    },
    { id: 'x', conversations: [{ from: 'gpt', value: 'orphan' }] },
  ];
  writeFileSync(file, JSON.stringify(convs));
  assert.deepEqual(loadShareGpt(file), [
    { text: 'Hi ‹user>?', response: 'Hello.' },
    { text: 'Bye', response: 'See you.' },
  ]);
});

test('malformed ShareGPT files are DataErrors naming file and field', () => {
  const cases: [unknown, RegExp][] = [
    [{ conversations: [] }, /expected a JSON array/],
    [[{ turns: [] }], /field "\[0\]\.conversations"/],
    [[{ conversations: [{ from: 'human', value: 'a' }, { from: 'gpt' }] }], /field "\[0\]\.conversations\[1\]"/],
    [[{ conversations: [{ from: 'gpt', value: 'a' }] }], /no human turn followed by a gpt turn/],
  ];
  cases.forEach(([content, re], i) => {
    const file = join(dir, `bad${i}.json`);
    writeFileSync(file, JSON.stringify(content));
    assert.throws(
      () => loadShareGpt(file),
      (e: Error) => e instanceof DataError && e.message.startsWith(file) && re.test(e.message),
      String(re),
    );
  });
});
