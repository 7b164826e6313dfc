// f as an ONNX user tower (--rec-onnx): two towers written here, (a) a masked mean through a linear
// layer and (b) softmax-attention pooling, score like the same computation in TypeScript (within
// 1e-4) on left-padded, truncated histories, and so does our SASRec exported by train-rec
// --export-onnx against its folder; bad models, flags and ids are one-line errors.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, UserError } from '../../src/engine/errors.js';
import { writeSafetensors } from '../../src/engine/safetensors.js';
import { openRecommender } from '../../src/rec/open.js';
import { recSource } from '../../src/rec/source.js';
import { Recommender } from '../../src/rec/recommender.js';
import { userTowerOnnx } from '../../src/rec/onnx_export.js';
import { trainedRing } from './fixture.js';
import { attentionTower, meanTower, randomTable, writeNpy, writeOnnx } from './onnx_towers.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-'));
const opened: Recommender[] = [];
after(() => {
  opened.forEach((r) => r.dispose());
  rmSync(dir, { recursive: true, force: true });
});

const N = 30; // items 1..N
const K = 5; // the towers' own embedding width
const D = 4; // f's vectors
const items = randomTable(N + 1, D, 7);
const itemsNpy = writeNpy(join(dir, 'items.npy'), [N + 1, D], items);
const itemsSt = join(dir, 'items.safetensors');
writeSafetensors(itemsSt, { item_emb: { dtype: 'F32', shape: [N + 1, D], data: items } });

const HISTORIES = [[3], [1, 2, 3], [30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20], [7, 7, 8], [12, 4, 19, 4, 2, 9, 1]];

async function open(file: string, flags: Record<string, unknown> = {}, table = itemsNpy): Promise<Recommender> {
  const rec = await openRecommender({ kind: 'onnx', model: file, items: table, ...flags });
  opened.push(rec);
  return rec;
}

function sameScores(rec: Recommender, reference: (h: readonly number[]) => Float32Array): void {
  const all = Array.from({ length: N }, (_, i) => i + 1);
  for (const h of HISTORIES) {
    const u = reference(h);
    const got = rec.score(h, all);
    all.forEach((i, j) => {
      const want = u.reduce((s, x, c) => s + x * items[i * D + c], 0);
      assert.ok(Math.abs(got[j] - want) < 1e-4, `history ${h}, item ${i}: ${got[j]} vs ${want}`);
    });
  }
  const batch = rec.userVectors(HISTORIES);
  HISTORIES.forEach((h, r) => rec.userVectors([h]).forEach((x, c) => assert.ok(Math.abs(x - batch[r * D + c]) < 1e-6)));
}

const oneLine =
  (re: RegExp, type: abstract new (...args: never[]) => Error = UserError) =>
  (e: Error) => {
    assert.ok(e instanceof type, `${e.name}: ${e.message}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), e.message);
    return true;
  };

test('(a) masked mean + linear, a dynamic history length (--onnx-max-len 8) and a .npy item table', async () => {
  const t = meanTower(N, K, D, 8);
  const rec = await open(writeOnnx(join(dir, 'mean.onnx'), t.graph), { maxLen: 8 });
  assert.equal(rec.kind, 'onnx');
  assert.equal(rec.nItems, N);
  assert.equal(rec.nUsers, null);
  assert.ok(rec.readsHistory);
  sameScores(rec, t.reference);
});

test("(b) softmax-attention pooling, the graph's fixed length 6, a .safetensors item table", async () => {
  const t = attentionTower(N, K, D, 6);
  const file = writeOnnx(join(dir, 'attn.onnx'), t.graph);
  sameScores(await open(file, {}, itemsSt), t.reference);
  await assert.rejects(open(file, { maxLen: 7 }), oneLine(/--onnx-max-len 7, but .* fixed length 6/));
});

test('our SASRec exported to ONNX scores like its train-rec folder (within 1e-4), histories longer than maxLen included', async () => {
  const { rec: dirOf } = await trainedRing();
  const folder = await Recommender.load(dirOf, 'wasm');
  const file = join(dir, 'sasrec.onnx');
  writeFileSync(file, userTowerOnnx(folder.model!));
  const onnx = await open(file, {}, join(dirOf, 'embeddings.safetensors'));
  for (const h of [[1], [3, 4, 5], [10, 11, 13, 14, 16, 17, 18, 20, 21, 23, 24, 26], [50, 2, 7, 7]]) {
    const [a, b] = [folder.scoreAll(h), onnx.scoreAll(h)];
    for (let i = 1; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `history ${h}, item ${i}: ${a[i]} vs ${b[i]}`);
  }
});

test('bad models are one-line errors: truncated file, wrong input dtype, output of the wrong width, ambiguous inputs', async () => {
  const good = readFileSync(writeOnnx(join(dir, 'good.onnx'), meanTower(N, K, D, 8).graph));
  writeFileSync(join(dir, 'cut.onnx'), good.subarray(0, Math.floor(good.length / 2)));
  await assert.rejects(open(join(dir, 'cut.onnx')), oneLine(/cut\.onnx: onnxruntime cannot load it/, DataError));
  await assert.rejects(open(join(dir, 'none.onnx')), oneLine(/none\.onnx: no such ONNX file/));

  const float = writeOnnx(join(dir, 'float.onnx'), meanTower(N, K, D, 8, { historyType: 'float32' }).graph);
  await assert.rejects(open(float), oneLine(/input "history" is float32; the item-id history must be int64 or int32/, DataError));

  const wide = writeOnnx(join(dir, 'wide.onnx'), meanTower(N, K, D + 1, 8, { declaredWidth: 'width' }).graph);
  await assert.rejects(open(wide), oneLine(/output "user_vec" has shape \[batch, 5\]; expected \[B, 4\]/, DataError));
  const m = meanTower(N, K, D, 8).graph; // its vectors summed over the batch: one row whatever B
  const pooled = writeOnnx(join(dir, 'pooled.onnx'), {
    ...m,
    outputs: [{ name: 'pooled', type: 'float32', shape: ['rows', D] }],
    nodes: [...m.nodes, { op: 'ReduceSum', inputs: ['user_vec', 'ax0'], outputs: ['pooled'], attrs: { keepdims: { i: 1 } } }],
    initializers: [...m.initializers, { name: 'ax0', type: 'int64', dims: [1], data: BigInt64Array.of(0n) }],
  });
  const rows = await open(pooled);
  assert.throws(
    () => rows.userVectors([[1], [2, 3]]),
    oneLine(/output "pooled" has shape \[1, 4\] for 2 histories; expected \[2, 4\]/, DataError),
  );
  const g = meanTower(N, K, D, 8).graph;
  const rename = (n: string) => (n === 'mask' ? 'weights' : n); // a mask whose name says nothing
  const two = writeOnnx(join(dir, 'two.onnx'), {
    ...g,
    inputs: g.inputs.map((i) => ({ ...i, name: rename(i.name) })),
    nodes: g.nodes.map((n) => ({ ...n, inputs: n.inputs.map(rename) })),
  });
  await assert.rejects(
    open(two),
    oneLine(/cannot tell the history input among "history", "weights"; name it with --onnx-input/, DataError),
  );
  await assert.rejects(open(two, { input: 'history' }), oneLine(/input "weights" is neither the history/, DataError));
  sameScores(await open(two, { input: 'history', mask: 'weights', maxLen: 8 }), meanTower(N, K, D, 8).reference);
  await assert.rejects(
    open(two, { input: 'history', mask: 'weights', output: 'u' }),
    oneLine(/has no output "u" \(--onnx-output\); its outputs: "user_vec"/, DataError),
  );
});

test("ids out of range: beyond f's item table (a UserError), beyond the tower's own table (onnxruntime's error, one line)", async () => {
  const rec = await open(writeOnnx(join(dir, 'ok.onnx'), meanTower(N, K, D, 8).graph));
  assert.throws(() => rec.score([1, N + 1], [2]), oneLine(/unknown item id 31 \(the model knows items 1\.\.30\)/));
  assert.throws(() => rec.userVectors([[0]]), oneLine(/unknown item id 0/));
  const small = await open(writeOnnx(join(dir, 'small.onnx'), meanTower(N, K, D, 8, { embRows: 10 }).graph));
  assert.throws(() => small.userVectors([[12]]), oneLine(/small\.onnx: onnxruntime failed to run it: .*/, DataError));
});

test('item tables and flags: wrong shapes and stray or missing flags are one-line errors', async () => {
  const flat = writeNpy(join(dir, 'flat.npy'), [N + 1], new Float32Array(N + 1));
  await assert.rejects(
    open(join(dir, 'ok.onnx'), {}, flat),
    oneLine(/flat\.npy: has shape \[31\]; expected a table \[rows, d\]/, DataError),
  );
  await assert.rejects(open(join(dir, 'ok.onnx'), {}, join(dir, 'items.csv')), oneLine(/must be a \.safetensors or \.npy file/));
  assert.throws(() => recSource({ recOnnx: 'm.onnx' }), oneLine(/--rec-onnx needs --item-embeddings/));
  assert.throws(() => recSource({ rec: 'r', recEmbeddings: 'u,i' }), oneLine(/--rec and --rec-embeddings: name one target model f/));
  assert.throws(() => recSource({ rec: 'r', onnxMaxLen: 5 }), oneLine(/--onnx-max-len: only with --rec-onnx/));
  assert.throws(() => recSource({ recEmbeddings: 'u.npy' }), oneLine(/expected two files, <users>,<items>/));
  assert.throws(() => recSource({}), oneLine(/name the target model f/));
  assert.equal(recSource({}, true), undefined);
});
