// Shared by the llama.cpp comparisons and the GGUF tests: node-llama-cpp (llama.cpp's CPU build)
// loaded lazily (a string, the reason to skip, where it cannot be loaded), the placeholder vocabulary
// that lets llama.cpp load a random model, the random models' shape, greedy decoding and logits
// compared with ours, a minimal hand-assembled GGUF, and the one-line DataError assertion.
import assert from 'node:assert/strict';
import { DataError } from '../../src/engine/errors.js';
import { tf } from '../../src/engine/tf.js';
import { greedyDecode } from '../../src/lm/decode/search.js';
import type { GgufTokenizer } from '../../src/lm/io/gguf_write.js';
import type { Llama } from '../../src/lm/model/llama.js';

export const STEPS = 32; // greedy tokens compared per prompt

export type NodeLlama = typeof import('node-llama-cpp');
type Token = import('node-llama-cpp').Token;

export async function nodeLlamaCpp(): Promise<NodeLlama | string> {
  try {
    return await import('node-llama-cpp');
  } catch (e) {
    return `node-llama-cpp is not loadable: ${(e as Error).message.split('\n')[0]}`;
  }
}

/**
 * A SentencePiece-style vocabulary of `size` tokens so llama.cpp accepts the file (token ids are fed
 * directly). It needs all 256 byte-fallback tokens: with fewer, node-llama-cpp aborts the process after loading.
 */
export function placeholderVocab(size: number): GgufTokenizer {
  const pieces = ['<unk>', '<s>', '</s>', ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)];
  while (pieces.length < size) pieces.push(`t${pieces.length}`);
  return {
    model: 'llama',
    tokens: pieces,
    scores: pieces.map(() => 0),
    tokenTypes: pieces.map((p, i) => (i === 0 ? 2 : i < 3 ? 3 : p.startsWith('<0x') ? 6 : 1)),
    bos: 1,
    eos: 2,
    unk: 0,
  };
}

/** The shape of the small random models the llama.cpp comparisons write (GQA: 4 heads, 2 KV heads). */
export const RANDOM_CFG = {
  vocab_size: 300,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  max_position_embeddings: 128,
};

/** Logits [T][V] of the full forward over ids. */
export function logitsOf(m: Llama, ids: number[]): Float32Array[] {
  const V = m.cfg.vocab_size;
  const d = tf.tidy(() => m.logits(m.forward(m.embed(Int32Array.from(ids), 1, ids.length)))).dataSync() as Float32Array;
  return Array.from({ length: ids.length }, (_, t) => d.slice(t * V, (t + 1) * V));
}

/**
 * Greedy continuations from llama.cpp for each prompt, plus the max abs difference between its and our
 * logits relative to the chosen token's, log p(tok)/p(top) = z_tok − z_top, over tokens with p > 1e-4.
 */
export async function compareWithLlamaCpp(
  nlc: NodeLlama,
  file: string,
  ours: Llama,
  prompts: number[][],
): Promise<{ theirs: number[][]; mine: number[][]; maxLogitDiff: number }> {
  const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: file });
  const ctx = await model.createContext({ contextSize: 128, threads: 1 }); // one thread: no spinning workers on a busy machine
  const seq = ctx.getSequence();
  const theirs: number[][] = [];
  const mine: number[][] = [];
  let maxLogitDiff = 0;
  try {
    for (const prompt of prompts) {
      await seq.clearHistory();
      const out: number[] = [];
      const probs: Map<number, number>[] = [];
      for await (const r of seq.evaluateWithMetadata(prompt as Token[], { probabilities: true }, { temperature: 0 })) {
        out.push(r.token as number);
        probs.push(r.probabilities as Map<number, number>);
        if (out.length === STEPS) break;
      }
      theirs.push(out);
      mine.push(greedyDecode(ours, [{ ids: prompt }], { maxNewTokens: STEPS })[0]);
      const rows = logitsOf(ours, [...prompt, ...out]).slice(prompt.length - 1, prompt.length - 1 + out.length); // out ends early at </s>
      rows.forEach((z, s) => {
        const top = out[s]; // llama.cpp's probabilities may be renormalised after top-k: compare log p(tok)/p(top)
        const pTop = probs[s].get(top) as number;
        for (const [tok, p] of probs[s])
          if (p > 1e-4) maxLogitDiff = Math.max(maxLogitDiff, Math.abs(Math.log(p / pTop) - (z[tok] - z[top])));
      });
    }
  } finally {
    await ctx.dispose();
    await model.dispose();
    await llama.dispose();
  }
  return { theirs, mine, maxLogitDiff };
}

/** A minimal GGUF v3: one string KV (general.architecture) and the given raw tensors. */
export function miniGguf(arch: string, tensors: { name: string; dims: number[]; type: number; data: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    parts.push(b);
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    parts.push(b);
  };
  const str = (s: string) => {
    u64(Buffer.byteLength(s));
    parts.push(Buffer.from(s));
  };
  const pad = () => parts.push(Buffer.alloc((32 - (Buffer.concat(parts).length % 32)) % 32));
  parts.push(Buffer.from('GGUF'));
  (u32(3), u64(tensors.length), u64(1));
  (str('general.architecture'), u32(8), str(arch));
  let off = 0;
  for (const t of tensors) {
    (str(t.name), u32(t.dims.length), t.dims.forEach(u64), u32(t.type), u64(off));
    off += Math.ceil(t.data.length / 32) * 32;
  }
  for (const t of tensors) (pad(), parts.push(Buffer.from(t.data)));
  pad();
  return Buffer.concat(parts);
}

/** `fn` throws a DataError whose message is one line matching `pattern`. */
export function assertOneLineDataError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'message is one line');
    assert.match(e.message, pattern);
    return true;
  });
}
