// Non-words: words of two letters or more that the lexicon (training explanations and titles)
// lacks, case-insensitively, each once; digits, one-letter words and marks are not words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexicon, nonWords, wordsOf } from '../../src/facts/lexicon.js';

const known = lexicon(['Yes. Heat (1995) is a crime and drama title from the 1990s.', 'Sci-Fi, Film-Noir', "Can't Hardly Wait (1998)"]);

test('words: letters only, two or more, lower-cased', () => {
  assert.deepEqual(wordsOf("A Sci-Fi title (1995), can't 2 x"), ['sci', 'fi', 'title', 'can']);
});

test('non-words: what the lexicon lacks, each once, in order', () => {
  assert.deepEqual(nonWords('Heat (1995) is a CRIME and drama title from the 1990s.', known), []);
  assert.deepEqual(nonWords('Heat (1995) is a comlike title, a sci-bor and comlike one.', known), ['comlike', 'bor', 'one']);
  assert.deepEqual(nonWords("Can't Hardly Wait (1998) is sci-fi", known), []);
});
