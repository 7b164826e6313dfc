// Constrained decoding: the token trie on hand cases, listConstraint's allowed sets, beam search
// under a constraint against brute-force scoring of every allowed answer (exact when the beam is
// as wide as the catalogue), both step engines giving the same constrained greedy and beam answers,
// and title spans: free text whose every span holds a catalogue sequence, under random logits and
// in the decoder, with the training-time allowed sets (allowedAlong) equal to the decoder's; a
// lead: the anchor first or after its list, and a lead's order.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.js';
import { tf } from '../../src/engine/tf.js';
import { Rng } from '../../src/engine/rng.js';
import { allowedAlong, countedConstraint, listConstraint, spanConstraint, type Constraint } from '../../src/lm/decode/constraint.js';
import { beamSearch, greedyDecode } from '../../src/lm/decode/search.js';
import { TokenTrie } from '../../src/lm/decode/trie.js';
import { Llama } from '../../src/lm/model/llama.js';
import { EOS, TINY } from './tiny.js';

before(async () => {
  await initEngine({ backend: 'wasm' });
});

const sorted = (a: Iterable<number> | undefined) => [...(a ?? [])].sort((x, y) => x - y);

test('trie: children, endings, subtree counts and paths on hand cases', () => {
  const t = new TokenTrie([[5, 6], [5], [5, 7, 8], [9], [5, 6]]);
  assert.equal(t.size, 4, 'the repeated [5, 6] is one sequence');
  const n5 = t.child(0, 5);
  assert.deepEqual(sorted([...t.children(0)].map(([tok]) => tok)), [5, 9]);
  assert.deepEqual(sorted([...t.children(n5)].map(([tok]) => tok)), [6, 7]);
  assert.equal(t.endsAt(n5), 1);
  assert.equal(t.endsAt(t.child(n5, 6)), 0);
  assert.equal(t.endsAt(t.child(n5, 7)), -1);
  assert.equal(t.endsAt(t.child(t.child(n5, 7), 8)), 2);
  assert.equal(t.child(0, 6), -1);
  assert.equal(t.count(0), 4);
  assert.equal(t.count(n5), 3);
  assert.equal(t.nodeOf(2, 0), 0);
  assert.equal(t.nodeOf(2, 1), n5);
  assert.equal(t.nodeOf(1, 2), -1);
  assert.throws(() => new TokenTrie([[1], []]), /empty/);
});

test('listConstraint: one item (minus excluded ones), the end token exactly where an item ends', () => {
  const first = new TokenTrie([[5, 6], [5], [5, 7, 8], [9]]);
  const c = listConstraint({ first, eosId: EOS, exclude: [3] });
  let s = c.start();
  assert.deepEqual(sorted(c.allowed(s)), [5], 'item 3 ([9]) is excluded');
  s = c.next(s, 5);
  assert.deepEqual(sorted(c.allowed(s)), [EOS, 6, 7]);
  s = c.next(s, 7);
  assert.deepEqual(sorted(c.allowed(s)), [8]);
  assert.throws(() => c.next(s, 6), /not allowed/);
  const none = listConstraint({ first: new TokenTrie([[9]]), eosId: EOS, exclude: [0] });
  assert.throws(() => none.start(), /every item is excluded/);
});

test('listConstraint: lists of distinct items, at most maxItems, no dead ends', () => {
  // items a=[5], b=[5,6], c=[7]; after another item each is [SEP, ...]
  const SEP = 3;
  const items = [[5], [5, 6], [7]];
  const c = listConstraint({ first: new TokenTrie(items), rest: new TokenTrie(items.map((x) => [SEP, ...x])), maxItems: 2, eosId: EOS });
  let s = c.start();
  s = c.next(s, 7); // c
  assert.deepEqual(sorted(c.allowed(s)), [EOS, SEP]);
  s = c.next(s, SEP);
  assert.deepEqual(sorted(c.allowed(s)), [5], 'c is used');
  s = c.next(s, 5);
  assert.deepEqual(sorted(c.allowed(s)), [EOS, 6], 'two items named: no separator');
  // a then b: after "a |" the only way on is b = [5, 6], so 5 must lead on to 6 (a is used)
  let t = c.next(c.next(c.start(), 5), SEP);
  t = c.next(t, 5);
  assert.deepEqual(c.allowed(t), [6]);
  // with maxItems 3: after a, b the separator leads only to c
  const c3 = listConstraint({ first: new TokenTrie(items), rest: new TokenTrie(items.map((x) => [SEP, ...x])), maxItems: 3, eosId: EOS });
  let u = c3.start();
  for (const tok of [5, SEP, 5, 6, SEP]) u = c3.next(u, tok);
  assert.deepEqual(c3.allowed(u), [7]);
  u = c3.next(u, 7);
  assert.deepEqual(c3.allowed(u), [EOS], 'every item used');
});

/** Σ log p of `answer` then the end token after `prompt`, by one full forward pass. */
function answerLogProb(m: Llama, prompt: number[], answer: number[]): number {
  const ids = [...prompt, ...answer, EOS];
  const lp = tf.tidy(() => tf.logSoftmax(m.logits(m.forward(m.embed(Int32Array.from(ids), 1, ids.length)))).arraySync() as number[][][])[0];
  return answer.concat(EOS).reduce((s, t, j) => s + lp[prompt.length - 1 + j][t], 0);
}

/** 20 distinct titles of 1–4 tokens (ids 4–39), some prefixes of others. */
function toyCatalogue(seed: number): number[][] {
  const rng = new Rng(seed);
  const out = new Map<string, number[]>();
  while (out.size < 20) {
    const base = out.size > 0 && rng.int(3) === 0 ? [...out.values()][rng.int(out.size)] : [];
    const t = [...base, ...Array.from({ length: 1 + rng.int(3) }, () => 4 + rng.int(36))].slice(0, 4);
    out.set(t.join(','), t);
  }
  return [...out.values()];
}

for (const engine of ['wasm', 'tfjs'] as const) {
  test(`${engine} steps: constrained beam search over a 20-title catalogue = brute-force scoring`, () => {
    const m = new Llama(TINY, 21, 0.6);
    const titles = toyCatalogue(4);
    const prompt = [4, 9, 17, 2];
    const trie = new TokenTrie(titles);
    const brute = titles.map((t) => ({ ids: t, logProb: answerLogProb(m, prompt, t) })).sort((a, b) => b.logProb - a.logProb);
    // a beam as wide as the catalogue prunes nothing: every title, in the order of its summed log-probability
    const wide = beamSearch(
      m,
      { ids: prompt, constraint: listConstraint({ first: trie, eosId: EOS }) },
      { beams: 20, maxNewTokens: 6, eosId: EOS, lengthPenalty: 0, engine },
    );
    assert.deepEqual(
      wide.map((b) => b.ids),
      brute.map((b) => b.ids),
    );
    wide.forEach((b, i) => assert.ok(Math.abs(b.logProb - brute[i].logProb) < 1e-4 && b.finished && b.score === b.logProb));
    // 5 beams prune (a title whose first token ranks low is lost), so they need not be the brute-force top 5;
    // they are distinct titles, sorted, each scored by its true log-probability
    const five = beamSearch(
      m,
      { ids: prompt, constraint: listConstraint({ first: trie, eosId: EOS }) },
      { beams: 5, maxNewTokens: 6, eosId: EOS, lengthPenalty: 0, engine },
    );
    const truth = new Map(brute.map((b) => [b.ids.join(','), b.logProb]));
    assert.equal(new Set(five.map((b) => b.ids.join(','))).size, 5);
    five.forEach((b, i) => {
      assert.ok(Math.abs(b.logProb - truth.get(b.ids.join(','))!) < 1e-4, `beam ${i} is a title with its true score`);
      if (i > 0) assert.ok(b.score <= five[i - 1].score);
    });
    m.dispose();
  });
}

test('constrained greedy and beam answers are the same on both step engines; greedy stays in the catalogue', () => {
  const m = new Llama(TINY, 22, 0.6);
  const titles = toyCatalogue(5);
  const SEP = 3;
  const trie = new TokenTrie(titles);
  const rest = new TokenTrie(titles.map((t) => [SEP, ...t]));
  const prompts = [[4, 9, 17, 2], [8], [30, 31, 5]].map((ids, i) => ({
    ids,
    constraint: listConstraint({ first: trie, rest, maxItems: 3, exclude: [i], eosId: EOS }),
  }));
  const greedy = (engine: 'wasm' | 'tfjs') => greedyDecode(m, prompts, { maxNewTokens: 20, eosId: EOS, engine });
  const g = greedy('wasm');
  assert.deepEqual(greedy('tfjs'), g);
  const keys = new Set(titles.map((t) => t.join(',')));
  g.forEach((ids, i) => {
    const parts = ids.join(',').split(`,${SEP},`);
    assert.ok(parts.length <= 3 && new Set(parts).size === parts.length, `distinct, at most 3: ${ids}`);
    for (const p of parts) assert.ok(keys.has(p) && p !== titles[i].join(','), `${p} is an allowed title`);
  });
  assert.ok(
    g.some((ids) => ids.includes(SEP)),
    'some answer should be a list',
  );
  for (const p of prompts) {
    const beam = (engine: 'wasm' | 'tfjs') => beamSearch(m, p, { beams: 5, maxNewTokens: 20, eosId: EOS, lengthPenalty: 0, engine });
    const w = beam('wasm');
    const t = beam('tfjs');
    assert.deepEqual(
      t.map((b) => b.ids),
      w.map((b) => b.ids),
    );
    w.forEach((b, i) => assert.ok(Math.abs(b.logProb - t[i].logProb) < 1e-4));
  }
  m.dispose();
});

const OPEN = 2;
const CLOSE = 3;

/** The spans of a generated sequence (each open … close, or open … end when cut off), as comma-joined ids. */
function spansOf(ids: readonly number[]): { closed: string[]; open: string | null } {
  const closed: string[] = [];
  let cur: number[] | null = null;
  for (const t of ids) {
    if (cur === null) {
      if (t === OPEN) cur = [];
    } else if (t === CLOSE) (closed.push(cur.join(',')), (cur = null));
    else cur.push(t);
  }
  return { closed, open: cur && cur.join(',') };
}

test('spanConstraint: free outside spans; a span holds one sequence of the trie, then may close', () => {
  const c = spanConstraint({ open: OPEN, close: CLOSE, spans: new TokenTrie([[5, 6], [5], [7]]), vocab: 10 });
  let s = c.start();
  assert.equal(c.allowed(s), undefined);
  s = c.next(s, 9);
  assert.equal(c.allowed(s), undefined, 'plain text stays free');
  s = c.next(s, OPEN);
  assert.deepEqual(sorted(c.allowed(s)), [5, 7]);
  s = c.next(s, 5);
  assert.deepEqual(sorted(c.allowed(s)), [CLOSE, 6], '[5] may end here or go on to [5, 6]');
  s = c.next(s, 6);
  assert.deepEqual(sorted(c.allowed(s)), [CLOSE]);
  s = c.next(s, CLOSE);
  assert.equal(c.allowed(s), undefined);
  assert.throws(() => c.next(c.next(c.start(), OPEN), 9), /not allowed/);
  assert.throws(() => spanConstraint({ open: OPEN, close: CLOSE, spans: new TokenTrie([]), vocab: 10 }), /no sequence/);
  // maxUses: [7] twice is spent; [5] spent too leaves [5, 6]; all spent, no span may open
  const m = spanConstraint({ open: OPEN, close: CLOSE, spans: new TokenTrie([[5, 6], [5], [7]]), vocab: 10, maxUses: 2 });
  let u = m.start();
  for (const t of [OPEN, 7, CLOSE, 9, OPEN, 7, CLOSE, OPEN]) u = m.next(u, t);
  assert.deepEqual(sorted(m.allowed(u)), [5], '[7] was held twice');
  for (const t of [5, CLOSE, OPEN, 5, CLOSE, OPEN, 5]) u = m.next(u, t);
  assert.deepEqual(sorted(m.allowed(u)), [6], '[5] was held twice: only [5, 6] is left');
  for (const t of [6, CLOSE, OPEN, 5, 6, CLOSE]) u = m.next(u, t);
  assert.deepEqual(sorted(m.allowed(u)), [0, 1, 3, 4, 5, 6, 7, 8, 9], 'every sequence spent: anything but a new span');
  // maxUses per sequence: [7] once, [5] three times
  const p = spanConstraint({ open: OPEN, close: CLOSE, spans: new TokenTrie([[7], [5]]), vocab: 10, maxUses: [1, 3] });
  let v = p.start();
  for (const t of [OPEN, 7, CLOSE, OPEN]) v = p.next(v, t);
  assert.deepEqual(sorted(p.allowed(v)), [5], '[7] may be held once');
  for (const t of [5, CLOSE, OPEN, 5, CLOSE, OPEN]) v = p.next(v, t);
  assert.deepEqual(sorted(p.allowed(v)), [5], '[5] a third time');
  for (const t of [5, CLOSE]) v = p.next(v, t);
  assert.ok(!p.allowed(v)!.includes(OPEN), 'both spent');
});

test('countedConstraint: text free, each counted token at most its count', () => {
  const c = countedConstraint(
    4,
    new Map([
      [6, 1],
      [8, 2],
    ]),
  );
  let s = c.start();
  assert.deepEqual(sorted(c.allowed(s)), [0, 1, 2, 3, 6, 8]);
  for (const t of [2, 6, 3]) s = c.next(s, t);
  assert.deepEqual(sorted(c.allowed(s)), [0, 1, 2, 3, 8], '6 once');
  s = c.next(s, 8);
  assert.deepEqual(sorted(c.allowed(s)), [0, 1, 2, 3, 8], '8 a second time');
  s = c.next(s, 8);
  assert.deepEqual(sorted(c.allowed(s)), [0, 1, 2, 3]);
  assert.equal(c.allowed(c.next(c.start(), 6)), c.allowed({ spent: [6], sentence: [] }), 'one array per state');
});

test("with sentence ends, a counted token or a span's sequence is held at most once a sentence", () => {
  const END = 4; // a sentence-ending text token (OPEN 2 and CLOSE 3 are the span's)
  const ends = new Set([END]);
  const c = countedConstraint(5, new Map([[8, 2]]), ends);
  let s = c.next(c.start(), 8);
  assert.deepEqual(sorted(c.allowed(s)), [0, 1, 2, 3, 4], '8 once in this sentence');
  s = c.next(c.next(s, 1), END);
  assert.deepEqual(sorted(c.allowed(s)), [0, 1, 2, 3, 4, 8], 'again in the next');
  s = c.next(s, 8);
  assert.deepEqual(sorted(c.allowed(c.next(s, END))), [0, 1, 2, 3, 4], 'its count spent');
  const p = spanConstraint({ open: OPEN, close: CLOSE, spans: new TokenTrie([[7], [5]]), vocab: 10, maxUses: [1, 3], ends });
  let v = [OPEN, 5, CLOSE, 1].reduce((x, t) => p.next(x, t), p.start());
  assert.deepEqual(sorted(p.allowed(p.next(v, OPEN))!), [7], '5 already in this sentence');
  v = [END, OPEN].reduce((x, t) => p.next(x, t), v);
  assert.deepEqual(sorted(p.allowed(v)!), [5, 7], 'a new sentence');
  v = [7, CLOSE, END, OPEN].reduce((x, t) => p.next(x, t), v);
  assert.deepEqual(sorted(p.allowed(v)!), [5], '7 used up (once), 5 free again');
});

test('with a lead, only its sequences before the anchor, each once and at most `most`; anything after', () => {
  // counted tokens 5, 6, 7 (the lead's), 8 (the anchor), 9 (neither): text tokens 0…4
  const lead = { anchor: 8, before: new Set([5, 6, 7]), most: 2 };
  const c = countedConstraint(5, new Map([5, 6, 7, 8, 9].map((t) => [t, 2])), undefined, lead);
  const walk = (ts: number[]) => ts.reduce((x, t) => c.next(x, t), c.start());
  assert.deepEqual(sorted(c.allowed(c.start())), [0, 1, 2, 3, 4, 5, 6, 7, 8], '9 not before the anchor');
  assert.deepEqual(sorted(c.allowed(walk([5, 1]))), [0, 1, 2, 3, 4, 6, 7], '5 once; a list begun, the anchor waits for its end');
  assert.deepEqual(sorted(c.allowed(walk([5, 6]))), [0, 1, 2, 3, 4, 8], 'two held: only the anchor');
  assert.deepEqual(sorted(c.allowed(walk([5, 6, 8]))), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'after the anchor: each up to its count');
  // the same over span sequences [7], [5], [6] (indices 0, 1, 2): the anchor is index 2, the lead index 0
  const p = spanConstraint({
    open: OPEN,
    close: CLOSE,
    spans: new TokenTrie([[7], [5], [6]]),
    vocab: 10,
    lead: { anchor: 2, before: new Set([0]), most: 3 },
  });
  const span = (x: ReturnType<typeof p.start>, t: number) => [OPEN, t, CLOSE].reduce((y, u) => p.next(y, u), x);
  assert.deepEqual(sorted(p.allowed(p.next(p.start(), OPEN))!), [6, 7], '5 not before the anchor 6');
  assert.deepEqual(sorted(p.allowed(p.next(span(p.start(), 7), OPEN))!), [6], '7 once before it');
  assert.deepEqual(sorted(p.allowed(p.next(span(p.start(), 6), OPEN))!), [5, 6, 7], 'after it, any');
});

test('a lead with an order: its k-th sequence before the anchor is order[k]; the anchor first, or after the list', () => {
  const lead = { anchor: 8, before: new Set([5, 6, 7]), most: 3, order: [7, 5, 6] };
  const c = countedConstraint(5, new Map([5, 6, 7, 8, 9].map((t) => [t, 2])), undefined, lead);
  const walk = (ts: number[]) => ts.reduce((x, t) => c.next(x, t), c.start());
  assert.deepEqual(sorted(c.allowed(c.start())), [0, 1, 2, 3, 4, 7, 8], 'order[0] or the anchor first');
  assert.deepEqual(sorted(c.allowed(walk([7, 0]))), [0, 1, 2, 3, 4, 5], 'then order[1]; the anchor waits');
  assert.deepEqual(sorted(c.allowed(walk([7, 5]))), [0, 1, 2, 3, 4, 6]);
  assert.deepEqual(sorted(c.allowed(walk([7, 5, 6]))), [0, 1, 2, 3, 4, 8], 'the list done: the anchor');
  assert.deepEqual(sorted(c.allowed(walk([8]))), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'the anchor first: anything after');
  const two = countedConstraint(5, new Map([5, 6, 8].map((t) => [t, 1])), undefined, { anchor: 8, before: new Set([5, 6]), most: 3 });
  const w2 = [5, 6].reduce((x, t) => two.next(x, t), two.start());
  assert.deepEqual(sorted(two.allowed(w2)), [0, 1, 2, 3, 4, 8], 'a history of two: the list ends after both');
});

/** Greedy choice over the allowed tokens of each state, on given logits; the allowed sets it applied. */
function greedyOn<S>(c: Constraint<S>, logits: Float32Array[]): { ids: number[]; applied: (readonly number[] | undefined)[] } {
  let s = c.start();
  const ids: number[] = [];
  const applied: (readonly number[] | undefined)[] = [];
  for (const l of logits) {
    const a = c.allowed(s);
    const among = a ?? [...l.keys()];
    const t = among.reduce((best, i) => (l[i] > l[best] ? i : best), among[0]);
    applied.push(a);
    ids.push(t);
    s = c.next(s, t);
  }
  return { ids, applied };
}

test('title spans under random logits: every span holds a catalogue title; the training mask equals the decoding mask', () => {
  const titles = toyCatalogue(6);
  const keys = new Set(titles.map((t) => t.join(',')));
  const c = spanConstraint({ open: OPEN, close: CLOSE, spans: new TokenTrie(titles), vocab: TINY.vocab_size, maxUses: 2 });
  const rng = new Rng(11);
  let spans = 0;
  for (let trial = 0; trial < 300; trial++) {
    const logits = Array.from({ length: 24 }, () => {
      const l = Float32Array.from({ length: TINY.vocab_size }, () => 4 * rng.next());
      l[OPEN] += 1.5; // spans open often
      l[CLOSE] += 2 * rng.next() - 1; // and the close token sometimes wins where a title may end
      return l;
    });
    const { ids, applied } = greedyOn(c, logits);
    const { closed, open } = spansOf(ids);
    spans += closed.length;
    for (const sp of closed) assert.ok(keys.has(sp), `span [${sp}] of trial ${trial} is a title`);
    for (const sp of closed) assert.ok(closed.filter((x) => x === sp).length <= 2, `[${sp}] held at most twice`);
    if (open)
      assert.ok(
        [...keys].some((k) => k === open || k.startsWith(open + ',')),
        `cut-off span [${open}] is a title's prefix`,
      );
    assert.deepEqual(allowedAlong(c, ids), applied, 'training walks the same allowed sets');
  }
  assert.ok(spans > 300, `spans were exercised (${spans})`);
  assert.throws(() => allowedAlong(c, [OPEN, 1]), /not allowed/);
});

for (const engine of ['wasm', 'tfjs'] as const) {
  test(`${engine} steps: grounded greedy decoding opens spans only to name catalogue titles`, () => {
    const m = new Llama(TINY, 23, 0.6);
    const titles = toyCatalogue(7);
    const keys = new Set(titles.map((t) => t.join(',')));
    const prompts = [[4, 9, 17], [8, 30], [12]];
    // the open token is what the free model says first, so the grounded one opens a span at once
    const free = greedyDecode(
      m,
      prompts.map((ids) => ({ ids })),
      { maxNewTokens: 1, engine },
    );
    for (const [i, p] of prompts.entries()) {
      const open = free[i][0];
      const c = spanConstraint({
        open,
        close: open === 3 ? 2 : 3,
        spans: new TokenTrie(titles.filter((t) => !t.includes(open))),
        vocab: TINY.vocab_size,
      });
      const [ids] = greedyDecode(m, [{ ids: p, constraint: c }], { maxNewTokens: 12, engine });
      assert.equal(ids[0], open);
      const close = open === 3 ? 2 : 3;
      const inner = ids.slice(1, ids.includes(close) ? ids.indexOf(close) : undefined);
      const named = ids.includes(close) ? inner.join(',') : null;
      if (named !== null) assert.ok(keys.has(named), `[${named}] is a title`);
      else
        assert.ok(
          [...keys].some((k) => k.startsWith(inner.join(','))),
          `[${inner}] begins a title`,
        );
    }
    m.dispose();
  });
}
