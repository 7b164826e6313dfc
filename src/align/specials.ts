// A foreign base model and the special tokens alignment needs (<user>, <item>, the title markers,
// our chat-layout tokens), in one place. The Tokenizer appends the roles a base vocabulary lacks
// after its last id, <user> and <item> first (ids V and V + 1, as the reference implementation's
// add_special_tokens gives them); fitVocabulary grows the model to cover them
// (Llama.resizeTokenEmbeddings: each new row the mean of the existing ones, Hugging Face's default),
// only where it has no row for them yet (the reference resizes only when the tokenizer outgrows the
// embeddings). The appended rows are trained: fully fine-tuned, like every weight; with LoRA, the
// whole embed_tokens (and an untied lm_head) trains beside the adapters and is saved with them, as
// the reference's modules_to_save does. align.json records what was appended, and a reload checks
// that the base model gets the same.
import type { Variable } from '@tensorflow/tfjs-core';
import { DataError, UserError } from '../engine/errors.js';
import type { Llama } from '../lm/model/llama.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';

/** align.json's appended_tokens: the special tokens appended to the base vocabulary. */
export interface AppendedTokens {
  first: number; // id of the first (the base tokenizer's size); the others follow
  tokens: string[]; // their contents, in id order
  base_rows: number; // the base model's vocabulary rows before: rows up to first + tokens.length were added
}

/** Grows `model` to cover the roles `tok` appended (a larger tokenizer otherwise is a UserError); what was appended, or null. */
export function fitVocabulary(model: Llama, tok: Tokenizer, path: string): AppendedTokens | null {
  const rows = model.cfg.vocab_size;
  const first = tok.vocabSize - tok.appended.length;
  if (first > rows) throw new UserError(`${path}: the tokenizer has ${first} tokens, the model ${rows}`);
  if (tok.vocabSize > rows) model.resizeTokenEmbeddings(tok.vocabSize);
  return tok.appended.length ? { first, tokens: [...tok.appended], base_rows: rows } : null;
}

/** The vocabulary tables: embed_tokens, and lm_head when untied (trained and saved with LoRA when tokens were appended). */
export function vocabularyTables(model: Llama): Variable[] {
  return model.lmHead ? [model.embedTokens, model.lmHead] : [model.embedTokens];
}

/** align.json's record against what the base model gets appended now; a difference is a one-line DataError. */
export function checkAppended(recorded: AppendedTokens | null | undefined, now: AppendedTokens | null, file: string): void {
  const [was, is] = [JSON.stringify(recorded ?? null), JSON.stringify(now)];
  if (was !== is)
    throw new DataError(
      { file, field: 'appended_tokens' },
      `is ${was}, but the base model now gets ${is} appended (another base model or tokenizer?)`,
    );
}
