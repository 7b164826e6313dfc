// The lead's prefix: the text before its first citation of a shown item, when that comes before the
// candidate's; none for a text that opens on the candidate or cites no shown item.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leadPrefix } from '../../src/explain/lead_order.js';

const titles = ['', 'Heat (1995)', 'Up (2009)', 'Alien (1979)', 'Jaws (1975)'];

test('leadPrefix: the text before the list of history items, or none', () => {
  const list = 'No. What counts most is Up (2009), Heat (1995) and Alien (1979). Jaws (1975), a horror title.';
  assert.equal(leadPrefix(list, [1, 2, 3], 4, titles), 'No. What counts most is');
  assert.equal(leadPrefix('Yes. Jaws (1975) sits with Heat (1995).', [1, 2, 3], 4, titles), undefined, 'the candidate first');
  assert.equal(leadPrefix('No. By theme: the history leans to drama.', [1, 2, 3], 4, titles), undefined, 'no history item');
});
