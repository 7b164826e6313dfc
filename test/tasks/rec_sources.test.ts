// The tasks stage on f from elsewhere, against an MF trained here (train-rec --export-onnx): its ONNX
// user tower gives byte-identical task files; its fixed user and item tables give the same samples
// (task 3 included) except task 7, which is skipped and reported as skipped (no leave-one-out).
// The ring SASRec's ONNX export gives byte-identical files too (its scores differ from tfjs' by
// ~1e-7, and the ring data has no rankings that close).
// Later stages find the same f through the tasks folder.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/helpers.js';
import { ringDataset, trainedRing } from '../rec/fixture.js';
import { leaveOneOut } from '../../src/facts/attribution.js';
import { TRAIN_REC_DEFAULTS } from '../../src/rec/config.js';
import { userTowerOnnx } from '../../src/rec/onnx_export.js';
import { openRecommender } from '../../src/rec/open.js';
import { Recommender } from '../../src/rec/recommender.js';
import { trainRec } from '../../src/rec/train.js';
import { SoftVectors } from '../../src/align/soft.js';
import { buildTasks } from '../../src/tasks/build.js';
import { readTaskRecords, tasksSources } from '../../src/tasks/records.js';
import { TASKS_DEFAULTS, type TasksConfig } from '../../src/tasks/config.js';
import type { TaskRecord } from '../../src/tasks/forms.js';

const tmp = mkdtempSync(join(tmpdir(), 'rec-sources-'));
const data = ringDataset(120, 150, 5, join(tmp, 'data'));
const mf = join(tmp, 'mf');
const emb = join(mf, 'embeddings.safetensors');
const FILES = ['train', 'test'].flatMap((s) => ['B', 'I', 'H'].map((f) => `${s}.${f}.jsonl`));
const base = { ...TASKS_DEFAULTS, data, task5: [4, 1], backend: 'wasm', quiet: true } satisfies Partial<TasksConfig>;
const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');

before(async () => {
  await trainRec({
    ...TRAIN_REC_DEFAULTS,
    model: 'mf',
    exportOnnx: true,
    hidden: 8,
    epochs: 2,
    evalEvery: 2,
    data,
    out: mf,
    backend: 'wasm',
    quiet: true,
  });
  await buildTasks({ ...base, rec: mf, out: join(tmp, 'folder') });
});

test("tasks on the MF's ONNX export equal tasks on its train-rec folder, byte for byte", async () => {
  const r = await buildTasks({ ...base, recOnnx: join(mf, 'model.onnx'), itemEmbeddings: emb, out: join(tmp, 'onnx') });
  assert.deepEqual(r.skipped, []);
  for (const name of [...FILES, 'counts.json']) assert.equal(read(join(tmp, 'onnx'), name), read(join(tmp, 'folder'), name), name);
  assert.ok(read(join(tmp, 'onnx'), 'test.I.jsonl').includes('"task":7'));
});

test("tasks on the ring SASRec's ONNX export equal tasks on its folder, byte for byte", async () => {
  const ring = await trainedRing();
  const sasrec = await Recommender.load(ring.rec, 'wasm');
  writeFileSync(join(tmp, 'sasrec.onnx'), userTowerOnnx(sasrec.model!));
  const ringBase = { ...base, data: ring.data };
  await buildTasks({ ...ringBase, rec: ring.rec, out: join(tmp, 'sasrec-folder') });
  await buildTasks({
    ...ringBase,
    recOnnx: join(tmp, 'sasrec.onnx'),
    itemEmbeddings: join(ring.rec, 'embeddings.safetensors'),
    out: join(tmp, 'sasrec-onnx'),
  });
  for (const name of [...FILES, 'counts.json'])
    assert.equal(read(join(tmp, 'sasrec-onnx'), name), read(join(tmp, 'sasrec-folder'), name), name);
});

test("later stages read the ONNX f back from the tasks folder; its soft-token vectors (align's) equal the folder's, user ids included", async () => {
  const src = tasksSources(join(tmp, 'onnx')).rec;
  assert.deepEqual(src, { kind: 'onnx', model: join(mf, 'model.onnx'), items: emb });
  const softs = readTaskRecords(join(tmp, 'onnx', 'train.I.jsonl')).flatMap((r) => r.soft);
  const [onnx, folder] = [new SoftVectors(await openRecommender(src)), new SoftVectors(await openRecommender({ kind: 'folder', dir: mf }))];
  onnx.prepare(softs);
  folder.prepare(softs);
  const users = softs.filter((s) => s.kind === 'user');
  assert.ok(new Set(users.map((s) => s.user)).size > 100);
  for (const s of users) assert.deepEqual(onnx.vector(s), folder.vector(s));
  onnx.rec.dispose();
});

test('tasks on fixed user and item tables: the same samples but task 7, which is skipped in one line; no attribution', async () => {
  const out = join(tmp, 'table');
  const r = cli([
    'tasks',
    '--data',
    data,
    '--rec-embeddings',
    `${emb},${emb}`,
    '--out',
    out,
    '--task5',
    '4,1',
    '--backend',
    'wasm',
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^task 7 skipped \(it cites f's leave-one-out contributors\): f is a fixed table of user vectors/m);
  const config = JSON.parse(read(out, 'config.json')) as { skipped: string[] };
  assert.equal(config.skipped.length, 1);
  for (const name of FILES) {
    const lines = (dir: string) =>
      read(dir, name)
        .trim()
        .split('\n')
        .filter((l) => (JSON.parse(l) as TaskRecord).task !== 7);
    const mine = lines(out);
    assert.deepEqual(mine, lines(join(tmp, 'folder')), name);
    if (name.startsWith('test'))
      assert.ok(
        mine.some((l) => (JSON.parse(l) as TaskRecord).task === 3),
        name,
      );
    assert.equal(mine.length, read(out, name).trim().split('\n').length, `${name} holds no task 7`);
  }

  const rec = await openRecommender({ kind: 'embeddings', users: emb, items: emb });
  assert.equal(rec.readsHistory, false);
  assert.throws(() => leaveOneOut(rec, [1, 2], 3, 0), /^UserError: leave-one-out attribution skipped: f is a fixed table of user vectors/);
  assert.throws(() => rec.scoreAll([1, 2]), /scores the data set's users only/);
  assert.throws(() => rec.scoreAll([1], 120), /unknown user id 121 \(f's user table knows users 1\.\.120\)/);
  // a user vector's scores (a soft token's, for align's teachers) are scoreAll's; score picks from them
  const all = rec.scoreAll([1], 4);
  assert.deepEqual(rec.scoreVector(rec.userVectors([[1]], [4])), all);
  assert.deepEqual([...rec.score([1], [3, 7], 4)], [all[3], all[7]]);
  assert.equal(all[0], -Infinity);
  assert.throws(() => rec.scoreVector(new Float32Array(rec.hidden + 1)), /scoreVector: a user vector of/);
});
