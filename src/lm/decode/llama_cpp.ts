// The llama.cpp text engine (text_engine.ts) through node-llama-cpp, loaded lazily (an optional
// package: without it, one UserError naming it). node-llama-cpp is asynchronous, so it lives in a
// worker thread behind SyncWorker and every call here blocks until the worker answers; one worker
// holds the library for every open model; it evaluates one sequence at a time (see round). What it
// gives: every use, greedy decoding too (see greedy), asks for the probabilities of the whole vocabulary at temperature 0, which
// node-llama-cpp computes as the softmax of all logits (no top-k, no bias), so log p is the
// log-softmax of the logits up to float32 rounding (a token whose p underflows to 0 gets
// −Infinity). node-llama-cpp gives no raw logit vector and cannot copy one sequence's KV cache into
// another, so a beam that takes another's place re-evaluates its tokens after the prompt (each
// sequence keeps the longest common prefix).
// Exact (the default): an F32 KV cache and no flash attention, under which llama.cpp's
// log-probabilities match ours to float32 rounding (≤ 6e-5 measured); llama.cpp's own defaults (F16
// KV cache, flash attention: its CPU kernel rounds queries to F16) differ by ~1e-2 and more on
// peaked models (0.17 at a logit range of 70).
import { DataError } from '../../engine/errors.js';
import type { SyncWorker } from '../../engine/sync_worker.js';
import { firstLine, startLlamaWorker, THREADS } from './llama_cpp_worker.js';
import type { Stepper } from './reference_step.js';
import type { TextEngine } from './text_engine.js';

export interface LlamaCppOptions {
  threads?: number; // llama.cpp's threads (default 1, as our decoder; see llama_cpp_worker.ts THREADS)
  sequences?: number; // rows decoded together (default 8)
  contextSize?: number; // tokens per row (default: the model's context, at most 4096)
  exact?: boolean; // F32 KV cache, no flash attention (default true); false: llama.cpp's defaults
}

// Plain JavaScript: it runs in the worker (llama_cpp_worker.ts), where `llama` is node-llama-cpp's CPU build.
const HANDLER = `
const models = new Map();
let nextId = 0;

/** The sequence's KV cache made to hold \`tokens\` but the last one or more (the common prefix kept); returns where to evaluate from. */
async function alignTo(seq, tokens, atMost) {
  const i = Math.min(seq.compareContextTokens(tokens).firstDifferentIndex, atMost);
  if (i < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: i, end: seq.nextTokenIndex }]);
  return i;
}

const asked = { generateNext: { probabilities: true } };

/** node-llama-cpp's probabilities of a step, checked to cover the whole vocabulary. */
function whole(output, vocab) {
  const probs = output.next.probabilities;
  if (probs.size !== vocab) throw new Error('llama.cpp gave ' + probs.size + ' probabilities for a vocabulary of ' + vocab);
  return probs;
}

/** log p over the whole vocabulary. */
function logRow(probs, vocab) {
  const out = new Float32Array(vocab);
  for (const [t, p] of probs) out[t] = Math.log(p);
  return out;
}

/**
 * Each job { seq, ids, at } evaluates \`ids\` on its sequence (the common prefix with what it holds kept, up
 * to at[0]) and gives the probabilities after the positions \`at\`. One job at a time: evaluated side by
 * side (node-llama-cpp batching the sequences), a sequence got another's probabilities in about one run
 * in three (task-3 scores swapped between records, greedy texts parting at their first token), also with
 * every erasure done before any evaluation was queued; one at a time, 0 of 18 runs.
 */
async function round(m, jobs) {
  const rows = [];
  for (const j of jobs) {
    const from = await alignTo(j.seq, j.ids, j.at[0]);
    const input = j.ids.slice(from);
    for (const p of j.at) input[p - from] = [j.ids[p], asked];
    const out = await j.seq.controlledEvaluate(input);
    rows.push(j.at.map((p) => whole(out[p - from], m.vocab)));
  }
  return rows;
}

/** Next-token log-probabilities after each row's tokens, row b on sequence slots[b]. */
async function feed(m, slots, rows) {
  const probs = await round(m, rows.map((ids, b) => ({ seq: m.seqs[slots[b]], ids, at: [ids.length - 1] })));
  return probs.map(([p]) => logRow(p, m.vocab));
}

/** Greedy continuations, a step at a time through \`feed\` (argmax of the whole row, as the beams use; not llama.cpp's own loop). */
async function greedy(m, prompts, max, eos) {
  const ids = prompts.map((p) => [...p]);
  const out = prompts.map(() => []);
  let live = max > 0 ? prompts.map((_, b) => b) : [];
  while (live.length) {
    const rows = await feed(m, live, live.map((b) => ids[b]));
    live = live.filter((b, k) => {
      const row = rows[k];
      let best = 0;
      for (let t = 1; t < row.length; t++) if (row[t] > row[best]) best = t;
      if (best === eos) return false;
      out[b].push(best);
      ids[b].push(best);
      return out[b].length < max;
    });
  }
  return out;
}

/** Per sequence { ids, mask }: the sum of log p over the masked tokens and the first alone. */
async function score(m, seqs) {
  const jobs = seqs.map((q) => {
    const at = [];
    for (let t = 1; t < q.ids.length; t++) if (q.mask[t]) at.push(t - 1);
    return { seq: m.seqs[0], ids: q.ids, at }; // one sequence: a no keeps its yes's prompt
  });
  const scored = jobs.filter((j) => j.at.length);
  const probs = await round(m, scored);
  return jobs.map((j) => {
    if (!j.at.length) return { sum: 0, first: -Infinity };
    const terms = probs[scored.indexOf(j)].map((p, n) => Math.log(p.get(j.ids[j.at[n] + 1]) ?? 0));
    return { sum: terms.reduce((a, b) => a + b, 0), first: terms[0] };
  });
}

/** fn(chunk) over chunks of items as long as there are sequences. */
async function inChunks(m, items, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += m.seqs.length) out.push(...(await fn(items.slice(i, i + m.seqs.length))));
  return out;
}

async function handleOp(r) {
  if (r.op === 'open') {
    const model = await llama.loadModel({ modelPath: r.path });
    const contextSize = Math.min(model.trainContextSize, r.contextSize ?? 4096);
    const exact = r.exact ? { flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' } : {};
    const ctx = await model.createContext({ contextSize, sequences: r.sequences, threads: r.threads, ...exact });
    const seqs = Array.from({ length: r.sequences }, () => ctx.getSequence());
    const vocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
    const id = nextId++;
    models.set(id, { model, ctx, seqs, vocab, hist: [], slotOf: [] });
    return { id, contextSize: Math.min(contextSize, ctx.contextSize) };
  }
  const m = models.get(r.id);
  if (r.op === 'greedy') return inChunks(m, r.prompts, (ps) => greedy(m, ps, r.max, r.eos));
  if (r.op === 'logprobs') return inChunks(m, r.seqs, (qs) => score(m, qs));
  if (r.op === 'start') {
    m.hist = Array.from({ length: r.rows }, (_, b) => r.prompts[b] ?? null);
    m.slotOf = Array.from({ length: r.rows }, (_, b) => b);
    return feed(m, r.prompts.map((_, b) => b), r.prompts);
  }
  if (r.op === 'step') {
    m.hist = m.hist.map((h, b) => [...h, r.tokens[b]]);
    return feed(m, m.slotOf, m.hist);
  }
  if (r.op === 'reorder') {
    // a row keeps its parent's sequence when it is the parent's first child, else takes one left free
    const taken = new Set();
    const slots = r.rows.map((p) => (taken.has(m.slotOf[p]) ? -1 : (taken.add(m.slotOf[p]), m.slotOf[p])));
    const free = m.slotOf.filter((s) => !taken.has(s));
    m.slotOf = slots.map((s) => (s >= 0 ? s : free.pop()));
    m.hist = r.rows.map((p) => m.hist[p]);
    return null;
  }
  if (r.op === 'close') {
    await m.ctx.dispose();
    await m.model.dispose();
    models.delete(r.id);
    return null;
  }
  throw new Error('unknown op ' + r.op);
}
`;

/** The worker holding node-llama-cpp, shared by the open engines (closed with the last). */
let shared: { worker: SyncWorker; users: number } | undefined;

function acquire(): SyncWorker {
  if (shared) return (shared.users++, shared.worker);
  const worker = startLlamaWorker(HANDLER, 'the llama-cpp engine');
  shared = { worker, users: 1 };
  return worker;
}

function release(): void {
  if (shared && --shared.users === 0) {
    shared.worker.close();
    shared = undefined;
  }
}

/** A llama.cpp engine on a GGUF file (llama.cpp reads it as it is: F16/Q8_0 weights stay so). */
export function openLlamaCpp(file: string, opts: LlamaCppOptions = {}): TextEngine {
  const sequences = opts.sequences ?? 8;
  const worker = acquire();
  let opened: { id: number; contextSize: number };
  try {
    opened = worker.call({
      op: 'open',
      path: file,
      sequences,
      threads: opts.threads ?? THREADS,
      contextSize: opts.contextSize,
      exact: opts.exact ?? true,
    });
  } catch (e) {
    release();
    throw new DataError({ file }, `llama.cpp cannot load it: ${firstLine(e)}`);
  }
  const { id } = opened;
  const call = <T>(request: object): T => worker.call<T>({ ...request, id });
  let open = true;
  return {
    maxPositions: opened.contextSize,
    maxRows: sequences,
    start(prompts, rows) {
      if (rows > sequences) throw new RangeError(`llama.cpp engine: ${rows} rows, it decodes at most ${sequences}`);
      const logits = call<Float32Array[]>({ op: 'start', prompts, rows });
      const steps: Stepper = {
        step: (tokens) => call<Float32Array[]>({ op: 'step', tokens }),
        reorder: (r) => call({ op: 'reorder', rows: r }),
        dispose: () => undefined,
      };
      return { logits, steps };
    },
    greedy: (prompts, max, eos) => call<number[][]>({ op: 'greedy', prompts, max, eos }),
    logProbs: (seqs) => call<{ sum: number; first: number }[]>({ op: 'logprobs', seqs }),
    dispose() {
      if (!open) return;
      open = false;
      try {
        call({ op: 'close' });
      } finally {
        release();
      }
    },
  };
}
