// Task records → token sequences the LM trains and is evaluated on: the chat layout of
// src/lm/tokenizer/chat.ts, loss on the response only, and each soft-token position paired with the
// vector of the record's soft entry in the same order.
import { DataError } from '../engine/errors.js';
import { promptIds, renderChat, softTokenPositions } from '../lm/tokenizer/chat.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import type { LmExample } from '../lm/train/train.js';
import type { TaskRecord } from '../tasks/forms.js';
import type { SoftVectors } from './soft.js';

export type SoftSlot = { pos: number; kind: 'user' | 'item'; vector: Float32Array };

/** Soft slots for the ids of a record's prompt; a count or kind mismatch names the record. */
export function softSlots(
  ids: readonly number[],
  r: TaskRecord,
  tok: Tokenizer,
  vectors: SoftVectors | undefined,
  source: string,
): SoftSlot[] {
  const positions = softTokenPositions(tok, ids);
  if (positions.length !== r.soft.length) {
    throw new DataError({ file: source, field: r.id }, `prompt has ${positions.length} soft token(s), the record lists ${r.soft.length}`);
  }
  if (positions.length === 0) return [];
  if (!vectors) throw new DataError({ file: source, field: r.id }, 'has soft tokens, but no target model was given to fill them');
  return positions.map((p, i) => {
    const s = r.soft[i];
    if (s.token !== p.token)
      throw new DataError({ file: source, field: `${r.id}.soft[${i}]` }, `is ${s.token}, the prompt has ${p.token} there`);
    return { pos: p.position, kind: s.kind, vector: vectors.vector(s) };
  });
}

/** A training example: prompt + response + end token, loss on the last two. */
export function trainingExample(r: TaskRecord, tok: Tokenizer, vectors: SoftVectors | undefined, source: string): LmExample {
  const { ids, lossMask } = renderChat(tok, r.prompt, r.response);
  return { ids, lossMask, soft: softSlots(ids, r, tok, vectors, source) };
}

/** The prompt of a record ready for generation ("… ASSISTANT:"), with its soft slots. */
export function promptExample(
  r: TaskRecord,
  tok: Tokenizer,
  vectors: SoftVectors | undefined,
  source: string,
): { ids: number[]; soft: SoftSlot[] } {
  const ids = promptIds(tok, r.prompt);
  return { ids, soft: softSlots(ids, r, tok, vectors, source) };
}
