// A text-only decoder: another implementation of the model (llama.cpp, llama_cpp.ts) that serves
// prompts made of token ids alone. Soft tokens (the I/H forms' projector outputs at <user>/<item>)
// enter only our own model, so a prompt that carries them never comes here. search.ts runs greedy
// decoding, beam search and grounded constraints on it exactly as on our model: each step's row
// holds the next-token log-probabilities over the whole vocabulary (a shift of the logits, so the
// argmax, the log-softmax and any mask of allowed tokens give what the logits give).
import type { Stepper } from './reference_step.js';

/** Who decodes text-only prompts: our model (default) or llama.cpp through node-llama-cpp. */
export const ENGINES = ['ours', 'llama-cpp'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface TextEngine {
  readonly maxPositions: number; // prompt + generated tokens at most
  readonly maxRows: number; // rows decoded together (search.ts splits greedy batches; beams need at most this)
  /** Next-token log-probabilities after each prompt (row b: prompt b) and steps continuing `rows` rows; rows past the prompts are filled by the first reorder. */
  start(prompts: readonly (readonly number[])[], rows: number): { logits: Float32Array[]; steps: Stepper };
  /** Unconstrained greedy continuations: at most maxNewTokens each, ending after eosId (not included). */
  greedy(prompts: readonly (readonly number[])[], maxNewTokens: number, eosId?: number): number[][];
  /** Per sequence: sum = Σ log p(ids[t] | ids[<t]) over the t with mask[t] = 1, first = the first such term (−Infinity when none). */
  logProbs(seqs: readonly { ids: readonly number[]; mask: readonly number[] }[]): { sum: number; first: number }[];
  dispose(): void;
}
