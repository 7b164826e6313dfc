// The stages after tasks on an ONNX f, end to end: an MF trained here on the ring data set
// (train-rec --export-onnx) is read back as f through its ONNX user tower (which reads user ids and
// refuses a history without one), and a run folder without rec/ is built on it: tasks, align (mode
// I, a random tiny base LM, a few steps), eval, explain (chosen pairs) and serve (the real HTTP
// server). Every f answer is checked against the train-rec folder the ONNX file was exported from:
// eval's labels, the aligned model's answers (equal to the same model reading the folder f, and not
// to one reading each user's neighbour's vector), explain's f decisions, the served top-k, scores,
// ranks and contributors; the ONNX MF's vectors are the folder's exactly, so all are equal. The eval
// command distils no sasrec-kd student from an ONNX f: that row is null with a note.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/helpers.js';
import { ringDataset } from './fixture.js';
import { writeNpy } from './onnx_towers.js';
import { TINY } from '../lm/tiny.js';
import { ALIGN_DEFAULTS } from '../../src/align/config.js';
import type { AlignMeta } from '../../src/align/model.js';
import { align } from '../../src/align/train.js';
import { tokenizerCorpus } from '../../src/base/corpus.js';
import { readDataset } from '../../src/data/dataset.js';
import { leaveOneOut } from '../../src/data/process.js';
import { titlesById } from '../../src/data/text_forms.js';
import { initEngine } from '../../src/engine/backend.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { EVAL_DEFAULTS } from '../../src/eval/config.js';
import type { AnswerRow } from '../../src/eval/evaluate.js';
import { evaluateAll } from '../../src/eval/run.js';
import { EXPLAIN_DEFAULTS } from '../../src/explain/config.js';
import type { ExplanationRow } from '../../src/explain/evaluate.js';
import { explainAll } from '../../src/explain/run.js';
import { leaveOneOut as contributions } from '../../src/facts/attribution.js';
import { saveLm } from '../../src/lm/io/checkpoint.js';
import { Llama } from '../../src/lm/model/llama.js';
import { trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';
import { TRAIN_REC_DEFAULTS } from '../../src/rec/config.js';
import { Recommender } from '../../src/rec/recommender.js';
import type { RecSource } from '../../src/rec/source.js';
import { trainRec } from '../../src/rec/train.js';
import { rankUnseen } from '../../src/tasks/generate.js';
import { SERVE_DEFAULTS } from '../../src/serve/config.js';
import { startServer } from '../../src/serve/server.js';
import { disposeService, loadService } from '../../src/serve/service.js';
import { buildTasks } from '../../src/tasks/build.js';
import { TASKS_DEFAULTS } from '../../src/tasks/config.js';
import type { Soft, TaskRecord } from '../../src/tasks/forms.js';
import { readTaskRecords, taskFile } from '../../src/tasks/records.js';

const tmp = mkdtempSync(join(tmpdir(), 'onnx-pipeline-'));
const data = ringDataset(120, 150, 5, join(tmp, 'data'));
const mf = join(tmp, 'mf');
const emb = join(mf, 'embeddings.safetensors');
const onnx: RecSource = { kind: 'onnx', model: join(mf, 'model.onnx'), items: emb };
const run = join(tmp, 'run'); // as `run` lays it out, but without rec/: the service finds f through the tasks
const tasks = join(run, 'tasks');
const lmI = join(run, 'lm-I');
const base = join(tmp, 'base');
const USERS = [3, 11]; // the pairs explain and serve ask about
const ds = readDataset(data);
const titles = titlesById(ds.items);
let folder: Recommender; // the f the ONNX file was exported from

const jsonl = <T>(...path: string[]): T[] =>
  readFileSync(join(...path), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);

/** The user's test-time history (training sequence + validation item), as the test tasks, explain --pairs and serve use it. */
function historyOf(user: number): number[] {
  const sp = leaveOneOut(ds.sequences[user - 1].items);
  return [...sp.train, sp.valid];
}

/** The folder f's items outside the history, best first, and the size of its yes pool (the top posTop share). */
function ranked(history: readonly number[], user: number): { ranked: number[]; pool: number } {
  const r = rankUnseen(folder.scoreAll(history, user - 1), history);
  return { ranked: r, pool: Math.max(1, Math.floor(TASKS_DEFAULTS.posTop * r.length)) };
}

/** Copy of the aligned model whose align.json names another f. */
function repointed(name: string, rec: RecSource): string {
  const dir = join(tmp, name);
  cpSync(lmI, dir, { recursive: true });
  const meta = JSON.parse(readFileSync(join(dir, 'align.json'), 'utf8')) as AlignMeta;
  writeFileSync(join(dir, 'align.json'), JSON.stringify({ ...meta, rec }));
  return dir;
}

before(async () => {
  const quiet = { backend: 'wasm', quiet: true } as const;
  await trainRec({ ...TRAIN_REC_DEFAULTS, ...quiet, model: 'mf', exportOnnx: true, hidden: 8, epochs: 2, evalEvery: 2, data, out: mf });
  await buildTasks({ ...TASKS_DEFAULTS, ...quiet, data, recOnnx: onnx.model, itemEmbeddings: emb, task5: [0, 0], out: tasks });
  await initEngine({ backend: 'wasm' });
  folder = await Recommender.load(mf, 'wasm');
  const tok = trainTokenizer({ texts: tokenizerCorpus(data), vocabSize: 320 });
  const model = new Llama({ ...TINY, vocab_size: tok.vocabSize, max_position_embeddings: 512, tie_word_embeddings: false }, 7, 0.5);
  saveLm(base, model);
  tok.save(join(base, 'tokenizer.json'));
  model.dispose();
  await align({
    ...ALIGN_DEFAULTS,
    mode: 'I',
    tasks,
    baseModel: base,
    out: lmI,
    loraR: 0,
    maxSteps: 6,
    batchSize: 4,
    lr: 5e-3,
    warmup: 2,
    perTask: 8,
    quiet: true,
  });
});

after(() => folder.dispose());

test("align on the tasks' ONNX f: align.json names that f, with projectors for its 8-wide vectors", () => {
  const meta = JSON.parse(readFileSync(join(lmI, 'align.json'), 'utf8')) as AlignMeta;
  assert.deepEqual(meta.rec, onnx);
  assert.equal(meta.projector_in, 8);
  assert.equal(meta.steps, 6);
});

test("eval on the ONNX f: labels are the folder f's answers; the I model answers as with the folder f, not with a user's neighbour's vector", async () => {
  const cfg = { ...EVAL_DEFAULTS, tasks, baselines: [], users: 2, task4: 0, quiet: true, freeToo: false };
  const answers = async (model: string, out: string) => {
    await evaluateAll({ ...cfg, models: [model], out: join(tmp, out) });
    return jsonl<AnswerRow>(tmp, out, 'answers', 'recexplainer-i.jsonl');
  };
  const mine = await answers(lmI, 'eval');
  const byId = new Map(readTaskRecords(taskFile(tasks, 'test', 'I')).map((r) => [r.id, r]));
  const soft = <K extends Soft['kind']>(r: TaskRecord, kind: K) => r.soft.find((s): s is Extract<Soft, { kind: K }> => s.kind === kind)!;
  assert.deepEqual(new Set(mine.map((a) => a.task)), new Set([1, 2, 3, 6]));
  for (const a of mine) {
    const r = byId.get(a.id)!;
    const history = soft(r, 'user').history;
    const f = ranked(history, a.user!);
    if (a.task === 1) assert.equal(a.label, titles[f.ranked[0]], a.id);
    if (a.task === 3) assert.equal(a.id.endsWith('-pos'), f.ranked.indexOf(soft(r, 'item').item) < f.pool, a.id);
  }
  // the same model reading the folder f: the same answers, task-3 likelihoods included
  assert.deepEqual(await answers(repointed('lm-I-folder', { kind: 'folder', dir: mf }), 'eval-folder'), mine);
  // reading user u + 1's vector for user u (an off-by-one in the user ids): other task-3 likelihoods
  const users = readSafetensors(emb).tensors.user_emb;
  const [n, d] = users.shape;
  const shifted = Float32Array.from({ length: n * d }, (_, i) => users.data[(i + d) % (n * d)]);
  const neighbour = writeNpy(join(tmp, 'users-shifted.npy'), [n, d], shifted);
  const off = await answers(repointed('lm-I-shifted', { kind: 'embeddings', users: neighbour, items: emb }), 'eval-shifted');
  const task3 = (rows: AnswerRow[]) => rows.filter((a) => a.task === 3).map((a) => a.output);
  assert.notDeepEqual(task3(off), task3(mine));
});

test('eval (the command) on the ONNX f: no sasrec-kd student is distilled from it; the row is null with a note, the others written', () => {
  const out = join(tmp, 'eval-cli');
  const r = cli(['eval', '--tasks', tasks, '--out', out, '--baselines', 'random,sasrec-kd', '--users', '2', '--task4', '0', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
    methods: Record<string, unknown>;
    notes: Record<string, string>;
  };
  assert.equal(report.methods['sasrec-kd'], null);
  assert.equal(
    report.notes['sasrec-kd'],
    `skipped: distilling a student needs f as a train-rec folder, not ${onnx.model} (ONNX) with ${emb} (give --student)`,
  );
  assert.ok(report.methods.random);
  assert.ok(!existsSync(join(out, 'sasrec-kd')));
});

test("explain --pairs on the ONNX f: f's decisions are the folder f's, at the edge of its yes pool", async () => {
  const pairs = USERS.flatMap((user) => {
    const f = ranked(historyOf(user), user);
    return [
      { user, item: f.ranked[f.pool - 1], decision: 'yes' }, // the last item f says yes to
      { user, item: f.ranked[f.pool], decision: 'no' }, // the first it says no to
    ];
  });
  const file = join(tmp, 'pairs.jsonl');
  writeFileSync(file, pairs.map(({ user, item }) => JSON.stringify({ user, item })).join('\n'));
  const r = await explainAll({
    ...EXPLAIN_DEFAULTS,
    tasks,
    out: join(run, 'explain'),
    models: [lmI],
    pairs: file,
    sample: 0,
    distinction: false,
    baselines: ['template'],
    freeToo: false,
    leadOrder: false, // one pass, as serve decodes: its texts are compared with these below
    quiet: true,
  });
  assert.deepEqual(Object.keys(r.explanations), ['template', 'recexplainer-i']);
  for (const name of ['template', 'recexplainer-i']) {
    const rows = jsonl<ExplanationRow>(run, 'explain', 'explanations', `${name}.jsonl`);
    assert.deepEqual(
      rows.map((x) => [x.user, x.item, x.f_decision]),
      pairs.map((p) => [p.user, p.item, p.decision]),
      name,
    );
  }
});

test("serve on the ONNX f (a run folder without rec/): f's top-k, score, rank, decision and contributors are the folder f's", async () => {
  const svc = await loadService(run);
  const server = await startServer(svc, { ...SERVE_DEFAULTS, port: 0 });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, any>; // any: checked field by field below
    assert.equal(res.status, 200, JSON.stringify(json));
    return json;
  };
  try {
    assert.equal(svc.rec.kind, 'onnx');
    assert.deepEqual(
      svc.lms.map((l) => l.name),
      ['base-lm', 'recexplainer-i'],
    );
    const user = USERS[0];
    const history = historyOf(user);
    const scores = folder.scoreAll(history, user - 1);
    const rec = await post('/v1/recommend', { user, k: 5, models: ['recexplainer-i'] });
    const p = rec.predictions[0];
    assert.deepEqual(p.history, history);
    assert.deepEqual(
      p.f.map((x: { item: number; score: number }) => [x.item, x.score]),
      folder.topK(history, 5, history, user - 1).map((i) => [i, scores[i]]),
    );
    assert.equal(p.models['recexplainer-i'].titles.length, 5);

    const f = ranked(history, user);
    const item = f.ranked[f.pool - 1];
    const ex = await post('/v1/explain', { user, item, explainers: ['template', 'recexplainer-i'] });
    const q = ex.predictions[0];
    assert.deepEqual([q.score, q.rank, q.of, q.decision], [scores[item], f.pool, f.ranked.length, 'yes']);
    assert.deepEqual(
      q.contributors.map((c: { item: number; effect: number }) => [c.item, c.effect]),
      contributions(folder, history, item, user - 1)
        .slice(0, 5)
        .map((c) => [c.item, c.effect]),
    );
    // the served explanation is the explain stage's for the same pair (both in one pass, no lead order)
    const row = jsonl<ExplanationRow>(run, 'explain', 'explanations', 'recexplainer-i.jsonl').find(
      (x) => x.user === user && x.item === item,
    )!;
    assert.equal(ex.explanations[0]['recexplainer-i'].text, row.text);
  } finally {
    await server.close();
    disposeService(svc);
  }
});
