// Title roles: prose() records where each role of cited title stands (the word before it and the
// marks between); titleRoles then lets a span, or an item token, hold only a title of a role cited
// there — the candidate never in the history's list, a history item never where the candidate or
// f's nearest item stands, no title where the prose cites none (a place after a title is read with
// that title's role); misplacedTitles finds the titles of any text that stand out of their places.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placesOf, prose, rolesAt, START, TITLE, titleMarker, type TitleRole } from '../../src/facts/known_words.js';
import { misplacedTitles, titleRoles, type RoledTitle } from '../../src/facts/title_roles.js';
import { titleIds } from '../../src/lm/tokenizer/chat.js';
import { trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';

const [heat, up, alien, jaws, dr] = ['Heat (1995)', 'Up (2009)', 'Alien (1979)', 'Jaws (1975)', 'Dr. No (1962)'];
const trained = [
  {
    text: `No. What counts most is ${heat}, ${up} and ${alien}. ${jaws}, a horror title, sits apart; it is closer to ${dr}.`,
    titles: [jaws, heat, up, alien, dr],
    roles: ['candidate', 'history', 'history', 'history', 'other'] as TitleRole[],
  },
  {
    text: `Yes. What counts most is ${alien}, ${jaws} and ${heat}. ${up}, a comedy title, fits; it is closer to ${dr}.`,
    titles: [up, alien, jaws, heat, dr],
    roles: ['candidate', 'history', 'history', 'history', 'other'] as TitleRole[],
  },
  {
    text: `Yes. By theme: the history leans to drama and horror, and ${jaws} is a horror title.`,
    titles: [jaws, heat],
    roles: ['candidate', 'history'] as TitleRole[],
  },
];
const p = prose(trained);
const tok = trainTokenizer({ texts: trained.map((t) => t.text), vocabSize: 400 });

test('prose: the roles cited at each place — the two words before a title, or the title before it and its role', () => {
  const at = (marker: string, text: string) => [...(rolesAt(p, marker, text) ?? [])].sort();
  const [history, candidate] = [titleMarker('history'), titleMarker('candidate')];
  assert.deepEqual(at(START, 'No. What counts most is '), ['history'], '"most is" opens the history list');
  assert.deepEqual(at(history, ', '), ['history'], 'the list goes on after a comma');
  assert.deepEqual(at(history, ' and '), ['history'], 'and ends with "and"');
  assert.deepEqual(at(START, 'Yes. By theme: the history leans to drama and horror, and '), ['candidate'], '", and" after a theme');
  assert.deepEqual(at(history, '. '), ['candidate'], 'after the list, the candidate');
  assert.deepEqual(at(candidate, ', '), [], 'after the candidate and a comma, no title');
  assert.deepEqual(at(TITLE, ', '), [], 'a title of no known role is another place');
  assert.deepEqual(at(candidate, ', a horror title, sits apart; it is closer to '), ['other'], '"closer to": f\'s nearest item');
  assert.deepEqual(at(START, 'No. it sits '), [], 'no title after "sits"');
  assert.deepEqual(placesOf(TITLE, ' and '), [`${TITLE}\u0001\u0001and\u0001`, 'and\u0001'], 'the title before, then "and"; "and" alone');
  assert.equal(p.words.get('heat'), undefined, 'titles are still cut out of the words');
  assert.ok(p.follows.get(TITLE)?.has('a'), 'and still read as titles by the word order');
});

const cases: RoledTitle[] = [
  { ids: titleIds(tok, jaws), role: 'candidate' },
  { ids: titleIds(tok, heat), role: 'history' },
  { ids: titleIds(tok, alien), role: 'history' },
  { ids: titleIds(tok, dr), role: 'other' },
];
const { titleOpen, titleClose } = tok.special;
const spanned = titleRoles(tok, p, cases, tok.vocabSize, true);
/** The tokens the roles allow once `text` has been written and a span opened (undefined: any). */
const inSpan = (text: string, inner: readonly number[] = []) => spanned.allowed([...tok.encode(text), titleOpen, ...inner]);

test('titleRoles in spans: the history list holds history items, the candidate follows it', () => {
  const list = inSpan('No. What counts most is ');
  assert.deepEqual([...list!].sort(), [titleIds(tok, heat)[0], titleIds(tok, alien)[0]].filter((t, i, a) => a.indexOf(t) === i).sort());
  const after = inSpan('No. What counts most is ', titleIds(tok, heat));
  assert.deepEqual(after, [titleClose], 'a whole title closes');
  const cand = spanned.allowed([
    ...tok.encode('No. What counts most is '),
    titleOpen,
    ...titleIds(tok, heat),
    titleClose,
    ...tok.encode('. '),
    titleOpen,
  ]);
  assert.deepEqual(cand, [titleIds(tok, jaws)[0]], 'after the list and its stop: only the candidate');
  assert.deepEqual(inSpan('No. it sits apart; it is closer to '), [titleIds(tok, dr)[0]], '"closer to": f\'s nearest item only');
  assert.equal(spanned.allowed(tok.encode('No. What counts most is ')), undefined, 'outside a span where a title may stand: free');
  assert.ok(!spanned.allowed(tok.encode('No. it sits '))!.includes(titleOpen), 'no span opens where the prose cites no title');
  const afterCandidate = [...tok.encode('No. '), titleOpen, ...titleIds(tok, jaws), titleClose, ...tok.encode(', ')];
  assert.ok(!spanned.allowed(afterCandidate)!.includes(titleOpen), 'after the candidate and a comma the prose cites no title');
  const afterHistory = [...tok.encode('No. What counts most is '), titleOpen, ...titleIds(tok, heat), titleClose, ...tok.encode(', ')];
  assert.equal(spanned.allowed(afterHistory), undefined, 'after a history item and a comma it does');
});

test('titleRoles with item tokens: text tokens and the item tokens of the roles cited there', () => {
  const V = tok.vocabSize;
  const items: RoledTitle[] = [
    { ids: [V], role: 'candidate' },
    { ids: [V + 1], role: 'history' },
    { ids: [V + 2], role: 'other' },
  ];
  const more = tok.withTokens(V, ['<i1>', '<i2>', '<i3>']);
  const roles = titleRoles(more, p, items, V, false);
  const list = roles.allowed(tok.encode('No. What counts most is '))!;
  assert.equal(list.length, V + 1);
  assert.ok(list.includes(V + 1) && !list.includes(V) && !list.includes(V + 2), 'only the history item');
  const cand = roles.allowed([...tok.encode('No. What counts most is '), V + 1, ...tok.encode('. ')])!;
  assert.ok(cand.includes(V) && !cand.includes(V + 1), 'after the list: the candidate');
  assert.equal(roles.allowed(tok.encode('No. it sits '))!.length, V, 'where the prose cites no title: text only');
  assert.equal(roles.allowed([...tok.encode('No. '), V, ...tok.encode(', ')])!.length, V, 'nor after the candidate and a comma');
});

test('misplacedTitles: the candidate in the history list, a history item where the candidate or the nearest item stands', () => {
  const catalogue = { titles: ['', heat, up, alien, jaws, dr] };
  const role = new Map<number, TitleRole>([
    [1, 'history'],
    [2, 'history'],
    [3, 'history'],
    [4, 'candidate'],
    [5, 'other'],
  ]);
  const misplaced = (text: string) => misplacedTitles(text, catalogue, p, (id) => role.get(id));
  assert.deepEqual(misplaced(trained[0].text), [], 'a training text is in place');
  assert.deepEqual(misplaced(`No. What counts most is ${heat}, ${jaws} and ${alien}. ${jaws}, a horror title, sits apart.`), [jaws]);
  assert.deepEqual(
    misplaced(`No. What counts most is ${heat}, ${up} and ${alien}. ${up}, a horror title, sits apart; it is closer to ${heat}.`),
    [up, heat],
  );
  assert.deepEqual(
    misplacedTitles(trained[0].text, catalogue, p, () => undefined),
    [],
    'items without a role are never misplaced',
  );
});
