// One run of the copy acceptance test (copy_learn.test.ts), in its own process so the tied and the
// untied model train side by side: argv[2] is "tied" or "untied"; prints {span8, titles9, seconds}.
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/rng.js';
import { spanExample, spanProbes, titleProbes, type CopyVocab } from '../../src/base/copy.js';
import { exactRate, teacherForcedArgmax, PROBES } from '../../src/base/copy_probe.js';
import { Llama } from '../../src/lm/model/llama.js';
import { trainLm } from '../../src/lm/train/train.js';

const VOCAB = 2048;
const STEPS = 400;
const BATCH = 64;

/** ids 0–7 special-like (bos 0, eos 1, separator and cues 2–6), 200 random 2–4-token titles. */
function vocab(): CopyVocab {
  const rng = new Rng(9);
  const spanIds = Array.from({ length: VOCAB - 8 }, (_, i) => 8 + i);
  const titles = Array.from({ length: 200 }, () => Array.from({ length: 2 + rng.int(3) }, () => spanIds[rng.int(spanIds.length)]));
  return { bos: 0, eos: 1, spanIds, titles, sep: [2], listCue: [3], allCue: [4], oneCue: [5], end: [6] };
}

await initEngine({ backend: 'wasm' });
const v = vocab();
const m = new Llama(
  {
    vocab_size: VOCAB,
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 2,
    intermediate_size: 128,
    max_position_embeddings: 128,
    tie_word_embeddings: process.argv[2] === 'tied',
  },
  0,
);
const rng = new Rng(1);
const windows = Array.from({ length: STEPS * BATCH }, () => spanExample(v, rng, 64));
const r = trainLm(m, windows, { lr: 3e-3, batchSize: BATCH, warmupSteps: 20, quiet: true });
const spans = spanProbes(v, PROBES, 2);
const lists = titleProbes(v, PROBES, 3);
const span8 = exactRate(teacherForcedArgmax(m, spans), spans);
const titles9 = exactRate(teacherForcedArgmax(m, lists), lists);
console.log(JSON.stringify({ span8, titles9, seconds: r.seconds }));
