// --engine llama-cpp end to end on the ring data set's tasks, with a random base model in an HF folder
// (written to a temporary F32 GGUF for llama.cpp, loaded once for base-lm and icl; the folder is gone
// afterwards). eval: base-lm and icl answer grounded and free as our decoder does: the same texts for
// tasks 1 and 2 (beams, greedy, both also constrained; the B form has no task 4 or 6) and task-3
// likelihoods within the exact engine's bound (test/lm/llama_cpp_engine.test.ts: 2·1e-3 per answer
// token) and not bitwise ours. explain: the base-lm explainer writes our texts, grounded (title spans)
// and free. Skipped where node-llama-cpp cannot be loaded.
//
// A random model's two best logits are sometimes closer than the engines can disagree (1e-3), and
// a greedy text may part there (CI's CPU did so once in a 40-token free answer); the engine test
// checks token by token that a parting happens only at such a near-tie. Here, wiring: at most
// NEAR_TIES texts per file differ, and a differing text starts as ours does (the first COMMON
// characters past its opening quote or bracket). Texts parted at their first token and task-3
// scores were another record's in about one run in three while the engine evaluated its sequences
// side by side (src/lm/decode/llama_cpp.ts round: one at a time now; 0 of 18 runs since).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainedRing } from '../rec/fixture.js';
import { TINY } from '../lm/tiny.js';
import { tokenizerCorpus } from '../../src/base/corpus.js';
import { initEngine } from '../../src/engine/backend.js';
import { UserError } from '../../src/engine/errors.js';
import { EVAL_DEFAULTS } from '../../src/eval/config.js';
import type { AnswerRow } from '../../src/eval/evaluate.js';
import { evaluateAll } from '../../src/eval/run.js';
import { EXPLAIN_DEFAULTS } from '../../src/explain/config.js';
import type { ExplanationRow } from '../../src/explain/evaluate.js';
import { explainAll } from '../../src/explain/run.js';
import type { EngineName } from '../../src/lm/decode/text_engine.js';
import { saveLm } from '../../src/lm/io/checkpoint.js';
import { Llama } from '../../src/lm/model/llama.js';
import { trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';
import { TASKS_DEFAULTS } from '../../src/tasks/config.js';
import { buildTasks } from '../../src/tasks/build.js';

const PER_TOKEN = 2e-3;
const ANSWER_TOKENS = 8; // a task-3 answer ("Yes.", "No." and the end of the turn) is at most this many tokens here
const NEAR_TIES = 2; // texts per file allowed to part from ours
const COMMON = 4;

/** Asserts `theirs` is `mine` text by text but for at most NEAR_TIES partings after a common start; returns how many differ. */
function assertSameTexts(theirs: readonly unknown[], mine: readonly unknown[], what: string): number {
  assert.equal(theirs.length, mine.length, what);
  const differ = mine.flatMap((m, i) => (JSON.stringify(theirs[i]) === JSON.stringify(m) ? [] : [i]));
  for (const i of differ)
    assert.equal(JSON.stringify(theirs[i]).slice(0, COMMON + 1), JSON.stringify(mine[i]).slice(0, COMMON + 1), `${what} [${i}]`);
  assert.ok(differ.length <= NEAR_TIES, `${what}: ${differ.length} texts differ from ours`);
  return differ.length;
}
const tmp = mkdtempSync(join(tmpdir(), 'llama-cpp-eval-'));
const tasks = join(tmp, 'tasks');
const base = join(tmp, 'base');

before(async () => {
  const ring = await trainedRing();
  await buildTasks({ ...TASKS_DEFAULTS, data: ring.data, rec: ring.rec, out: tasks, task5: [0, 0], backend: 'wasm', quiet: true });
  await initEngine({ backend: 'wasm' });
  const tok = trainTokenizer({ texts: tokenizerCorpus(ring.data), vocabSize: 320 });
  const model = new Llama({ ...TINY, vocab_size: tok.vocabSize, max_position_embeddings: 512, tie_word_embeddings: false }, 7, 0.5);
  saveLm(base, model);
  tok.save(join(base, 'tokenizer.json'));
  model.dispose();
});

/** Runs `stage` with llama.cpp (a reason to skip where it cannot be loaded), then with ours; checks the temporary GGUF folder is gone. */
async function bothEngines(stage: (engine: EngineName) => Promise<unknown>): Promise<string | undefined> {
  const earlier = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('recexplainer-llama-cpp-')));
  try {
    await stage('llama-cpp');
  } catch (e) {
    if (e instanceof UserError && /node-llama-cpp/.test(e.message)) return e.message;
    throw e;
  }
  await stage('ours');
  assert.deepEqual(
    readdirSync(tmpdir()).filter((f) => f.startsWith('recexplainer-llama-cpp-') && !earlier.has(f)),
    [],
    'the temporary GGUF folder is removed',
  );
}

function jsonl<T>(...path: string[]): T[] {
  return readFileSync(join(...path), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
}

test('eval --engine llama-cpp: base-lm and icl answer as with our decoder, grounded and free', async (t) => {
  const out = (engine: EngineName) => join(tmp, 'eval', engine);
  const skip = await bothEngines((engine) =>
    evaluateAll({
      ...EVAL_DEFAULTS,
      tasks,
      out: out(engine),
      models: [],
      baseModel: base,
      users: 4,
      task4: 0,
      quiet: true,
      baselines: ['base-lm', 'icl'],
      engine,
    }),
  );
  if (skip) return t.skip(skip);
  let compared = 0;
  let parted = 0;
  let rounded = 0; // task-3 scores not bitwise ours: llama.cpp computed them
  for (const file of ['base-lm.jsonl', 'icl.jsonl'].flatMap((f) => [join('answers', f), join('answers', 'free', f)])) {
    const mine = jsonl<AnswerRow>(out('ours'), file);
    const theirs = jsonl<AnswerRow>(out('llama-cpp'), file);
    assert.equal(theirs.length, mine.length);
    assert.deepEqual(
      theirs.map((r) => r.id),
      mine.map((r) => r.id),
    );
    const texts = (rows: AnswerRow[]) => rows.filter((r) => r.task !== 3).map((r) => r.output);
    parted += assertSameTexts(texts(theirs), texts(mine), file);
    mine.forEach((m, i) => {
      const o = theirs[i];
      if (m.task !== 3) return;
      (m.output as readonly number[]).forEach((v, k) =>
        assert.ok(
          Math.abs((o.output as readonly number[])[k] - v) < ANSWER_TOKENS * PER_TOKEN,
          `${file} ${m.id}: ${o.output} vs ${m.output}`,
        ),
      );
      assert.equal(o.parsed, m.parsed);
      if (JSON.stringify(o.output) !== JSON.stringify(m.output)) rounded++;
    });
    compared += mine.length;
  }
  assert.deepEqual(new Set(jsonl<AnswerRow>(out('ours'), 'answers', 'base-lm.jsonl').map((r) => r.task)), new Set([1, 2, 3]));
  assert.ok(rounded > 0, 'every task-3 score is bitwise ours: was llama.cpp used?');
  t.diagnostic(`${compared} answers compared, ${parted} task-1/2 texts parted at a near-tie`);
});

test('explain --engine llama-cpp: the base-lm explainer writes our texts, grounded and free', async (t) => {
  const out = (engine: EngineName) => join(tmp, 'explain', engine);
  const skip = await bothEngines((engine) =>
    explainAll({
      ...EXPLAIN_DEFAULTS,
      tasks,
      out: out(engine),
      models: [],
      baseModel: base,
      sample: 6,
      distinction: false,
      quiet: true,
      baselines: ['base-lm'],
      engine,
    }),
  );
  if (skip) return t.skip(skip);
  for (const dir of [['explanations'], ['explanations', 'free']]) {
    const texts = (engine: EngineName) => jsonl<ExplanationRow>(out(engine), ...dir, 'base-lm.jsonl').map((r) => r.text);
    assert.equal(texts('ours').length, 6);
    assertSameTexts(texts('llama-cpp'), texts('ours'), dir.join('/'));
  }
});
