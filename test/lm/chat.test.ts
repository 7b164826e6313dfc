// Chat layout: loss mask exactly on response + end token, soft-token positions in order, the prompt
// for generation, and the ids equal to what the library makes of the same sample as one string
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { hf, type HfTokenizer } from '../../src/lm/tokenizer/bpe.js';
import { chatText, markTitles, promptIds, renderChat, responseIds, softTokenPositions, unmarkTitles } from '../../src/lm/tokenizer/chat.js';
import { trainTokenizer, type Tokenizer } from '../../src/lm/tokenizer/tokenizer.js';
import { tokenizerCorpus } from '../../src/base/corpus.js';
import { ringDataset } from '../rec/fixture.js';

const ring = ringDataset();
after(() => rmSync(ring, { recursive: true, force: true }));
const tok = trainTokenizer({ texts: tokenizerCorpus(ring), vocabSize: 2048 });

interface Sample {
  prompt: string;
  response: string;
  soft: { token: string }[];
  literal?: boolean; // the text spells a marker, which the one-string form cannot carry
}

const SAMPLES: Sample[] = [
  { prompt: 'Predict the next item for someone whose history reads: <user>.', response: 'Titanic (1997)', soft: [{ token: '<user>' }] },
  { prompt: '<user> is what this user has engaged with so far. Which item next?', response: 'Item 7', soft: [{ token: '<user>' }] },
  {
    prompt: 'Would <user> Item 1 | Item 2 enjoy <item> Item 9? Compare <item>',
    response: 'Yes',
    soft: [{ token: '<user>' }, { token: '<item>' }, { token: '<item>' }],
  },
  {
    prompt: 'A title with ‹user> and <USER> and USER: ASSISTANT: inside, plus Misérables 🎬\nand a newline.',
    response: 'Les Misérables (1995) | Dumbo (1941) </s>',
    soft: [],
    literal: true,
  },
  { prompt: '  spaced   <item>  ', response: '', soft: [{ token: '<item>' }] },
];

const libraries = new Map<Tokenizer, HfTokenizer>();
function libraryIds(t: Tokenizer, text: string): number[] {
  if (!libraries.has(t)) libraries.set(t, new hf.Tokenizer(t.json, {}));
  return libraries.get(t)!.encode(text, { add_special_tokens: false }).ids;
}

function checkSample(t: Tokenizer, s: Sample): void {
  const { ids, lossMask } = renderChat(t, s.prompt, s.response);
  const head = promptIds(t, s.prompt);
  const tail = [...t.encode(' ' + s.response), t.special.eos];
  assert.deepEqual(ids, [...head, ...tail]);
  assert.deepEqual(lossMask, [...head.map(() => 0), ...tail.map(() => 1)]);
  assert.deepEqual(head.slice(0, 2), [t.special.bos, t.special.userTurn]);
  assert.equal(head.at(-1), t.special.assistantTurn);
  assert.equal(t.decode(ids.filter((_, i) => lossMask[i] === 1)), ` ${s.response}</s>`);
  const soft = softTokenPositions(t, ids);
  assert.deepEqual(
    soft.map((p) => p.token),
    s.soft.map((x) => x.token),
  );
  for (const p of soft) assert.equal(t.decode([ids[p.position]]), p.token);
  assert.equal(ids.filter((id) => t.isSpecial(id)).length, 4 + soft.length); // <s> USER: ASSISTANT: </s> + soft tokens
  if (!s.literal) assert.deepEqual(libraryIds(t, chatText(s.prompt, s.response)), ids, s.prompt);
}

test('renderChat: "<s>USER: … ASSISTANT: …</s>", loss mask exactly on the response and the end token', () => {
  for (const s of SAMPLES) checkSample(tok, s);
  const { ids, lossMask } = renderChat(tok, SAMPLES[0].prompt, SAMPLES[0].response);
  assert.equal(tok.decode(ids), '<s>USER: Predict the next item for someone whose history reads:<user>.ASSISTANT: Titanic (1997)</s>');
  assert.equal(
    lossMask.reduce((a, b) => a + b, 0),
    tok.encode(' Titanic (1997)').length + 1,
  );
});

test('promptIds ends right after the ASSISTANT marker; renderChat without a response is the prompt alone', () => {
  const p = promptIds(tok, SAMPLES[2].prompt);
  assert.equal(p.at(-1), tok.special.assistantTurn);
  assert.deepEqual(renderChat(tok, SAMPLES[2].prompt), { ids: p, lossMask: p.map(() => 0) });
  assert.deepEqual(libraryIds(tok, chatText(SAMPLES[2].prompt)), p);
  assert.equal(chatText('hi'), '<s>USER: hi ASSISTANT:');
  assert.equal(chatText('hi', 'yo'), '<s>USER: hi ASSISTANT: yo</s>');
});

test('soft tokens: only the exact "<user>"/"<item>" of a prompt, found in order', () => {
  const ids = promptIds(tok, 'x <item> y <user> z <item> ‹item> <Item>');
  assert.deepEqual(
    softTokenPositions(tok, ids).map((p) => p.token),
    ['<item>', '<user>', '<item>'],
  );
  assert.deepEqual(softTokenPositions(tok, tok.encode('<user> <item>')), []);
});

test('title spans: markers are single special ids and a title inside one is encoded as a response of its own', () => {
  const text = 'Yes. It follows <title>Item 3</title> and <title>Item 12</title>, so go.';
  const ids = responseIds(tok, text);
  const o = tok.special.titleOpen;
  const c = tok.special.titleClose;
  assert.deepEqual(ids, [
    ...tok.encode(' Yes. It follows'),
    o,
    ...responseIds(tok, 'Item 3'),
    c,
    ...tok.encode(' and'),
    o,
    ...responseIds(tok, 'Item 12'),
    c,
    ...tok.encode(', so go.'),
  ]);
  assert.equal(unmarkTitles(tok.decode(ids)).trim(), 'Yes. It follows Item 3 and Item 12, so go.', 'decoded and unmarked: the plain text');
  assert.deepEqual(responseIds(tok, '<title>Item 3</title>'), [o, ...responseIds(tok, 'Item 3'), c], 'a span first');
  assert.deepEqual(responseIds(tok, 'no spans'), tok.encode(' no spans'));
});

test('markTitles: the first two occurrences, the longest title where they overlap, never inside a word; unmarkTitles undoes it', () => {
  const titles = ['Heat (1995)', 'Heat', 'Up', 'Alien', 'Aliens (1986)'];
  const text = 'Heat (1995) beats Heat and Aliens (1986); Upside Up, not Alienated.';
  const marked = markTitles(text, titles);
  assert.equal(
    marked,
    '<title>Heat (1995)</title> beats <title>Heat</title> and <title>Aliens (1986)</title>; Upside <title>Up</title>, not Alienated.',
  );
  assert.equal(unmarkTitles(marked).trim(), text);
  assert.equal(markTitles(text, []), text);
  assert.equal(markTitles('Up, Up and Up.', titles), '<title>Up</title>, <title>Up</title> and Up.', 'a title is marked twice at most');
});
