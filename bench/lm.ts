// Tiny-Llama speed against PyTorch on the same machine (../shared/BENCHMARKS.md): vocab 8192,
// d 256, 4 layers, 4 heads, ffn 688, batch 16 × 128 random tokens. Full training and LoRA
// (r 8 on q,k,v,o) training tokens/s through trainLm, and greedy KV-cache decoding tokens/s
// (batch 1, 16-token prompt, 112 new tokens, prompt pass excluded), and an explanation batch: 16 rows
// × 150-token prompts × 200 new tokens, prompt pass included, on the default engine and on tfjs.
// Writes bench/out/lm.json.
// Run: npm run bench -- lm [--steps N]
import { initEngine } from '../src/engine/backend.js';
import { Rng } from '../src/engine/rng.js';
import { greedyDecode, type DecodeEngine } from '../src/lm/decode/search.js';
import { Llama } from '../src/lm/model/llama.js';
import { trainLm, type LmExample, type LmLogEntry } from '../src/lm/train/train.js';
import { peakRssMb, writeResult } from './common.js';

const REF = { train_full_tok_s: 1534, train_lora_tok_s: 2077, decode_tok_s: 361 }; // PyTorch + OpenBLAS, 2 threads
const CFG = {
  vocab_size: 8192,
  hidden_size: 256,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  intermediate_size: 688,
  max_position_embeddings: 512,
};
const BATCH = 16;
const SEQ = 128;
const WARMUP = 2;

const at = process.argv.indexOf('--steps');
const steps = at > 0 ? Number(process.argv[at + 1]) : 10;
if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps: expected a positive integer, got ${process.argv[at + 1]}`);

await initEngine();
const rng = new Rng(1);
const examples: LmExample[] = Array.from({ length: BATCH * (WARMUP + steps) }, () => ({
  ids: Array.from({ length: SEQ }, () => rng.int(CFG.vocab_size)),
}));

/** Training tokens/s: 2048 tokens over the median step time after the warm-up steps (robust to other load). */
function train(lora: boolean): number {
  const model = new Llama(CFG, 1);
  if (lora) model.enableLora({ r: 8, alpha: 16, dropout: 0.05, targets: ['q', 'k', 'v', 'o'] }, 2);
  const log: LmLogEntry[] = [];
  trainLm(model, examples, { lr: 1e-4, batchSize: BATCH, quiet: true }, { onLog: (e) => log.push(e) });
  model.dispose();
  const secs = log.slice(WARMUP).map((e) => e.tokens / e.tok_s);
  const median = [...secs].sort((a, b) => a - b)[Math.floor(secs.length / 2)];
  const tokS = (BATCH * SEQ) / median;
  console.error(`${lora ? 'lora' : 'full'} training: ${tokS.toFixed(0)} tok/s (${secs.map((s) => s.toFixed(2)).join(' ')} s/step)`);
  return tokS;
}

/** Greedy decoding tokens/s (median of 3), prompt pass excluded. */
function decode(): number {
  const model = new Llama(CFG, 3);
  const prompt = { ids: Array.from({ length: 16 }, () => rng.int(CFG.vocab_size)) };
  const NEW = 112;
  const time = (n: number) => {
    const t0 = performance.now();
    const out = greedyDecode(model, [prompt], { maxNewTokens: n })[0];
    if (out.length !== n) throw new Error(`decoded ${out.length} tokens, expected ${n}`);
    return (performance.now() - t0) / 1000;
  };
  time(NEW); // warm-up
  const runs = [0, 1, 2].map(() => NEW / (time(NEW) - time(1))).sort((a, b) => a - b);
  model.dispose();
  console.error(`greedy decoding: ${runs.map((r) => r.toFixed(0)).join(', ')} tok/s`);
  return runs[1];
}

/** New tokens/s of one batch as explain decodes it (16 rows, 150-token prompts, 200 new tokens; median of 3) on `engine`. */
function decodeBatch(engine: DecodeEngine): number {
  const model = new Llama(CFG, 3);
  const prompts = Array.from({ length: 16 }, () => ({ ids: Array.from({ length: 150 }, () => rng.int(CFG.vocab_size)) }));
  const NEW = 200;
  const time = () => {
    const t0 = performance.now();
    const out = greedyDecode(model, prompts, { maxNewTokens: NEW, engine });
    if (out.some((o) => o.length !== NEW)) throw new Error(`decoded fewer than ${NEW} tokens`);
    return (performance.now() - t0) / 1000;
  };
  const runs = [0, 1, 2].map(() => (16 * NEW) / time()).sort((a, b) => a - b);
  model.dispose();
  console.error(`greedy decoding, 16 rows (${engine}): ${runs.map((r) => r.toFixed(0)).join(', ')} tok/s`);
  return runs[1];
}

const result: Record<string, number> = {
  train_full_tok_s: train(false),
  train_lora_tok_s: train(true),
  decode_tok_s: decode(),
  decode_batch16_tok_s: decodeBatch('auto'),
  decode_batch16_tfjs_tok_s: decodeBatch('tfjs'),
  peak_rss_mb: peakRssMb(),
};
for (const [k, v] of Object.entries(REF)) {
  result[`ref_${k}`] = v;
  result[`ratio_${k}`] = result[k] / v; // throughputs: ≥ 1 means faster than PyTorch
}
writeResult('lm', result);
