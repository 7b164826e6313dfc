// The distinction experiments' pieces on synthetic data: a stratified 4/1 split, a softmax
// discriminator that separates separable classes, ridge regression recovering a linear map, and
// distinguish() giving informative texts a lower score MSE than uninformative ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';
import { distinguish, standardise, stratifiedSplit, trainRidge, trainSoftmax } from '../../src/explain/distinction.js';

const rng = new Rng(5);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());

test('stratifiedSplit holds out one fifth of each class, seeded', () => {
  const labels = [...Array(50).fill(0), ...Array(25).fill(1)];
  const s = stratifiedSplit(labels, 1);
  assert.equal(s.test.filter((i) => labels[i] === 0).length, 10);
  assert.equal(s.test.filter((i) => labels[i] === 1).length, 5);
  assert.equal(new Set([...s.train, ...s.test]).size, 75);
  assert.deepEqual(stratifiedSplit(labels, 1), s);
});

test('softmax regression separates three shifted clusters; ridge recovers a linear map', () => {
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < 40; i++) (x.push(Float64Array.from([c * 3 + gauss() * 0.3, -c * 2 + gauss() * 0.3, gauss()])), y.push(c));
  const predict = trainSoftmax(x, y, 3);
  assert.equal(x.filter((r, i) => predict(r) === y[i]).length, 120);
  const xr = Array.from({ length: 60 }, () => Float64Array.from([gauss(), gauss()]));
  const reg = trainRidge(
    xr,
    xr.map((r) => 2 * r[0] - r[1] + 3),
    1e-9,
  );
  for (const r of xr.slice(0, 5)) assert.ok(Math.abs(reg(r) - (2 * r[0] - r[1] + 3)) < 1e-6);
  const z = standardise([Float32Array.from([1, 5]), Float32Array.from([3, 5])], [0, 1]);
  assert.deepEqual(
    z.map((r) => Array.from(r)),
    [
      [-1, 0],
      [1, 0],
    ],
  );
});

test("distinguish: texts that carry f's score predict it better; distinct writers are told apart", () => {
  const n = 100;
  const scores = Array.from({ length: n }, () => gauss());
  const informative = scores.map((s) => Float32Array.from([s + 0.1 * gauss(), 5 + gauss()]));
  const blind = scores.map(() => Float32Array.from([gauss(), -5 + gauss()]));
  const r = distinguish([informative, blind], ['aligned', 'template'], scores, 3);
  assert.ok(r.discriminator_acc > 0.95, String(r.discriminator_acc));
  assert.ok(r.score_mse.aligned < 0.1 * r.score_mse.template, JSON.stringify(r.score_mse));
  assert.equal(
    r.confusion.flat().reduce((a, b) => a + b, 0),
    40,
  );
});
