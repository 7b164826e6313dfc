// The copy curriculum and probe: the sequences' structure (every trained token of a span window is
// what an induction rule predicts; title examples recall the listed titles), seeded probe sets, the
// exact-copy rate on hand-made cases, and the teacher-forced argmax equal to greedy decoding.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/rng.js';
import {
  copyCurriculum,
  spanExample,
  spanProbes,
  titleExample,
  titleProbes,
  PROBE_SPAN,
  PROBE_TITLES,
  type CopyVocab,
} from '../../src/base/copy.js';
import { exactRate, teacherForcedArgmax } from '../../src/base/copy_probe.js';
import { greedyDecode } from '../../src/lm/decode/search.js';
import { Llama } from '../../src/lm/model/llama.js';
import { TINY } from '../lm/tiny.js';

before(async () => {
  await initEngine({ backend: 'wasm' });
});

/** 20 titles of 1–3 tokens (ids 10–39), separator 3, cues 4/5/6, end 7, spans over ids 8–39. */
const V: CopyVocab = {
  bos: 0,
  eos: 1,
  spanIds: Array.from({ length: 32 }, (_, i) => 8 + i),
  titles: Array.from({ length: 20 }, (_, k) => Array.from({ length: 1 + (k % 3) }, (_, j) => 10 + ((k + j * 7) % 30))),
  sep: [3],
  listCue: [4],
  allCue: [5],
  oneCue: [6],
  end: [7],
};

test('span windows: bos first, the given length, every trained token follows an earlier occurrence of its predecessor', () => {
  const rng = new Rng(1);
  for (let n = 0; n < 50; n++) {
    const { ids, lossMask } = spanExample(V, rng, 64);
    assert.equal(ids.length, 64);
    assert.equal(ids[0], V.bos);
    const trained = Array.from(lossMask!)
      .map((m, t) => (m ? t : -1))
      .filter((t) => t >= 0);
    assert.ok(trained.length >= 10, `only ${trained.length} trained tokens`);
    for (const t of trained) {
      let found = false;
      for (let j = 0; j + 1 < t - 1 && !found; j++) found = ids[j] === ids[t - 1] && ids[j + 1] === ids[t];
      assert.ok(found, `token ${t} of window ${n} is not an induction copy`);
    }
  }
});

test('title examples: "Items: list" then all of it again or one title, trained on the recalled part only', () => {
  const rng = new Rng(2);
  const kinds = new Set<string>();
  for (let n = 0; n < 40; n++) {
    const { ids, lossMask } = titleExample(V, rng, 512);
    const cue = ids.findIndex((t) => t === V.allCue[0] || t === V.oneCue[0]);
    const list = ids.slice(2, cue);
    const answer = ids.slice(cue + 1);
    assert.deepEqual(ids.slice(0, 2), [V.bos, V.listCue[0]]);
    assert.deepEqual(answer.slice(-2), [...V.end, V.eos]);
    const recalled = answer.slice(0, -2);
    if (ids[cue] === V.allCue[0]) {
      kinds.add('all');
      assert.deepEqual(recalled, list);
    } else {
      kinds.add('one');
      const titles = list.join(',').split(`,${V.sep[0]},`);
      assert.ok(titles.includes(recalled.join(',')), 'the recalled title is not in the list');
    }
    Array.from(lossMask!).forEach((m, t) => assert.equal(m, t > cue ? 1 : 0));
  }
  assert.deepEqual([...kinds].sort(), ['all', 'one']);
  // a list that would not fit loses titles
  const short = titleExample(V, new Rng(3), 12);
  assert.ok(short.ids.length <= 12);
});

test('the curriculum and the probe sets are fixed by their seeds; probes hold PROBE_SPAN-token spans and PROBE_TITLES-title lists', () => {
  assert.deepEqual(copyCurriculum(V, 6, 32, 256, 5), copyCurriculum(V, 6, 32, 256, 5));
  assert.notDeepEqual(copyCurriculum(V, 6, 32, 256, 5), copyCurriculum(V, 6, 32, 256, 6));
  const spans = spanProbes(V, 10, 7);
  assert.deepEqual(spans, spanProbes(V, 10, 7));
  for (const p of spans) {
    assert.equal(p.target.length, PROBE_SPAN - 1);
    const cue = p.prompt.at(-1)!;
    const found = p.prompt.some((t, j) => t === cue && p.prompt.slice(j + 1, j + PROBE_SPAN).join() === p.target.join());
    assert.ok(found, 'the target is the span after an earlier occurrence of its cue');
  }
  for (const p of titleProbes(V, 10, 8)) {
    assert.equal(p.target.filter((t) => t === V.sep[0]).length, PROBE_TITLES - 1);
    assert.deepEqual(p.prompt.slice(2, -1), p.target);
  }
});

test('exactRate: a probe counts only when every token matches', () => {
  const probes = [
    { prompt: [1], target: [5, 6, 7] },
    { prompt: [1], target: [5, 6, 7] },
    { prompt: [2], target: [9] },
    { prompt: [2], target: [9, 9] },
  ];
  assert.equal(exactRate([[5, 6, 7], [5, 6, 8], [9], [9]], probes), 0.5);
  assert.equal(exactRate([[5, 6, 7], [5, 6, 7], [9], [9, 9]], probes), 1);
  assert.equal(exactRate([[7, 6, 5], [], [8], [9, 8]], probes), 0);
  assert.throws(() => exactRate([[5, 6, 7]], probes), /1 predictions for 4 probes/);
});

test('the teacher-forced argmax is what greedy decoding produces (batched, mixed lengths)', () => {
  const m = new Llama(TINY, 3, 0.5);
  const prompts = [[5, 9, 2, 33], [7], [12, 3, 3, 8, 20, 21, 4], [30, 31]];
  const greedy = prompts.map((p) => greedyDecode(m, [{ ids: p }], { maxNewTokens: 6 })[0]);
  const probes = prompts.map((p, i) => ({ prompt: p, target: greedy[i] }));
  assert.deepEqual(teacherForcedArgmax(m, probes), greedy);
  assert.equal(exactRate(teacherForcedArgmax(m, probes), probes), 1);
  const wrong = probes.map((p) => ({ ...p, target: [...p.target.slice(0, -1), (p.target.at(-1)! + 1) % TINY.vocab_size] }));
  assert.equal(exactRate(teacherForcedArgmax(m, wrong), wrong), 0);
  m.dispose();
});
