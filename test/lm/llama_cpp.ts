// node-llama-cpp (llama.cpp's CPU build), loaded lazily for the golden tests; a string (the reason to
// skip) where it cannot be loaded. Also the placeholder vocabulary that lets llama.cpp load a random model.
import type { GgufTokenizer } from '../../src/lm/io/gguf_write.js';

export type NodeLlama = typeof import('node-llama-cpp');

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
