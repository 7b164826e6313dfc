// Causal-LM training as a library function: loss on the masked (response) tokens only, AdamW,
// linear warm-up + decay, clipping by global norm, gradient accumulation, length-sorted
// right-padded batches, optional soft tokens through projectors, optional item tokens (with optional
// teacher distribution over them per example, fitted by the distill term), optional atomic checkpoints of the
// trained variables + optimizer + dropout stream from which a killed run resumes bit-exactly.
import { existsSync } from 'node:fs';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';
import { Rng } from '../../engine/rng.js';
import { Progress } from '../../engine/progress.js';
import { DataError, UserError } from '../../engine/errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../engine/checkpoint.js';
import { paramName } from '../../engine/params.js';
import { exportWeights, importWeights } from '../../engine/params.js';
import { ADAMW_DEFAULTS, AdamW, globalNorm, linearSchedule, type AdamWConfig } from './adamw.js';
import { injectSoftTokens, type Llama } from '../model/llama.js';
import { headCrossEntropy, itemDistillation, type AllowedRows } from './loss.js';
import { projectSoft, type Projectors, type SoftInput } from '../model/projector.js';

export interface LmExample {
  ids: readonly number[]; // prompt + response tokens
  lossMask?: ArrayLike<number>; // per token: 1 = its prediction is trained (a response token); default: every token but the first
  soft?: readonly SoftInput[]; // recommender embeddings at soft-token positions
  allowed?: AllowedRows; // per token: the tokens its prediction is restricted to (undefined: all), e.g. inside a title span
  // item tokens: a distribution over the N items the predictions of the tokens `at` are also fitted
  // to (f's preference over the catalogue, weighted by LmTrainOptions.distill)
  teacher?: Teacher;
}

export interface Teacher {
  at: readonly number[]; // the tokens whose predictions (from positions at − 1) are fitted
  // [N] for every token of at, or [at.length · N] a row for each; a function is called once each time
  // the example's batch is packed, so that many teachers need no memory
  probs: Float32Array | (() => Float32Array);
}

export interface LmTrainConfig extends AdamWConfig {
  lr: number; // peak learning rate
  epochs: number; // passes over the examples
  maxSteps: number; // stop after this many optimizer steps; 0 = no limit
  batchSize: number; // sequences per micro-batch
  gradAccum: number; // micro-batches per optimizer step
  warmupSteps: number;
  clipNorm: number; // clip the global gradient norm to this; 0 = off
  seed: number; // batch order and dropout
  shuffle: boolean; // false: batches of consecutive examples in the given order (a curriculum)
  quiet: boolean; // no progress bar
  label: string; // progress-bar label
}

export const LM_TRAIN_DEFAULTS: Readonly<LmTrainConfig> = {
  ...ADAMW_DEFAULTS,
  lr: 3e-4,
  epochs: 1,
  maxSteps: 0,
  batchSize: 16,
  gradAccum: 1,
  warmupSteps: 0,
  clipNorm: 1,
  seed: 0,
  shuffle: true,
  quiet: false,
  label: 'train lm',
};

export interface LmLogEntry {
  step: number; // optimizer steps done
  epoch: number;
  loss: number; // mean over the step's loss tokens
  lr: number;
  grad_norm: number; // before clipping
  tokens: number; // input tokens of the step (padding excluded)
  tok_s: number; // input tokens per second over the step
  elapsed_s: number;
}

export interface LmCheckpointing {
  path: string; // checkpoint file (safetensors, written atomically)
  every: number; // optimizer steps between checkpoints; one is also written after the last step
  kind: string; // checkpoint kind, e.g. "align-H"
  config: object; // what must match for a resume (shapes, data, schedule); stored in the file
  resume: boolean; // continue from `path` (it must exist)
}

export interface LmTrainOptions {
  projectors?: Projectors; // trained together with the model's trainable variables (itemOut: the item tokens' output rows, else item's)
  // item tokens: ids V … V+N−1 (V the model's vocabulary) are items whose input embedding and output
  // row are both the item projector applied to these vectors [N,d] (recomputed every step; the output
  // row itemOut's when there is one)
  itemVectors?: Tensor;
  distill?: number; // weight of the examples' teacher terms, each counted as this many loss tokens; 0 or absent: ignored
  onLog?: (e: LmLogEntry) => void; // one call per optimizer step
  checkpoint?: LmCheckpointing;
}

export interface LmTrainResult {
  losses: number[]; // per optimizer step of this call (a resumed run: the steps after the checkpoint)
  steps: number; // optimizer steps done in all, resumed ones included
  seconds: number; // training time in all, resumed runs included
  tokensPerSec: number; // input tokens (padding excluded) per second of training in this call
}

/** Micro-batches of example indices: shuffled, then sorted by length within windows of 50 batches, in shuffled order. */
export function lengthBatches(lengths: readonly number[], batchSize: number, rng: Rng): number[][] {
  const order = rng.shuffle(lengths.map((_, i) => i));
  const batches: number[][] = [];
  const window = batchSize * 50;
  for (let w = 0; w < order.length; w += window) {
    const chunk = order.slice(w, w + window).sort((a, b) => lengths[a] - lengths[b]);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return rng.shuffle(batches);
}

export interface Packed {
  ids: Int32Array; // [B,T] right-padded with 0
  B: number;
  T: number;
  rows: Int32Array; // flat positions b·T + t whose next token is trained
  targets: Int32Array;
  allowed: AllowedRows | undefined; // per row, when some example restricts its tokens
  itemSlots: Int32Array; // flat positions b·T + t holding an item token (embedded as 0 in ids)
  itemRows: Int32Array; // per slot, its item row (id − V)
  teacherRows: Int32Array; // flat positions b·T + t whose next token is fitted to a teacher
  teacher: Float32Array; // [teacherRows, N] their teachers' distributions
  tokens: number;
}

/** The examples idx of one batch, right-padded, with their trained rows, item slots and teacher rows (V: text vocabulary, N: items). */
export function pack(examples: readonly LmExample[], idx: readonly number[], V: number, N: number): Packed {
  const B = idx.length;
  const T = Math.max(...idx.map((i) => examples[i].ids.length));
  const ids = new Int32Array(B * T);
  const rows: number[] = [];
  const targets: number[] = [];
  const allowed: (readonly number[] | undefined)[] = [];
  const itemSlots: number[] = [];
  const itemRows: number[] = [];
  const teacherRows: number[] = [];
  const teachers: Float32Array[] = [];
  let tokens = 0;
  idx.forEach((e, b) => {
    const ex = examples[e];
    ex.ids.forEach((id, t) => {
      if (id < V) ids[b * T + t] = id;
      else (itemSlots.push(b * T + t), itemRows.push(id - V));
    });
    tokens += ex.ids.length;
    if (ex.teacher) {
      const probs = typeof ex.teacher.probs === 'function' ? ex.teacher.probs() : ex.teacher.probs;
      const { at } = ex.teacher;
      if (probs.length !== N && probs.length !== at.length * N)
        throw new UserError(
          `trainLm: example ${e}'s teacher has ${probs.length} item probabilities, the model ${N} items (× ${at.length} positions)`,
        );
      at.forEach((t, k) => {
        teacherRows.push(b * T + t - 1);
        teachers.push(probs.length === N ? probs : probs.subarray(k * N, (k + 1) * N));
      });
    }
    for (let t = 1; t < ex.ids.length; t++) {
      if (ex.lossMask ? ex.lossMask[t] : 1) {
        rows.push(b * T + t - 1);
        targets.push(ex.ids[t]);
        allowed.push(ex.allowed?.[t]);
      }
    }
  });
  const restricted = allowed.some(Boolean) ? allowed : undefined;
  return {
    ids,
    B,
    T,
    rows: Int32Array.from(rows),
    targets: Int32Array.from(targets),
    allowed: restricted,
    itemSlots: Int32Array.from(itemSlots),
    itemRows: Int32Array.from(itemRows),
    teacherRows: Int32Array.from(teacherRows),
    teacher: concatRows(teachers, N),
    tokens,
  };
}

/** Rows of N values each, one after another. */
function concatRows(rows: readonly Float32Array[], N: number): Float32Array {
  const out = new Float32Array(rows.length * N);
  rows.forEach((r, i) => out.set(r, i * N));
  return out;
}

/** Input embeddings of a packed batch, with the projected soft tokens injected. */
function inputs(
  model: Llama,
  examples: readonly LmExample[],
  idx: readonly number[],
  p: Packed,
  projectors: Projectors,
  items: Tensor | undefined, // projected item rows [N,H]
): Tensor {
  const embedded = model.embed(p.ids, p.B, p.T);
  const x = p.itemSlots.length ? injectSoftTokens(embedded, p.itemSlots, tf.gather(items!, tf.tensor1d(p.itemRows, 'int32'))) : embedded;
  const soft = projectSoft(
    projectors,
    idx.map((e) => examples[e].soft ?? []),
    (b) => `training example ${idx[b]}`,
  );
  return soft
    ? injectSoftTokens(
        x,
        Int32Array.from(soft.slots, ([b, pos]) => b * p.T + pos),
        soft.vectors,
      )
    : x;
}

/** The trained variables under their checkpoint names (HF/PEFT names, projector prefixes). */
function namesOf(vars: readonly Variable[]): Map<Variable, string> {
  const names = new Map(vars.map((v) => [v, paramName(v)] as const));
  if (new Set(names.values()).size !== vars.length) throw new Error('trainLm: two trained variables share a name');
  return names;
}

export function trainLm(
  model: Llama,
  examples: readonly LmExample[],
  partial: Partial<LmTrainConfig> = {},
  opts: LmTrainOptions = {},
): LmTrainResult {
  const cfg: LmTrainConfig = { ...LM_TRAIN_DEFAULTS, ...partial };
  if (examples.length === 0) throw new UserError('trainLm: no training examples');
  const maxLen = model.cfg.max_position_embeddings;
  const projectors = opts.projectors ?? {};
  const V = model.cfg.vocab_size;
  const itemCount = opts.itemVectors?.shape[0] ?? 0;
  if (opts.itemVectors && !projectors.item) throw new UserError('trainLm: item tokens need an item projector');
  examples.forEach((ex, i) => {
    if (ex.ids.length < 2 || ex.ids.length > maxLen)
      throw new UserError(`trainLm: example ${i} has ${ex.ids.length} tokens (need 2..${maxLen})`);
    const bad = ex.ids.find((id) => !(Number.isInteger(id) && id >= 0 && id < V + itemCount));
    if (bad !== undefined) throw new UserError(`trainLm: example ${i} holds token ${bad}, outside [0, ${V + itemCount})`);
    if (ex.teacher?.at.some((at) => !(at >= 1 && at < ex.ids.length)))
      throw new UserError(`trainLm: example ${i} has a teacher outside its tokens 1..${ex.ids.length - 1}`);
  });
  const vars: Variable[] = [...model.trainableVariables(), ...Object.values(projectors).flatMap((p) => p!.variables())];
  if (vars.length === 0) throw new UserError('trainLm: nothing to train');
  const names = namesOf(vars);
  const orderRng = new Rng(cfg.seed); // batch order: epoch e's order is the e-th draw, replayed on resume
  let dropRng = new Rng((cfg.seed ^ 0x5bd1e995) >>> 0); // dropout; its state is checkpointed
  const lengths = examples.map((e) => e.ids.length);
  const perEpoch = Math.ceil(Math.ceil(examples.length / cfg.batchSize) / cfg.gradAccum);
  const total = cfg.maxSteps > 0 ? Math.min(cfg.maxSteps, perEpoch * cfg.epochs) : perEpoch * cfg.epochs;
  const opt = new AdamW(vars, cfg);
  const ck = opts.checkpoint;
  let step = 0;
  let priorSeconds = 0;
  if (ck?.resume) {
    const saved = loadCheckpoint(ck.path, ck.kind, ck.config);
    importWeights(vars, saved.tensors, ck.path);
    if (Object.keys(saved.tensors).length !== vars.length)
      throw new DataError({ file: ck.path }, `holds ${Object.keys(saved.tensors).length} trained tensors, the model has ${vars.length}`);
    opt.loadMoments(
      saved.optimizer,
      (x) => names.get(x)!,
      (key) => {
        throw new DataError({ file: ck.path, field: `optimizer/${key}` }, 'missing or mis-shaped AdamW moment');
      },
    );
    if (!saved.rng) throw new DataError({ file: ck.path, field: 'rng' }, 'missing dropout generator state');
    step = opt.steps = saved.step;
    dropRng = Rng.fromState(saved.rng);
    priorSeconds = saved.counters.seconds ?? 0;
  } else if (ck && existsSync(ck.path)) {
    throw new UserError(`${ck.path} already exists; resume it or remove it`);
  }
  const save = (seconds: number) =>
    ck &&
    saveCheckpoint(ck.path, {
      kind: ck.kind,
      config: ck.config,
      step,
      epoch: Math.floor(step / perEpoch),
      counters: { seconds },
      tensors: exportWeights(vars),
      optimizer: Object.fromEntries(
        Object.entries(opt.moments((x) => names.get(x)!)).map(([k, t]) => [k, { dtype: 'F32' as const, ...t }]),
      ),
      rng: dropRng.state(),
    });
  const bar = new Progress({ label: cfg.label, total: total - step, unit: 'steps/s', quiet: cfg.quiet });
  const losses: number[] = [];
  const t0 = performance.now();
  let allTokens = 0;
  try {
    for (let epoch = 1; epoch <= cfg.epochs && step < total; epoch++) {
      const batches = cfg.shuffle
        ? lengthBatches(lengths, cfg.batchSize, orderRng)
        : Array.from({ length: Math.ceil(examples.length / cfg.batchSize) }, (_, b) =>
            Array.from({ length: Math.min(cfg.batchSize, examples.length - b * cfg.batchSize) }, (_, i) => b * cfg.batchSize + i),
          );
      for (let g = 0; g < batches.length && step < total; g += cfg.gradAccum) {
        if ((epoch - 1) * perEpoch + g / cfg.gradAccum < step) continue; // done before the resume
        const ts = performance.now();
        const group = batches.slice(g, g + cfg.gradAccum).map((idx) => ({ idx, p: pack(examples, idx, V, itemCount) }));
        const denom = Math.max(
          1,
          group.reduce((n, m) => n + m.p.targets.length, 0),
        );
        let grads: (Tensor | undefined)[] = vars.map(() => undefined); // summed over the group; undefined = unreached
        let loss = 0;
        for (const { idx, p } of group) {
          const { value, grads: named } = tf.variableGrads(() => {
            const items = opts.itemVectors && projectors.item!.forward(opts.itemVectors); // [N,H]
            const itemsOut = opts.itemVectors && projectors.itemOut ? projectors.itemOut.forward(opts.itemVectors) : items;
            const x = inputs(model, examples, idx, p, projectors, items);
            const h = model.forward(x, { training: true, rng: dropRng }); // [B,T,H]; right padding needs no key mask
            const flat = tf.reshape(h, [p.B * p.T, -1]);
            const sel = p.rows.length === p.B * p.T ? flat : tf.gather(flat, tf.tensor1d(p.rows, 'int32'));
            const head = itemsOut ? tf.concat([model.headWeight, itemsOut]) : model.headWeight;
            const ce = headCrossEntropy(sel, head, p.targets, denom, p.allowed);
            if (!opts.distill || !itemsOut || p.teacherRows.length === 0) return ce;
            const taught = tf.gather(flat, tf.tensor1d(p.teacherRows, 'int32'));
            return tf.add(ce, tf.mul(itemDistillation(taught, itemsOut, p.teacher, denom), opts.distill)) as Scalar;
          }, vars);
          loss += value.dataSync()[0];
          value.dispose();
          grads = grads.map((s, i) => {
            const g = named[vars[i].name];
            if (!s || !g) return s ?? g;
            const t = tf.add(s, g);
            tf.dispose([s, g]);
            return t;
          });
        }
        const norm = globalNorm(grads);
        if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
          throw new UserError(
            `trainLm: loss ${loss}, gradient norm ${norm} at step ${step + 1} (try a lower lr)${ck ? `; the last good checkpoint is ${ck.path}` : ''}`,
          );
        }
        const lr = linearSchedule(step, total, cfg.warmupSteps, cfg.lr);
        opt.step(grads, lr, cfg.clipNorm > 0 && norm > cfg.clipNorm ? cfg.clipNorm / norm : 1);
        tf.dispose(grads.filter((g): g is Tensor => g !== undefined));
        losses.push(loss);
        step++;
        const tokens = group.reduce((n, m) => n + m.p.tokens, 0);
        allTokens += tokens;
        const now = performance.now();
        opts.onLog?.({
          step,
          epoch,
          loss,
          lr,
          grad_norm: norm,
          tokens,
          tok_s: tokens / ((now - ts) / 1000),
          elapsed_s: priorSeconds + (now - t0) / 1000,
        });
        bar.tick(1, `loss ${loss.toFixed(4)}  ${Math.round(allTokens / ((now - t0) / 1000))} tok/s`);
        if (ck && (step % ck.every === 0 || step === total)) save(priorSeconds + (performance.now() - t0) / 1000);
      }
    }
  } finally {
    opt.dispose();
  }
  bar.finish(`loss ${losses[losses.length - 1]?.toFixed(4)}`);
  const seconds = (performance.now() - t0) / 1000;
  return { losses, steps: step, seconds: priorSeconds + seconds, tokensPerSec: allTokens / seconds };
}
