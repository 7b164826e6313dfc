// The fact guard: decoding under it, by random choices among claim-prone tokens, never writes a
// theme or era claim the metadata contradicts (fact_check.ts reads the texts), while the same
// random decoding without it does; the true theme and year stay allowed; four digits that are a
// decade of the subject but not its year must go on to "s"; a word only a false theme begins with
// is refused at its start, and one begun on a true theme goes on only along one; spans, years in parentheses and anchorless text are free;
// where no item has a year (Amazon Video Games), no digits stand for one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { checkFacts, type FactContext, type ItemFacts } from '../../src/facts/fact_check.js';
import { factGuard, guardTables } from '../../src/facts/fact_guard.js';
import { trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';

const titles = ['', 'Heat (1995)', 'Up (2009)', 'Alien (1979)'];
const facts: ItemFacts[] = [
  { themes: ['Drama', 'Crime'], year: 1995 },
  { themes: ['Animation', 'Comedy'], year: 2009 },
  { themes: ['Horror', 'Sci-Fi', 'Film-Noir'], year: 1979 },
];
const vocabulary = ['Drama', 'Crime', 'Animation', 'Comedy', 'Horror', 'Sci-Fi', 'Film-Noir', 'A theme far too long to be stated as words'];
const ctx: FactContext = { catalogue: { titles }, facts: (id) => facts[id - 1], vocabulary, history: [2, 3], item: 1 };
const claimWords = [
  'drama',
  'crime',
  'animation',
  'comedy',
  'horror',
  'sci-fi',
  'film-noir',
  '1995',
  '2009',
  '1979',
  '1990s',
  '2000s',
  '1970s',
  '1980s',
];
const tok = trainTokenizer({
  texts: [
    ...titles.slice(1).map((t) => `${t} is a drama and crime title from the 1990s; it shares comedy, horror and sci-fi with them.`),
    ...claimWords.map((w) => ({ text: `a ${w} title, the ${w}, ${w}s and ${w}'s`, weight: 3 })),
    'Their record leans toward animation and film-noir from the 2000s and 1970s, much like 1980s titles.',
  ],
  vocabSize: 700,
});
const tables = guardTables(tok, vocabulary, tok.vocabSize);
const guard = factGuard(tok, tables, ctx);
const pool = [...Array(tok.vocabSize).keys()].filter((t) => {
  const p = tok.decode([t]).toLowerCase();
  return p.length > 0 && claimWords.some((w) => ` ${w}s`.includes(p));
});

/** Ids of a text, as the decoder would hold them. */
const ids = (text: string) => tok.encode(text);
const allowed = (text: string) =>
  guard.allowed(ids(text).reduce((s, t) => guard.next(s, t), guard.start())) ?? [...Array(tok.vocabSize).keys()];
/** Whether some allowed token continues `text` with exactly `piece`'s tokens (the tokenizer's own encoding of text + piece). */
const mayWrite = (text: string, piece: string, by = guard) => {
  const a = ids(text);
  const b = ids(text + piece);
  let s = a.reduce((x, t) => by.next(x, t), by.start());
  for (const t of b.slice(a.length)) {
    const al = by.allowed(s);
    if (al && !al.includes(t)) return false;
    s = by.next(s, t);
  }
  return a.every((t, i) => b[i] === t);
};

/**
 * Random texts from a sentence opening: claim words appended one by one ("drama", ", 1990s", …) as
 * the tokenizer encodes them; under the guard a refused token is replaced by a random allowed one
 * among claim-prone tokens (any allowed one where none of those is), and the word given up.
 */
function randomTexts(guarded: boolean, n: number): string[] {
  const rng = new Rng(5);
  const openings = ['Heat (1995) is a', 'Their record leans toward', 'They share', 'Up (2009), a', 'It is a title from the'];
  return Array.from({ length: n }, (_, i) => {
    let text = openings[i % openings.length];
    for (let k = 0; k < 4; k++) {
      const w = claimWords[rng.int(claimWords.length)];
      const before = ids(text);
      const after = ids(`${text}${k ? [', ', ' and '][rng.int(2)] : ' '}${w}`);
      if (!before.every((t, j) => after[j] === t)) continue;
      let s = before.reduce((x, t) => guard.next(x, t), guard.start());
      const out = [...before];
      for (const t of after.slice(before.length)) {
        const al = guarded ? guard.allowed(s) : undefined;
        const prone = al ? pool.filter((p) => al.includes(p)) : [];
        const options = prone.length ? prone : (al ?? []); // the guard may allow only a few words here (a list goes on with a true theme)
        const pick = al && !al.includes(t) ? options[rng.int(options.length)] : t;
        out.push(pick);
        s = guard.next(s, pick);
        if (pick !== t) break;
      }
      text = tok.decode(out);
    }
    return text.replace(/\d{4}$/, ''); // four digits still pending at the end are no claim yet
  });
}

test('random decoding under the guard states no false theme or era; without it, it does', () => {
  const falseOf = (texts: string[]) => texts.flatMap((t) => checkFacts(t, ctx).filter((c) => !c.holds));
  const unguarded = randomTexts(false, 300);
  const guarded = randomTexts(true, 300);
  assert.ok(falseOf(unguarded).length > 50, `the sampler makes false claims unguarded (${falseOf(unguarded).length})`);
  assert.deepEqual(
    falseOf(guarded),
    [],
    guarded.find((t) => checkFacts(t, ctx).some((c) => !c.holds)),
  );
  assert.ok(guarded.flatMap((t) => checkFacts(t, ctx)).length > 100, 'and it still states facts');
});

test('what the guard allows after an anchor: the true theme and era, not the false ones', () => {
  assert.ok(mayWrite('Heat (1995) is a', ' drama'));
  assert.ok(mayWrite('Heat (1995) is a drama and', ' crime'));
  assert.ok(!mayWrite('Heat (1995) is a', ' comedy'), 'Heat has no comedy');
  assert.ok(!mayWrite('Heat (1995) is a drama and', ' horror'));
  assert.ok(mayWrite('Heat (1995) is a title from the', ' 1990s'));
  assert.ok(!mayWrite('Heat (1995) is a title from the', ' 2000s'));
  assert.ok(mayWrite('Their record leans toward', ' horror'), 'the history has horror (Alien)');
  assert.ok(!mayWrite('Their record leans toward', ' crime'), 'the history has no crime');
  assert.ok(mayWrite('They share', ' drama') === false, 'shared: the candidate and the history must both have it');
  assert.ok(!mayWrite('Heat (1995) is a', ' com'), 'a word only a false theme begins with is refused at its start');
  assert.ok(mayWrite('Heat (1995) is a', ' cr'), 'crime is true');
  assert.ok(!mayWrite('Heat (1995) is a c', 'orror'), 'a word begun on a true theme goes on only along one');
  assert.ok(!mayWrite('Heat (1995) is a', ' film'), "only film-noir begins so: refused even as a word of its own (the guard's cost)");
  assert.ok(mayWrite('Their record leans toward', ' film'), 'the history has film-noir');
  assert.ok(mayWrite('A', ' comedy'), 'no anchor before it: left free');
  assert.ok(mayWrite('Heat (1995) is great. A', ' comedy'), 'a new sentence has no anchor yet');
});

test('four digits of a decade the subject has, but not its year, go on to "s"; spans are left to the span constraint', () => {
  const a = allowed('Heat (1995) is a title from the 1990');
  assert.ok(a.length > 0 && a.every((t) => /^'?s/.test(tok.decode([t]))), a.map((t) => tok.decode([t])).join('|'));
  assert.ok(allowed('Heat (1995) is a title of 1995').includes(tok.encode(',')[0]), 'after its year: not only "s"');
  assert.ok(mayWrite('Heat (1995) is a title of', ' 1995,'));
  assert.ok(!mayWrite('Heat (1995) is a title of', ' 2009,'), 'a year it does not have');
  assert.ok(!mayWrite('Heat (1995) is a title of', ' 1990,'), 'its decade as a bare year');
  assert.ok(!mayWrite('Heat (1995) is a title of', ' 19950'), 'more than four digits');
  assert.ok(!mayWrite('Heat (1995) is a title of', ' 20'), 'digits no year of it begins with');
  assert.ok(mayWrite('Heat (1995) is much like Alien (', '1979)'), 'a year in parentheses belongs to a title');
  const inSpan = guard.allowed([...ids('Heat (1995) is a'), tok.special.titleOpen].reduce((x, t) => guard.next(x, t), guard.start()));
  assert.equal(inSpan, undefined, 'inside a span the guard says nothing');
  assert.ok(!tables.words.includes('a theme far too long to be stated as words'), 'long themes are not guarded');
  const amazon = guardTables(tok, [...vocabulary, 'Retro Gaming & Microconsoles', 'Wii Remote Not Included'], tok.vocabSize).words;
  assert.ok(amazon.includes('retro gaming & microconsoles'), '"&" is no word: three words, guarded');
  assert.ok(!amazon.includes('wii remote not included'), 'four words are a feature, not guarded');
});

test("where no item has a year, digits outside parentheses are refused (nothing bears out an era), digits in them are a title's", () => {
  const noYears = factGuard(tok, tables, { ...ctx, facts: (id) => ({ ...facts[id - 1], year: null }) });
  for (const digits of [' 1995,', ' 2009,', ' 1990s', ' 20']) assert.ok(!mayWrite('Heat (1995) is a title of', digits, noYears), digits);
  assert.ok(mayWrite('Heat (1995) is a', ' drama', noYears), 'themes are guarded as before');
  assert.ok(mayWrite('Heat (1995) is much like Alien (', '1979)', noYears), 'a year in parentheses belongs to a title');
});
