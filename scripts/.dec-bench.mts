import { initEngine } from '../src/engine/backend.js';
import { greedyDecode } from '../src/lm/decode/search.js';
import { Llama } from '../src/lm/model/llama.js';
await initEngine();
const CFG = { vocab_size: 8192, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4, intermediate_size: 688, max_position_embeddings: 512 };
const model = new Llama(CFG, 3);
const prompt = (k: number) => Array.from({ length: 150 }, (_, j) => ((j * 7 + k * 13) % 8000) + 10);
const N = 32;
for (const [engine, bs] of [['tfjs', 32], ['wasm', 32]] as const) {
  const t0 = performance.now();
  for (let i = 0; i < N; i += bs)
    greedyDecode(model, Array.from({ length: bs }, (_, k) => ({ ids: prompt(i + k) })), { maxNewTokens: Number(process.env.NT ?? 200), engine });
  console.log(engine, bs, ((performance.now() - t0) / 1000).toFixed(1), 's for', N, 'rows x 200 tokens');
}
