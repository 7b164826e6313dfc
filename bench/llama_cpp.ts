// Greedy decoding speed of our decoder against llama.cpp (node-llama-cpp 3.21.1, the --engine llama-cpp
// of eval/explain) on the same GGUF file: a random model of the embedded base model's shape (pretrain
// defaults: vocab 4096, d 256, 4 layers, 4 heads, ffn 688, tied head, context 512) written as F32 by our
// writer, read by both. Both on one thread (ours is single-threaded; llama.cpp is given threads: 1),
// batch 1. Tokens/s of greedy generation of --tokens new tokens after each of 4 random prompts of 16 to
// 31 tokens, the prompt pass excluded (time(N) − time(1), as bench/lm.ts); medians over prompts × rounds.
// Three runs of each: ours; llama.cpp exact (F32 KV cache, no flash attention: what the engine runs,
// ref_greedy_*); llama.cpp at its own defaults (F16 KV cache, flash attention: ref_greedy_f16kv_*).
// And greedy under a per-step mask (every token but one allowed, as grounded decoding masks: our
// stepped path against llama.cpp handing the whole vocabulary's probabilities back each step, masked_*).
// The runs are interleaved prompt by prompt and round by round, so all see the same load on a busy
// machine (loadavg_* is the 1-minute load average before and after). ratio_* = ours / llama.cpp for
// throughputs (≥ 1: ours faster); same_tokens = share of greedy answers identical to the exact engine's.
// Writes bench/out/llama_cpp.json. Run: npm run bench -- llama_cpp [--rounds 3] [--tokens 96]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRETRAIN_DEFAULTS, pretrainLlamaConfig } from '../src/base/config.js';
import { initEngine } from '../src/engine/backend.js';
import { Rng } from '../src/engine/rng.js';
import { fixedConstraint } from '../src/lm/decode/constraint.js';
import { openLlamaCpp } from '../src/lm/decode/llama_cpp.js';
import { greedyDecode, type Decoder, type Prompt } from '../src/lm/decode/search.js';
import { writeLlamaGguf } from '../src/lm/io/gguf_write.js';
import { loadBaseModel } from '../src/lm/io/load.js';
import { Llama } from '../src/lm/model/llama.js';
import { placeholderVocab } from '../test/lm/llama_cpp.js';
import { writeResult } from './common.js';

const CFG = pretrainLlamaConfig(PRETRAIN_DEFAULTS);
const THREADS = 1;
const PROMPTS = 4;

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  const v = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(v) || v < 2) throw new Error(`${name}: expected an integer ≥ 2, got ${process.argv[at + 1]}`);
  return v;
};
const rounds = arg('--rounds', 3);
const tokens = arg('--tokens', 96);

const loadStart = loadavg()[0];
await initEngine({ backend: 'wasm' });
const dir = mkdtempSync(join(tmpdir(), 'bench-llama-cpp-'));
const file = join(dir, 'base-shape.gguf');
const random = new Llama(CFG, 1);
writeLlamaGguf(file, random, { tokenizer: placeholderVocab(CFG.vocab_size) });
random.dispose();
const ours = loadBaseModel(file);
const exact = openLlamaCpp(file, { threads: THREADS, sequences: 1 });
const f16kv = openLlamaCpp(file, { threads: THREADS, sequences: 1, exact: false });

const rng = new Rng(2);
const prompts: Prompt[] = Array.from({ length: PROMPTS }, () => ({
  ids: Array.from({ length: 16 + rng.int(16) }, () => 3 + rng.int(CFG.vocab_size - 3)),
}));
const mask = fixedConstraint([...Array(CFG.vocab_size).keys()].filter((t) => t !== 0));

/** Decoding tokens/s after the prompt: (n − 1) / (time(n) − time(1)); the n-token answer. */
function rate(d: Decoder, p: Prompt): { tokS: number; ids: number[] } {
  const time = (n: number) => {
    const t0 = performance.now();
    const ids = greedyDecode(d, [p], { maxNewTokens: n })[0];
    if (ids.length !== n) throw new Error(`decoded ${ids.length} tokens, expected ${n}`);
    return { s: (performance.now() - t0) / 1000, ids };
  };
  const one = time(1);
  const all = time(tokens);
  return { tokS: (tokens - 1) / (all.s - one.s), ids: all.ids };
}

const runs: Record<'ours' | 'exact' | 'f16kv' | 'oursMasked' | 'exactMasked', number[]> = {
  ours: [],
  exact: [],
  f16kv: [],
  oursMasked: [],
  exactMasked: [],
};
let same = 0;
rate(ours, prompts[0]); // warm-up: the weights into WebAssembly memory, llama.cpp's first batch
rate(exact, prompts[0]);
for (let r = 0; r < rounds; r++) {
  for (const p of prompts) {
    const o = rate(ours, p);
    const e = rate(exact, p);
    runs.ours.push(o.tokS);
    runs.exact.push(e.tokS);
    runs.f16kv.push(rate(f16kv, p).tokS);
    runs.oursMasked.push(rate(ours, { ...p, constraint: mask }).tokS);
    runs.exactMasked.push(rate(exact, { ...p, constraint: mask }).tokS);
    if (o.ids.join() === e.ids.join()) same++;
  }
  console.error(
    `round ${r + 1}/${rounds}: ${Object.entries(runs)
      .map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)}`)
      .join(', ')} tok/s`,
  );
}
exact.dispose();
f16kv.dispose();
ours.dispose();
rmSync(dir, { recursive: true, force: true });

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) as Record<keyof typeof runs, number>;
writeResult('llama_cpp', {
  threads: THREADS,
  prompts: PROMPTS,
  new_tokens: tokens,
  rounds,
  greedy_tok_s: m.ours,
  ref_greedy_tok_s: m.exact,
  ratio_greedy_tok_s: m.ours / m.exact,
  ref_greedy_f16kv_tok_s: m.f16kv,
  ratio_greedy_f16kv_tok_s: m.ours / m.f16kv,
  masked_tok_s: m.oursMasked,
  ref_masked_tok_s: m.exactMasked,
  ratio_masked_tok_s: m.oursMasked / m.exactMasked,
  same_tokens: same / (rounds * PROMPTS),
  loadavg_start: loadStart,
  loadavg_end: loadavg()[0],
});
