// citedTitles: overlapping titles (longest wins, no double count), case and whitespace
// differences, "X, The (year)" titles and their "The X (year)" form, titles with commas and
// parentheses, unknown title-like spans, duplicate titles, and a 3,500-title catalogue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalId, citedTitles, type Catalogue } from '../../src/facts/cite.js';
import { UserError } from '../../src/engine/errors.js';

const titles = [
  '',
  'Heat (1995)', // 1
  'White Heat (1949)', // 2
  'Heat (1949)', // 3 (made up: sits inside "White Heat (1949)")
  'Lion King, The (1994)', // 4
  'Casino (1995)', // 5
  'Seven (a.k.a. Se7en) (1995)', // 6
  'Star Wars: Episode IV - A New Hope (1977)', // 7
  'Item 5', // 8
  'Item 50', // 9
  'Casino (1995)', // 10: a second id with the same title as 5
];
const cat: Catalogue = { titles };

test('overlapping titles: the longest match at a position wins and is counted once', () => {
  const c = citedTitles('Since you loved White Heat (1949), you would enjoy Heat (1995).', cat);
  assert.deepEqual(c.items, [2, 1]); // not 3, "Heat (1949)" inside "White Heat (1949)"
  assert.deepEqual(c.unknown, []);
  assert.deepEqual(citedTitles('Heat (1949) and White Heat (1949)', cat).items, [3, 2]);
  // titles without a year: "Item 5" is not inside "Item 50"
  assert.deepEqual(citedTitles('Item 50, then item 5.', cat).items, [9, 8]);
  assert.deepEqual(citedTitles('Item 500', cat).items, []);
});

test('case and whitespace differences match; each title is cited once, in order of first appearance', () => {
  const c = citedTitles('CASINO (1995) is like heat  (1995)\nand Casino (1995) again; HeAt (1995).', cat);
  assert.deepEqual(c.items, [5, 1]);
});

test('titles with commas and parentheses, and the article written first', () => {
  assert.deepEqual(citedTitles('You liked Lion King, The (1994).', cat).items, [4]);
  const c = citedTitles('You liked The Lion King (1994) and Seven (a.k.a. Se7en) (1995).', cat);
  assert.deepEqual(c.items, [4, 6]);
  assert.deepEqual(c.unknown, []);
  assert.deepEqual(citedTitles('star wars: episode iv - a new hope (1977) fans', cat).items, [7]);
  assert.ok(!/1994|1995/.test(c.remainder), c.remainder);
});

test('title-like spans that name no catalogue title are unknown', () => {
  const c = citedTitles(
    'Yes: like Heat (1995) and The Matrix (1999), you would love Gone with the Wind (1939) and the matrix (1999).',
    cat,
  );
  assert.deepEqual(c.items, [1]);
  assert.deepEqual(c.unknown, ['The Matrix (1999)', 'Gone with the Wind (1939)']); // all lower case: not title-like
  // "White Heat (1950)" is not "Heat (1995)" or "White Heat (1949)"; a bare year is no title
  const d = citedTitles('White Heat (1950) came out in (1950).', cat);
  assert.deepEqual(d.items, []);
  assert.deepEqual(d.unknown, ['White Heat (1950)']);
});

test('a title shared by two ids is cited as the lower id', () => {
  assert.deepEqual(citedTitles('Casino (1995)', cat).items, [5]);
  assert.equal(canonicalId(10, cat), 5);
  assert.equal(canonicalId(1, cat), 1);
  assert.throws(() => canonicalId(11, cat), UserError);
});

test('a 3,500-title catalogue', () => {
  const big = [''];
  for (let i = 1; i <= 3500; i++) big.push(`Film Number ${i} (${1900 + (i % 120)})`);
  big.push('Film (1999)');
  const c = citedTitles('Film Number 1234 (1934) and film number 12 (1912), not Film Number 12 (1999) nor Film (1999).', { titles: big });
  assert.deepEqual(c.items, [1234, 12, 3501]);
  assert.deepEqual(c.unknown, ['Film Number 12 (1999)']);
  const t0 = performance.now();
  for (let n = 1; n <= 1000; n++)
    assert.deepEqual(citedTitles(`Film Number ${n} (${1900 + (n % 120)}) and Film (1999)`, { titles: big }).items, [n, 3501]);
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `1,000 texts took ${ms.toFixed(0)} ms`); // the index is built once, not per text
});
