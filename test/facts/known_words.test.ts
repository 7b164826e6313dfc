// Known-word decoding and the guard's word counts: prose() keeps the training explanations' words
// and marks with the cited titles cut out; random decoding under knownWords writes no word and no
// bound mark the prose lacks (without it, it does), is free inside title spans and for item tokens;
// with counts the guard leaves "s" of "sits" free where sci-fi is false but refuses "com" of a false
// comedy, a list after a true theme goes on only with true themes not yet stated (and not at all
// when none is left), "an" needs a true theme with a vowel, "a" after the candidate goes on with a
// true theme or "title", and a space token leading mostly false themes is refused; a sentence ends
// only after a word (or a title) that ends one in the prose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import type { FactContext, ItemFacts } from '../../src/facts/fact_check.js';
import { factGuard, guardTables } from '../../src/facts/fact_guard.js';
import { START, TITLE, knownWords, prose, strayGaps, wordTables } from '../../src/facts/known_words.js';
import { trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';

const titles = ['', 'Heat (1995)', 'Up (2009)', 'Alien (1979)'];
const facts: ItemFacts[] = [
  { themes: ['Drama', 'Crime'], year: 1995 },
  { themes: ['Animation', 'Comedy'], year: 2009 },
  { themes: ['Horror', 'Sci-Fi'], year: 1979 },
];
const vocabulary = ['Drama', 'Crime', 'Animation', 'Comedy', 'Horror', 'Sci-Fi'];
const ctx: FactContext = { catalogue: { titles }, facts: (id) => facts[id - 1], vocabulary, history: [2, 3], item: 1 };
const trained = [
  { text: 'Yes. Heat (1995), a drama and crime title from the 1990s; it sits apart, so it shares little.', titles: ['Heat (1995)'] },
  {
    text: "No. Up (2009) is an animation and comedy title; the user's history sits close to Alien (1979).",
    titles: ['Up (2009)', 'Alien (1979)'],
  },
  { text: 'Yes. Alien (1979) is a horror and sci-fi title, so it sits with them; it shares horror.', titles: ['Alien (1979)'] },
];
const p = prose(trained);
const tok = trainTokenizer({
  texts: [
    ...trained.map((t) => t.text),
    'Zebra-like quirks, odd * marks and Bananas (1971) come from elsewhere: comlike sci-bor.',
    'a comedy title sits, a coming sort, the sits',
  ],
  vocabSize: 600,
});

test('prose: the words (counted) and marks of the texts, titles cut out; "-" and "\'" only follow letters', () => {
  assert.equal(p.words.get('sits'), 3);
  assert.equal(p.words.get('heat'), undefined, 'a cited title is cut out');
  assert.equal(p.words.get('alien'), undefined);
  assert.ok(p.words.has('sci') && p.words.has('fi') && p.words.has('s'));
  assert.ok(p.marks.has('-') && p.marks.has("'") && p.marks.has(',') && !p.marks.has('('), [...p.marks].join(''));
  assert.ok(p.bound.has('-') && p.bound.has("'"), 'inside words only');
  assert.ok(!p.bound.has(',') && !p.bound.has('.'), 'these follow a cut title too');
  assert.deepEqual([...p.follows.get('sits')!.keys()].sort(), ['apart', 'close', 'with']);
  assert.deepEqual([...p.follows.get(START)!.keys()].sort(), ['No', 'Yes'], 'what a text begins with, as written');
  assert.deepEqual([...p.follows.get(TITLE)!.keys()].sort(), ['a', 'is'], 'what follows a cut title, marks between ignored');
  assert.deepEqual([...p.follows.get('s')!.keys()].sort(), ['history', 'it'], '"1990s; it", "user\'s history"');
});

const tables = wordTables(tok, p, tok.vocabSize);
const words = knownWords(tok, tables);
const walk = (ids: readonly number[]) => ids.reduce((s, t) => words.next(s, t), words.start());

test('random decoding under knownWords writes only prose words and marks; without it, it does not', () => {
  const rng = new Rng(3);
  const bad = (text: string) => {
    const body = text.toLowerCase();
    const said = [...text.matchAll(/\p{L}+/gu)].map((m) => m[0]).slice(0, /\p{L}$/u.test(text) ? -1 : undefined); // whole words
    return (
      said.some((w, i) => !p.follows.get(i === 0 ? START : said[i - 1].toLowerCase())?.has(w)) ||
      /[^\p{L}\p{N}\s.,;:'-]|(^|[^\p{L}\p{N}])[-']/u.test(body)
    );
  };
  const sample = (guarded: boolean) =>
    Array.from({ length: 200 }, () => {
      let s = words.start();
      const ids: number[] = [];
      for (let n = 0; n < 12; n++) {
        const al = (guarded ? words.allowed(s) : undefined) ?? [...Array(tok.vocabSize).keys()].slice(9);
        const t = al[rng.int(al.length)];
        if (t < 9) break; // a special token ends the text
        ids.push(t);
        s = words.next(s, t);
      }
      return tok.decode(ids);
    });
  assert.ok(sample(false).filter(bad).length > 100, 'unguarded random text has unknown words or marks');
  const guarded = sample(true);
  assert.deepEqual(guarded.filter(bad), [], guarded.find(bad));
});

test('knownWords: a word comes only after one it follows in the prose, written as the prose writes it', () => {
  const after = (text: string) => words.allowed(walk(tok.encode(text)))!.map((t) => tok.decode([t]));
  const sits = after('Yes. it sits');
  assert.ok(sits.includes(' a') && sits.includes(' c'), `"apart", "close": ${sits.join('|')}`);
  assert.ok(!sits.includes(' the') && !sits.includes(' A'), '"sits" is never followed by "the", nor by "Apart"');
  assert.ok(!after('Yes. it shares').includes(' a'), '"a" never follows "shares"');
  const hor = after('Yes. it is a hor');
  assert.ok(hor.includes('ror') && !hor.some((x) => /\p{Lu}/u.test(x)), `no capital inside a word: ${hor.join('|')}`);
  const loose = knownWords(tok, tables, false);
  const shares = tok.encode('Yes. it shares').reduce((x, t) => loose.next(x, t), loose.start());
  assert.ok(
    loose
      .allowed(shares)!
      .map((t) => tok.decode([t]))
      .includes(' a'),
    'unordered: any prose word may follow',
  );
  const first = after('');
  assert.ok(first.includes('Yes') && !first.includes('yes'), `a text opens with "Yes", as written: ${first.join('|')}`);
});

test('knownWords: a run ends only as a word; spans and item tokens are free', () => {
  const dra = tok.encode('it sits a dra');
  const al = words.allowed(walk(dra))!;
  assert.ok(!al.includes(tok.encode(' ')[0]), '"dra" is no word: it cannot end');
  assert.ok(
    al.some((t) => tok.decode([t]).startsWith('m')),
    'it may go on to "drama"',
  );
  assert.equal(words.allowed(walk([...tok.encode('it sits'), tok.special.titleOpen])), undefined);
  const more = tok.withTokens(tok.vocabSize, ['<i1>', '<i2>']);
  const w2 = knownWords(more, wordTables(more, p, tok.vocabSize));
  const a2 = w2.allowed(tok.encode('it sits a dra').reduce((s, t) => w2.next(s, t), w2.start()))!;
  assert.ok(a2.includes(tok.vocabSize) && a2.includes(tok.vocabSize + 1), 'item tokens are never refused');
  const to = tok.encode('Yes. it sits close to').reduce((s, t) => w2.next(s, t), w2.start());
  assert.ok(w2.allowed(to)!.includes(tok.vocabSize) && !w2.allowed(to)!.includes(tok.special.titleOpen), 'with item tokens, no span opens');
});

test('knownWords: a sentence ends (. ! ?) only right after a word or a title that ends one in the prose, never after a digit', () => {
  assert.deepEqual([...p.enders].sort(), [TITLE, 'horror', 'little', 'no', 'yes'].sort());
  const dot = tok.encode('.')[0];
  const mayEnd = (ids: readonly number[]) => words.allowed(walk(ids))!.includes(dot);
  assert.ok(mayEnd(tok.encode('Yes. it shares little')));
  assert.ok(!mayEnd(tok.encode('Yes. it sits apart')), '"apart" never ends a sentence');
  assert.ok(!mayEnd(tok.encode('Yes. it shares little 4')), 'a digit: "video.4", "17.57" open no sentence');
  const titled = [...tok.encode('Yes. it sits close to'), tok.special.titleOpen, ...tok.encode('Alien (1979)'), tok.special.titleClose];
  assert.ok(mayEnd(titled), 'after a cited title');
});

test('prose: the gaps after each word (digits as 0), by what follows them; an answer may open with a space', () => {
  const after = (w: string) => {
    const g = p.gaps.get(w)!;
    return { word: [...g.word].sort(), title: [...g.title].sort(), end: [...g.end].sort() };
  };
  assert.deepEqual(after('yes'), { word: [], title: ['.'], end: [] }, '"Yes. Heat (1995)": the space before a title is the span\'s');
  assert.deepEqual(after('the'), { word: [' ', ' 0000'], title: [], end: [] }, '"the 1990s", "the user\'s"');
  assert.deepEqual(after('little'), { word: [], title: [], end: ['.'] });
  assert.deepEqual(after(TITLE), { word: [' ', ', '], title: [], end: ['.'] });
  assert.deepEqual(after(START), { word: ['', ' '], title: [], end: [] });
});

test('knownWords: every gap one the prose has after that word; the end token only after a final one; chat markers never', () => {
  const al = (text: string, ids: number[] = []) => words.allowed(walk([...tok.encode(text), ...ids]))!;
  const texts = (text: string) => al(text).map((t) => tok.decode([t]));
  const comma = tok.encode(',')[0];
  assert.ok(al('Yes. it sits apart').includes(comma), '"apart, so"');
  assert.ok(!al('Yes. it sits apart,').includes(comma), 'no ",,"');
  assert.ok(
    !texts('Yes. it sits apart,').some((x) => /^[^\s\p{L}]/u.test(x)),
    `only a space goes on from ",": ${texts('Yes. it sits apart,').join('|')}`,
  );
  assert.ok(!texts('Yes. it sits').some((x) => /^\p{N}/u.test(x)), 'no digit right after "sits"');
  const end = tok.special.eos;
  assert.ok(al('Yes. it shares little.').includes(end));
  assert.ok(!al('Yes. it shares little').includes(end), 'the prose ends "little." only');
  assert.ok(!al('Yes. it shares little,').includes(end));
  for (const marker of ['pad', 'bos', 'user', 'item', 'userTurn', 'assistantTurn', 'titleClose'] as const)
    for (const at of ['', 'Yes. it shares little.', 'Yes. it sits close to'])
      assert.ok(!al(at).includes(tok.special[marker]), `${marker} after "${at}"`);
  assert.ok(al('Yes. it sits close to').includes(tok.special.titleOpen), 'a title after "to"');
  assert.ok(!al('Yes. it sits close to,').includes(tok.special.titleOpen), 'not after "to,"');
  const open = al('').map((t) => tok.decode([t]));
  assert.ok(open.includes(' Yes') || open.includes(' '), `an answer may open with the layout's space: ${open.join('|')}`);
});

test('strayGaps: the runs of marks, digits and spaces no prose text has where they stand, cited titles cut out', () => {
  assert.deepEqual(strayGaps(trained[0].text, trained[0].titles, p), [], 'a training text has none');
  assert.deepEqual(strayGaps('No. Up (2009) is a comedy title from the 2000s; it sits apart.', ['Up (2009)'], p), [], 'years as digits');
  assert.deepEqual(strayGaps('Yes. Heat (1995), a drama,,,, title; it shares little.', ['Heat (1995)'], p), [',,,, ']);
  assert.deepEqual(
    strayGaps('Yes. Heat (1995), a drama title16 it shares little', ['Heat (1995)'], p),
    ['00 '],
    'cut after a word: only the digits',
  );
  assert.deepEqual(strayGaps('Yes. Heat (1995), a drama title; it shares little;', ['Heat (1995)'], p), [';'], 'no text ends so');
  assert.deepEqual(strayGaps('Yes. Heat (1995) is a drama titleASSISTANT:', ['Heat (1995)'], p), [':']);
  assert.deepEqual(
    strayGaps('Yes. Heat (1995) is a drama title.', [], p),
    ['. ', ' (0000) '],
    'a title not cut is read as words and marks',
  );
});

const counted = guardTables(tok, vocabulary, tok.vocabSize, p.words);
const uncounted = guardTables(tok, vocabulary, tok.vocabSize);
const ordered = guardTables(tok, vocabulary, tok.vocabSize, p.words, p.follows);
/** Whether the guard lets `piece` follow `text` (every token of it, as the tokenizer encodes text + piece). */
const mayWrite = (g: ReturnType<typeof guardTables>, text: string, piece: string, c: FactContext = ctx) => {
  const guard = factGuard(tok, g, c);
  const a = tok.encode(text);
  const b = tok.encode(text + piece);
  assert.deepEqual(b.slice(0, a.length), a, `"${text}" + "${piece}" must encode as its parts`);
  let s = a.reduce((x, t) => guard.next(x, t), guard.start());
  for (const t of b.slice(a.length)) {
    const al = guard.allowed(s);
    if (al && !al.includes(t)) return false;
    s = guard.next(s, t);
  }
  return true;
};

test('with counts, a word is refused where mostly false themes begin so, and kept where other words do', () => {
  const ofUp: FactContext = { ...ctx, item: 2, history: [] }; // Up: animation, comedy; sci-fi and crime are false
  assert.ok(mayWrite(counted, 'Up (2009) is a title; it', ' s'), '"s" mostly begins "sits", "so", "shares"');
  assert.ok(!mayWrite(uncounted, 'Up (2009) is a title; it', ' s'), 'without counts a false theme refuses its first letter');
  assert.ok(!mayWrite(counted, 'Heat (1995) is a', ' com'), 'comedy is false of Heat, and "com" mostly begins it');
  assert.ok(!mayWrite(counted, 'Up (2009) is a', ' sci'), 'sci-fi is false of Up');
  assert.ok(mayWrite(counted, 'Up (2009) is an', ' animation', ofUp));
});

test('with word order, a word is refused where the words that may follow the one before it mostly begin false themes', () => {
  assert.ok(mayWrite(counted, 'Up (2009) is a', ' s'), 'the counted "s" words are mostly "sits", "so", "shares"');
  assert.ok(!mayWrite(ordered, 'Up (2009) is a', ' s'), 'but after "a" none begins with "s" (sci-fi is false of Up)');
  assert.ok(mayWrite(ordered, 'Alien (1979) is a', ' h'), 'horror is true of Alien');
  assert.ok(mayWrite(ordered, 'Up (2009) is a title; it', ' s'), '"sits", "shares" follow "it"');
});

test('a list of themes goes on only with a true theme the sentence has not stated; "an" needs one with a vowel', () => {
  assert.ok(mayWrite(counted, 'Heat (1995) is a drama and', ' crime'));
  assert.ok(!mayWrite(counted, 'Heat (1995) is a drama and', ' title'), 'after "and" the list must name a theme');
  assert.ok(!mayWrite(counted, 'Heat (1995) is a drama and', ' drama'), 'not one already stated');
  assert.ok(!mayWrite(counted, 'Heat (1995) is a drama and crime', ' and'), 'no true theme left: the list ends');
  assert.ok(!mayWrite(counted, 'Heat (1995) is a drama and crime', ','));
  assert.ok(mayWrite(counted, 'Heat (1995) is a drama and crime', ' title'));
  assert.ok(mayWrite(counted, 'Heat (1995) is a drama', ' and'), 'crime is left');
  assert.ok(!mayWrite(counted, 'Heat (1995) is', ' an'), 'drama and crime begin with no vowel');
  assert.ok(mayWrite(counted, 'Up (2009) is', ' an'), 'animation does');
});

test('after "a" the candidate is one of its true themes or plainly a title; other items are not held so', () => {
  assert.ok(mayWrite(counted, 'Heat (1995) is a', ' drama'));
  assert.ok(mayWrite(counted, 'Heat (1995), a', ' title'));
  assert.ok(!mayWrite(counted, 'Heat (1995) is a', ' sits'), 'Heat is the candidate');
  assert.ok(!mayWrite(counted, 'Heat (1995) is a drama and', ' sits'));
  assert.ok(mayWrite(counted, 'Up (2009) is a', ' sits'), 'Up is a history item: only its false themes are refused');
});

test('a token of spaces alone is refused where the words it leads are mostly false themes', () => {
  const space = tok.encode('a ').at(-1)!;
  assert.equal(tok.decode([space]).trim(), '', 'the toy tokenizer has a space token');
  const leads = (w: string) => ({ ...counted, spaceLed: new Map([[space, [[w, 5] as [string, number]]]]) });
  assert.ok(!mayWrite(leads('horror'), 'Heat (1995) is a drama', ' '), 'horror is false of Heat');
  assert.ok(mayWrite(leads('crime'), 'Heat (1995) is a drama', ' '), 'crime is true');
});
