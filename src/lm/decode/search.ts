// Generation with a KV cache: batched greedy decoding (prompts left-padded, per-row positions)
// and beam search (HF-style: 2·beams candidates per step, length-normalised scores, the best
// `beams` sequences returned). Prompts may carry soft tokens (vectors in place of, or added to, embeddings).
// The steps after the prompt run on the reference path (reference_step.ts, tfjs ops) or the fast
// path (fast_step.ts, a WebAssembly session for a few rows), which are tested against each other.
// A prompt may carry a constraint (constraint.ts): tokens it does not allow get no probability mass
// in the choice (log-softmax over the whole vocabulary first, so scores stay true log-probabilities).
// The decoder is our model or a text-only engine (text_engine.ts: llama.cpp), which takes no soft
// tokens; the same search runs on both, except that unconstrained greedy decoding is the engine's own.
import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../../engine/tf.js';
import { injectSoftTokens, KvCache, Llama, type SoftConnector } from '../model/llama.js';
import type { Constraint } from './constraint.js';
import { FastSession, fastSupported } from './fast_step.js';
import { referenceStepper, rows, type State, type Stepper } from './reference_step.js';
import type { TextEngine } from './text_engine.js';

/** What decodes: our model (soft tokens allowed) or a text-only engine. */
export type Decoder = Llama | TextEngine;

export interface Prompt {
  ids: readonly number[]; // token ids; a soft-token position holds its placeholder token (e.g. <user>)
  constraint?: Constraint; // what the answer may be (its end token must be the options' eosId)
}

export interface SoftTokens {
  slots: readonly (readonly [number, number])[]; // (prompt index, position in that prompt) per vector
  vectors: Tensor; // [N,H], e.g. projector outputs
  connector?: SoftConnector; // default 'replace'
}

export interface DecodeOptions {
  maxNewTokens: number;
  eosId?: number; // generation of a row stops after this token (not included in the output)
  engine?: DecodeEngine; // our model's steps (default auto); a text-only engine has its own
}

/** Steps after the prompt: 'wasm' (FastSession), 'tfjs' (batched ops), 'auto' = wasm for ≤ FAST_ROWS rows. */
export type DecodeEngine = 'auto' | 'wasm' | 'tfjs';
/** 16: the batches of explain and eval (bench/lm.ts: 16 rows × 200 new tokens decode 1.51× faster on wasm than on tfjs, whose cache is concatenated anew each step). */
const FAST_ROWS = 16;

export interface BeamOptions extends DecodeOptions {
  beams?: number; // default 5; also the number of sequences returned
  lengthPenalty?: number; // score = Σ log p / (new tokens)^lengthPenalty; default 1 (HF); 0 = plain sum
}

export interface Beam {
  ids: number[]; // generated tokens, without the end token
  score: number; // length-normalised log-probability
  logProb: number; // Σ log p over the generated tokens (the end token included)
  finished: boolean; // ended with the end token (else stopped at maxNewTokens)
}

/** Runs the prompts through the model, filling a new cache; returns last-position logits [B][V]. */
function prefill(model: Llama, prompts: readonly Prompt[], soft?: SoftTokens): { state: State; logits: Float32Array[] } {
  const B = prompts.length;
  const lens = prompts.map((p) => p.ids.length);
  const P = Math.max(...lens);
  const pad = lens.map((n) => P - n);
  const padded = pad.some((n) => n > 0);
  const ids = new Int32Array(B * P);
  const positions = new Int32Array(B * P);
  const keyValid = new Uint8Array(B * P);
  prompts.forEach((p, b) =>
    p.ids.forEach((t, j) => {
      ids[b * P + pad[b] + j] = t;
      positions[b * P + pad[b] + j] = j;
      keyValid[b * P + pad[b] + j] = 1;
    }),
  );
  const cache = new KvCache();
  const state: State = { cache, lens, pad, keyValid: padded ? keyValid : undefined };
  const last = tf.tidy(() => {
    let x = model.embed(ids, B, P);
    if (soft) {
      const slots = Int32Array.from(soft.slots, ([b, j]) => {
        if (!(b >= 0 && b < B && j >= 0 && j < lens[b]))
          throw new RangeError(`decode: soft-token slot (${b}, ${j}) is outside the prompts`);
        return b * P + pad[b] + j;
      });
      x = injectSoftTokens(x, slots, soft.vectors, soft.connector);
    }
    const h = model.forward(x, { cache, keyValid: state.keyValid, positions: padded ? positions : undefined });
    return model.logits(tf.slice(h, [0, P - 1, 0], [B, 1, -1]));
  });
  return { state, logits: rows(last) };
}

/** The WebAssembly session for ≤ FAST_ROWS rows (weights streamed once per step, no tfjs op overhead), else tfjs. */
function stepper(model: Llama, st: State, rowCount: number, capacity: number, engine: DecodeEngine): Stepper {
  const supported = fastSupported(model.cfg);
  if (engine === 'wasm' && !supported)
    throw new RangeError('decode: the wasm engine needs hidden, intermediate and head sizes divisible by 4');
  if (engine === 'tfjs' || (engine === 'auto' && (rowCount > FAST_ROWS || !supported))) return referenceStepper(model, st);
  const session = new FastSession(model, rowCount, capacity);
  session.load(st.cache, st.lens, st.pad);
  st.cache.dispose();
  return { step: (t) => session.step(t), reorder: (r) => session.reorder(r), dispose: () => undefined };
}

/** The largest entry's index, among `among` when given. */
function argmax(a: Float32Array, among?: readonly number[]): number {
  if (among) return among.reduce((best, i) => (a[i] > a[best] ? i : best), among[0]);
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/** A row's allowed tokens (undefined: all); a constraint that allows none is a bug in it. */
function allowedOf(c: Constraint | undefined, state: unknown): readonly number[] | undefined {
  if (!c) return undefined;
  const a = c.allowed(state);
  if (a?.length === 0) throw new RangeError('decode: the constraint allows no token');
  return a;
}

function checkOptions(model: Decoder, prompts: readonly Prompt[], opts: DecodeOptions): void {
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 1)
    throw new RangeError(`decode: maxNewTokens must be a positive integer, got ${opts.maxNewTokens}`);
  if (prompts.length === 0) throw new RangeError('decode: no prompts');
  if (prompts.some((p) => p.ids.length === 0)) throw new RangeError('decode: empty prompt');
  const longest = Math.max(...prompts.map((p) => p.ids.length)) + opts.maxNewTokens;
  const max = model instanceof Llama ? model.cfg.max_position_embeddings : model.maxPositions;
  if (longest > max) throw new RangeError(`decode: prompt + maxNewTokens = ${longest} exceeds max_position_embeddings ${max}`);
}

/** The prompts' last-position logits [B][V] and the steps continuing `rows` rows of at most `capacity` tokens. */
function begin(
  model: Decoder,
  prompts: readonly Prompt[],
  rowCount: number,
  capacity: number,
  engine: DecodeEngine,
  soft?: SoftTokens,
): { logits: Float32Array[]; steps: Stepper } {
  if (model instanceof Llama) {
    const { state, logits } = prefill(model, prompts, soft);
    return { logits, steps: stepper(model, state, rowCount, capacity, engine) };
  }
  if (soft) throw new RangeError('decode: a text-only engine takes no soft tokens');
  return model.start(
    prompts.map((p) => p.ids),
    rowCount,
  );
}

/** Greedy decoding of a batch of prompts; returns the generated ids of each (end token excluded). */
export function greedyDecode(model: Decoder, prompts: readonly Prompt[], opts: DecodeOptions, soft?: SoftTokens): number[][] {
  checkOptions(model, prompts, opts);
  if (!(model instanceof Llama) && !soft) {
    if (prompts.length > model.maxRows) {
      const out: number[][] = [];
      for (let i = 0; i < prompts.length; i += model.maxRows) out.push(...greedyDecode(model, prompts.slice(i, i + model.maxRows), opts));
      return out;
    }
    if (prompts.every((p) => !p.constraint))
      return model.greedy(
        prompts.map((p) => p.ids),
        opts.maxNewTokens,
        opts.eosId,
      );
  }
  const longest = Math.max(...prompts.map((p) => p.ids.length));
  const { logits: first, steps } = begin(model, prompts, prompts.length, longest + opts.maxNewTokens, opts.engine ?? 'auto', soft);
  const out: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  const states = prompts.map((p) => p.constraint?.start());
  try {
    let logits = first;
    for (let n = 0; n < opts.maxNewTokens; n++) {
      const next = logits.map((l, b) => (done[b] ? 0 : argmax(l, allowedOf(prompts[b].constraint, states[b]))));
      next.forEach((t, b) => {
        if (done[b]) return;
        if (t === opts.eosId) done[b] = true;
        else {
          out[b].push(t);
          if (prompts[b].constraint) states[b] = prompts[b].constraint!.next(states[b], t);
        }
      });
      if (done.every(Boolean) || n === opts.maxNewTokens - 1) break;
      logits = steps.step(next);
    }
  } finally {
    steps.dispose();
  }
  return out;
}

/** log-softmax of one row, in double precision. */
function logSoftmax(z: Float32Array): Float64Array {
  let m = -Infinity;
  for (const v of z) if (v > m) m = v;
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return Float64Array.from(z, (v) => v - lse);
}

/** Indices of the k largest entries (among `among` when given), largest first. */
function topK(a: Float64Array, k: number, among?: readonly number[]): number[] {
  const idx: number[] = [];
  const n = among ? among.length : a.length;
  for (let x = 0; x < n; x++) {
    const i = among ? among[x] : x;
    if (idx.length === k && a[i] <= a[idx[k - 1]]) continue;
    let j = Math.min(idx.length, k - 1);
    if (idx.length < k) idx.push(i);
    while (j > 0 && a[idx[j - 1]] < a[i]) ((idx[j] = idx[j - 1]), j--);
    idx[j] = i;
  }
  return idx;
}

/** Beam search for one prompt; returns `beams` distinct sequences, best score first. */
export function beamSearch(model: Decoder, prompt: Prompt, opts: BeamOptions, soft?: SoftTokens): Beam[] {
  const k = opts.beams ?? 5;
  const lp = opts.lengthPenalty ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`beamSearch: beams must be a positive integer, got ${k}`);
  checkOptions(model, [prompt], opts);
  const norm = (sum: number, len: number) => sum / Math.pow(len, lp);
  const { logits: first, steps } = begin(model, [prompt], k, prompt.ids.length + opts.maxNewTokens, opts.engine ?? 'auto', soft);
  const constraint = prompt.constraint;
  let running: { ids: number[]; logProb: number; state: unknown }[] = [{ ids: [], logProb: 0, state: constraint?.start() }];
  const finished: Beam[] = [];
  try {
    let logits = first;
    for (let n = 1; n <= opts.maxNewTokens; n++) {
      const cands: { parent: number; token: number; logProb: number }[] = [];
      running.forEach((r, i) => {
        const ls = logSoftmax(logits[i]);
        for (const t of topK(ls, 2 * k, allowedOf(constraint, r.state))) cands.push({ parent: i, token: t, logProb: r.logProb + ls[t] });
      });
      cands.sort((a, b) => b.logProb - a.logProb);
      const next: typeof running = [];
      const parents: number[] = [];
      for (const [rank, c] of cands.entries()) {
        if (next.length === k) break;
        const ids = running[c.parent].ids;
        if (c.token === opts.eosId) {
          if (rank < k) finished.push({ ids: [...ids], score: norm(c.logProb, n), logProb: c.logProb, finished: true });
        } else {
          const state = constraint ? constraint.next(running[c.parent].state, c.token) : undefined;
          next.push({ ids: [...ids, c.token], logProb: c.logProb, state });
          parents.push(c.parent);
        }
      }
      finished.sort((a, b) => b.score - a.score);
      finished.splice(k);
      running = next;
      if (running.length === 0) break; // a constraint left only endings
      // done once no running beam can still beat the worst kept hypothesis: its Σ log p (< 0) only
      // falls, and the normalised score is monotone in the length, so the best is at an end point
      const best = Math.max(...running.map((r) => r.logProb));
      const bound = Math.max(norm(best, n + 1), norm(best, opts.maxNewTokens));
      if (finished.length === k && bound <= finished[k - 1].score) break;
      if (n === opts.maxNewTokens) break;
      // a constraint can leave fewer than k beams: the rows past them repeat the first (the fast path has k rows)
      const pad = Array.from({ length: k - running.length }, () => 0);
      steps.reorder([...parents, ...pad.map(() => parents[0])]);
      logits = steps.step([...running, ...pad.map(() => running[0])].map((r) => r.ids[r.ids.length - 1]));
    }
  } finally {
    steps.dispose();
  }
  const all = [
    ...finished,
    ...running.map((r) => ({ ids: r.ids, score: norm(r.logProb, r.ids.length), logProb: r.logProb, finished: false })),
  ];
  return all.sort((a, b) => b.score - a.score).slice(0, k);
}
