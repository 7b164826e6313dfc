// Catalogue-grounded decoding on a tokenizer trained like ours and a tiny random Llama (random
// logits): every grounded task-1/4 answer is a catalogue title (task 1: outside the shown history),
// every task-2 answer an order of its candidates, every task-6 answer a list of distinct titles.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/rng.js';
import { readDataset } from '../../src/data/dataset.js';
import { LIST_SEP, normalTitle, parseList, recentHistory, renderList } from '../../src/data/text_forms.js';
import { grounding } from '../../src/eval/grounding.js';
import { beamSearch, greedyDecode } from '../../src/lm/decode/search.js';
import { Llama } from '../../src/lm/model/llama.js';
import { promptIds, responseIds } from '../../src/lm/tokenizer/chat.js';
import { trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';
import { tokenizerCorpus } from '../../src/base/corpus.js';
import type { TaskRecord } from '../../src/tasks/forms.js';
import { ringDataset } from '../rec/fixture.js';

const ring = ringDataset();
after(() => rmSync(ring, { recursive: true, force: true }));
const tok = trainTokenizer({ texts: tokenizerCorpus(ring), vocabSize: 1024 });
const EXTRA = ['The Matrix (1999)', 'Amélie', 'Se7en', "Don't Look Up!", 'WALL·E', 'Ocean’s Eleven - Special Edition', '9½ Weeks'];
const titles = ['', ...readDataset(ring).items.map((i) => normalTitle(i.title)), ...EXTRA.map(normalTitle)];
const MAX_HISTORY = 3;
const rng = new Rng(7);
const users = Array.from({ length: 6 }, (_, u) => u + 1);
const histories = new Map(users.map((u) => [u, Array.from({ length: 6 }, () => 1 + rng.int(titles.length - 1))]));
const g = grounding(tok, { titles, histories, maxHistory: MAX_HISTORY });
const catalogue = new Set(titles.filter(Boolean));
const CFG = {
  vocab_size: tok.vocabSize,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  max_position_embeddings: 160,
};
let models: Llama[] = [];
const EOS = tok.special.eos;
const opts = { maxNewTokens: 100, eosId: EOS };

before(async () => {
  await initEngine({ backend: 'wasm' });
  models = [11, 12, 13].map((seed) => new Llama(CFG, seed, 0.8));
});
after(() => models.forEach((m) => m.dispose()));

function record(task: TaskRecord['task'], user: number, items: number[]): TaskRecord {
  return {
    id: `t${task}-test-I-u${user}`,
    task,
    split: 'test',
    form: 'I',
    user,
    items,
    template: null,
    prompt: '',
    response: '',
    soft: [],
  };
}
const prompt = (u: number) => ({ ids: promptIds(tok, `user ${u} asks about ${titles[u]}`) });
const text = (ids: number[]) => tok.decode(ids).trim();

test('our trained tokenizer encodes a joined title list as its titles joined (task 6 can be grounded)', () => {
  const all = titles.filter(Boolean);
  for (let i = 0; i + 2 < all.length; i++) {
    const [a, b, c] = all.slice(i, i + 3);
    assert.deepEqual(responseIds(tok, renderList([a, b, c])), [
      ...responseIds(tok, a),
      ...tok.encode(LIST_SEP + b),
      ...tok.encode(LIST_SEP + c),
    ]);
  }
  assert.ok(g.history());
});

test('grounded task 1 (beams and greedy) and task 4: catalogue titles only, task 1 outside the shown history', () => {
  for (const m of models) {
    for (const u of users) {
      const shown = new Set(recentHistory(histories.get(u)!, MAX_HISTORY).map((i) => titles[i]));
      const beams = beamSearch(m, { ...prompt(u), constraint: g.nextItem(record(1, u, [])) }, { ...opts, beams: 5, lengthPenalty: 0 });
      assert.equal(beams.length, 5);
      for (const b of beams) {
        assert.ok(b.finished && catalogue.has(text(b.ids)), `"${text(b.ids)}" is a title`);
        assert.ok(!shown.has(text(b.ids)), `"${text(b.ids)}" is not in the shown history`);
      }
    }
    const ps = users.map((u) => ({ ...prompt(u), constraint: g.nextItem(record(1, u, [])) }));
    greedyDecode(m, ps, opts).forEach((ids, k) => {
      assert.ok(catalogue.has(text(ids)));
      assert.ok(!recentHistory(histories.get(users[k])!, MAX_HISTORY).some((i) => titles[i] === text(ids)));
    });
    const t4 = greedyDecode(
      m,
      users.map((u) => ({ ...prompt(u), constraint: g.title() })),
      opts,
    );
    for (const ids of t4) assert.ok(catalogue.has(text(ids)), `"${text(ids)}" is a title`);
  }
});

test('grounded task 2: a permutation of the 5 candidates; task 6: a list of distinct titles', () => {
  let lists = 0;
  for (const m of models) {
    const cands = users.map((u) => {
      const seen = new Set(histories.get(u));
      const c = new Set<number>();
      while (c.size < 5) {
        const i = 1 + rng.int(titles.length - 1);
        if (!seen.has(i)) c.add(i);
      }
      return [...c];
    });
    const ranked = greedyDecode(
      m,
      users.map((u, k) => ({ ...prompt(u), constraint: g.ranking(record(2, u, [...histories.get(u)!.slice(-MAX_HISTORY), ...cands[k]])) })),
      opts,
    );
    ranked.forEach((ids, k) => {
      const parts = text(ids).split(LIST_SEP);
      assert.deepEqual([...parts].sort(), cands[k].map((i) => titles[i]).sort(), `"${text(ids)}" orders the candidates`);
    });
    const recalled = greedyDecode(
      m,
      users.map((u) => ({ ...prompt(u), constraint: g.history() })),
      opts,
    );
    for (const ids of recalled) {
      const parts = text(ids).split(LIST_SEP);
      assert.ok(parts.length <= MAX_HISTORY && new Set(parts).size === parts.length, `"${text(ids)}": distinct, at most ${MAX_HISTORY}`);
      for (const p of parts) assert.ok(catalogue.has(p), `"${p}" is a title`);
      assert.deepEqual(parseList(text(ids)), parts);
      if (parts.length > 1) lists++;
    }
  }
  assert.ok(lists > 0, 'some task-6 answer should name several titles');
});
