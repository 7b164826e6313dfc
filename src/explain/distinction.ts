// Distinction (paper §3.4.2): do explanations carry who wrote them and what f thinks? Texts become
// features (the mean of a frozen LM's last hidden states over the text's tokens, standardised), then
// a softmax-regression discriminator predicts the explainer and a ridge regressor predicts f's score,
// each trained on a seeded, stratified 4/5 and measured on the remaining fifth.
import { Rng } from '../engine/rng.js';
import { tf } from '../engine/tf.js';
import type { Llama } from '../lm/model/llama.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';

/** Mean last hidden state over each text's tokens (bos first), [n][H]. */
export function textFeatures(model: Llama, tok: Tokenizer, texts: readonly string[], batchSize = 16): Float32Array[] {
  const maxLen = model.cfg.max_position_embeddings;
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const seqs = texts.slice(i, i + batchSize).map((t) => [tok.special.bos, ...tok.encode(t)].slice(0, maxLen));
    const B = seqs.length;
    const T = Math.max(...seqs.map((s) => s.length));
    const ids = new Int32Array(B * T);
    seqs.forEach((s, b) => ids.set(s, b * T));
    const h = tf.tidy(() => model.forward(model.embed(ids, B, T)).dataSync() as Float32Array); // [B,T,H]; right padding is causal-safe
    const H = model.cfg.hidden_size;
    seqs.forEach((s, b) => {
      const f = new Float32Array(H);
      for (let t = 0; t < s.length; t++) for (let c = 0; c < H; c++) f[c] += h[(b * T + t) * H + c] / s.length;
      out.push(f);
    });
  }
  return out;
}

/** Feature-wise standardisation fitted on `fit` rows, applied to all (constant features → 0). */
export function standardise(rows: readonly Float32Array[], fit: readonly number[]): Float64Array[] {
  const d = rows[0].length;
  const mu = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const i of fit) for (let c = 0; c < d; c++) mu[c] += rows[i][c] / fit.length;
  for (const i of fit) for (let c = 0; c < d; c++) sd[c] += (rows[i][c] - mu[c]) ** 2 / fit.length;
  return rows.map((r) => Float64Array.from(r, (x, c) => (sd[c] > 0 ? (x - mu[c]) / Math.sqrt(sd[c]) : 0)));
}

/** A seeded split holding out every fifth row of each class (after shuffling within the class). */
export function stratifiedSplit(labels: readonly number[], seed: number): { train: number[]; test: number[] } {
  const rng = new Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const c of [...new Set(labels)].sort((a, b) => a - b)) {
    const idx = rng.shuffle(labels.flatMap((l, i) => (l === c ? [i] : [])));
    idx.forEach((i, k) => (k % 5 === 4 ? test : train).push(i));
  }
  return { train, test };
}

/** Softmax regression by full-batch gradient descent with L2; returns a predict function. */
export function trainSoftmax(
  x: readonly Float64Array[],
  y: readonly number[],
  classes: number,
  opts = { epochs: 300, lr: 0.5, l2: 1e-3 },
): (row: Float64Array) => number {
  const d = x[0].length;
  const w = Array.from({ length: classes }, () => new Float64Array(d + 1)); // last entry: bias
  const logits = (r: Float64Array) => w.map((wc) => r.reduce((s, v, c) => s + v * wc[c], wc[d]));
  for (let e = 0; e < opts.epochs; e++) {
    const g = Array.from({ length: classes }, () => new Float64Array(d + 1));
    x.forEach((r, i) => {
      const z = logits(r);
      const m = Math.max(...z);
      const p = z.map((v) => Math.exp(v - m));
      const s = p.reduce((a, b) => a + b, 0);
      p.forEach((pc, c) => {
        const err = pc / s - (y[i] === c ? 1 : 0);
        for (let k = 0; k < d; k++) g[c][k] += (err * r[k]) / x.length;
        g[c][d] += err / x.length;
      });
    });
    w.forEach((wc, c) => {
      for (let k = 0; k < d; k++) wc[k] -= opts.lr * (g[c][k] + opts.l2 * wc[k]);
      wc[d] -= opts.lr * g[c][d];
    });
  }
  return (r) => {
    const z = logits(r);
    return z.indexOf(Math.max(...z));
  };
}

/** Ridge regression (bias unpenalised) by solving the normal equations; returns a predict function. */
export function trainRidge(x: readonly Float64Array[], y: readonly number[], lambda = 1): (row: Float64Array) => number {
  const d = x[0].length + 1;
  const a = Array.from({ length: d }, () => new Float64Array(d));
  const b = new Float64Array(d);
  const aug = (r: Float64Array) => [...r, 1];
  x.forEach((r, i) => {
    const v = aug(r);
    for (let p = 0; p < d; p++) {
      b[p] += v[p] * y[i];
      for (let q = 0; q < d; q++) a[p][q] += v[p] * v[q];
    }
  });
  for (let p = 0; p < d - 1; p++) a[p][p] += lambda;
  const coef = solve(a, b);
  return (r) => aug(r).reduce((s, v, k) => s + v * coef[k], 0);
}

/** Gaussian elimination with partial pivoting (a, b are overwritten). */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    [a[c], a[piv]] = [a[piv], a[c]];
    [b[c], b[piv]] = [b[piv], b[c]];
    for (let r = c + 1; r < n; r++) {
      const f = a[r][c] / a[c][c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  const out = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= a[r][k] * out[k];
    out[r] = s / a[r][r];
  }
  return out;
}

export interface DistinctionResult {
  discriminator_acc: number; // on the held-out fifth
  confusion: number[][]; // [true explainer][predicted], held-out counts, rows in `names` order
  names: string[];
  score_mse: Record<string, number>; // per explainer: held-out MSE of f's score predicted from its texts
  score_var: Record<string, number>; // variance of f's held-out scores (the MSE of predicting their mean)
}

/** Both experiments on texts[m][i] of explainer names[m] for case i, with f's score of case i. */
export function distinguish(
  features: readonly (readonly Float32Array[])[],
  names: readonly string[],
  fScores: readonly number[],
  seed: number,
): DistinctionResult {
  const rows = features.flat();
  const labels = features.flatMap((f, m) => f.map(() => m));
  const split = stratifiedSplit(labels, seed);
  const x = standardise(rows, split.train);
  const predict = trainSoftmax(
    split.train.map((i) => x[i]),
    split.train.map((i) => labels[i]),
    names.length,
  );
  const confusion = names.map(() => names.map(() => 0));
  for (const i of split.test) confusion[labels[i]][predict(x[i])]++;
  const score_mse: Record<string, number> = {};
  const score_var: Record<string, number> = {};
  const cases = stratifiedSplit(
    fScores.map(() => 0),
    seed + 1,
  );
  features.forEach((f, m) => {
    const xm = standardise(f, cases.train);
    const reg = trainRidge(
      cases.train.map((i) => xm[i]),
      cases.train.map((i) => fScores[i]),
      10,
    );
    const held = cases.test.map((i) => fScores[i]);
    const mu = held.reduce((a, b) => a + b, 0) / held.length;
    score_mse[names[m]] = cases.test.reduce((a, i) => a + (reg(xm[i]) - fScores[i]) ** 2, 0) / cases.test.length;
    score_var[names[m]] = held.reduce((a, v) => a + (v - mu) ** 2, 0) / held.length;
  });
  return {
    discriminator_acc: split.test.filter((i) => predict(x[i]) === labels[i]).length / split.test.length,
    confusion,
    names: [...names],
    score_mse,
    score_var,
  };
}
