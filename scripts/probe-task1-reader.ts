// Diagnostic: how well can anything that reads f's user vectors learn task 1 (f's top unseen item) from
// the training samples `tasks --prefixes K` gives? No LM: a user projector and an item projector (the
// aligned models' own Projector, f's vectors at the same input scales) scored by their dot product,
// trained with softmax cross-entropy over the catalogue (the history masked), then HR@5 on every
// user's test history (the task-1 test samples' histories). The LM's task-1 figure cannot be expected
// above what this reader reaches on the same samples. Step 0 is the projectors' initialisation (`align
// --projector-init apart|shared --projector-draw random|linear`, projector seed SEED): its HR@5, and
// the mean over test users of the correlation across the catalogue between P_user(u)·P_item(e) and
// f's score u·e. TARGET: ce (one-hot on f's top item, as task 1's answer) or distill (f's softmax over
// the catalogue at τ 0.5, as align --distill --distill-temperature 0.5 fits it).
//   node --import tsx scripts/probe-task1-reader.ts RUN_DIR [K,K,…] [STEPS] [apart|shared] [SEED] [random|linear] [ce|distill]
// RUN_DIR: a `run` output folder (dataset/ and rec/); prints one JSON line per K and evaluation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.js';
import { Rng } from '../src/engine/rng.js';
import { tf } from '../src/engine/tf.js';
import { leaveOneOut } from '../src/data/process.js';
import { newProjectors } from '../src/align/model.js';
import { principalDirections } from '../src/align/directions.js';
import { SoftVectors } from '../src/align/soft.js';
import { openRecommender } from '../src/rec/open.js';
import { USER_TOKEN } from '../src/data/text_forms.js';
import type { Soft } from '../src/tasks/forms.js';

const [run, ksArg = '1,6', stepsArg = '2000', init = 'apart', seedArg = '1', draw = 'random', target = 'ce'] = process.argv.slice(2);
if (!run || !['apart', 'shared'].includes(init) || !['random', 'linear'].includes(draw) || !['ce', 'distill'].includes(target))
  throw new Error('usage: probe-task1-reader.ts RUN_DIR [K,K,…] [STEPS] [apart|shared] [SEED] [random|linear] [ce|distill]');
const TAU = 0.5;
const MAX_HISTORY = 9; // the f of `run` reads the last 9 items
const BATCH = 64;
const EVAL_EVERY = 500;

await initEngine({ backend: 'auto' });
const rec = await openRecommender({ kind: 'folder', dir: join(run, 'rec') });
const n = rec.nItems;
const d = rec.hidden;
const sequences = readFileSync(join(run, 'dataset', 'sequences.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => leaveOneOut((JSON.parse(l) as { items: number[] }).items));
const items = tf.tensor2d(rec.itemTable().slice(d), [n, d]); // row i − 1 = item i

interface Sample {
  u: Float32Array; // f's user vector of the history
  history: number[];
  top: number; // f's top item outside the history
}
/** The samples of these histories, their user vectors from `vectors` (as align gets them). */
function samples(vectors: SoftVectors, histories: number[][]): Sample[] {
  const softs: Soft[] = histories.map((history) => ({ token: USER_TOKEN, kind: 'user', user: null, history }));
  vectors.prepare(softs);
  return softs.map((soft, i) => ({ u: vectors.vector(soft), history: histories[i], top: rec.topK(histories[i], 1)[0] }));
}
const test = samples(
  new SoftVectors(rec),
  sequences.map((s) => [...s.train, s.valid].slice(-MAX_HISTORY)),
);

for (const k of ksArg.split(',').map(Number)) {
  // the K longest training prefixes of each user, as `tasks --prefixes K`; the projectors' input
  // scales from their user vectors (and the item table), as align sets them
  const vectors = new SoftVectors(rec);
  const train = samples(
    vectors,
    sequences.flatMap((s) =>
      Array.from({ length: Math.min(k, s.train.length) }, (_, p) => s.train.slice(0, s.train.length - p).slice(-MAX_HISTORY)),
    ),
  );
  const scales = vectors.inputScales();
  const directions = draw === 'linear' ? principalDirections(items, scales.item, 128, Number(seedArg)) : undefined;
  const { user, item } = newProjectors(d, 256, Number(seedArg), scales, init === 'shared', directions);
  const opt = tf.train.adam(1e-3);
  const rng = new Rng(0);
  const userTable = (xs: readonly Sample[]) => tf.tensor2d(Float32Array.from(xs.flatMap((x) => [...x.u])), [xs.length, d]);
  const historyMask = (xs: readonly Sample[]) => {
    const mask = new Float32Array(xs.length * n);
    xs.forEach((x, b) => x.history.forEach((i) => (mask[b * n + i - 1] = -1e9)));
    return tf.tensor2d(mask, [xs.length, n]);
  };
  const logits = (xs: readonly Sample[]): Tensor =>
    tf.add(tf.matMul(user.forward(userTable(xs)), item.forward(items), false, true), historyMask(xs));
  const targets = (xs: readonly Sample[]): Tensor =>
    target === 'distill'
      ? tf.softmax(tf.div(tf.add(tf.matMul(userTable(xs), items, false, true), historyMask(xs)), TAU))
      : tf.oneHot(
          tf.tensor1d(
            xs.map((x) => x.top - 1),
            'int32',
          ),
          n,
        );
  const hr5 = (): number =>
    tf.tidy(() => {
      const l = logits(test).arraySync() as number[][];
      return l.filter((row, b) => row.filter((x) => x > row[test[b].top - 1]).length < 5).length / test.length;
    });
  // mean over test users of the Pearson correlation across items of P_user(u)·P_item(e) with u·e
  const fit = (): number =>
    tf.tidy(() => {
      const u = userTable(test);
      const centred = (t: Tensor) => tf.sub(t, tf.mean(t, 1, true));
      const a = centred(tf.matMul(user.forward(u), item.forward(items), false, true));
      const b = centred(tf.matMul(u, items, false, true));
      return tf.mean(tf.div(tf.sum(tf.mul(a, b), 1), tf.mul(tf.norm(a, 2, 1), tf.norm(b, 2, 1)))).dataSync()[0];
    });
  const line = (step: number) =>
    console.log(
      JSON.stringify({
        prefixes: k,
        init,
        draw,
        target,
        seed: Number(seedArg),
        train_samples: train.length,
        step,
        test_users: test.length,
        'hr@5': hr5(),
        corr_f: fit(),
      }),
    );
  line(0);
  for (let step = 1; step <= Number(stepsArg); step++) {
    const xs = Array.from({ length: BATCH }, () => train[rng.int(train.length)]);
    tf.tidy(() => {
      const y = targets(xs);
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, logits(xs)) as Scalar);
    });
    if (step % EVAL_EVERY === 0) line(step);
  }
}
