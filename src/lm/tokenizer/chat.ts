// The chat layout (Vicuna-like, no system turn): "<s>USER: {prompt} ASSISTANT: {response}</s>", every
// marker one special id; "<user>"/"<item>" in a prompt are soft-token ids. chatText() is the same sample
// as one string, which any Hugging Face tokenizer reading our tokenizer.json encodes to the same ids.
import { SPECIALS, type Tokenizer } from './tokenizer.js';

export interface ChatIds {
  ids: number[];
  lossMask: number[]; // 1 exactly on the response tokens and the end token, else 0
}

export type SoftToken = typeof SPECIALS.user | typeof SPECIALS.item;

export interface SoftPosition {
  position: number; // index into ids
  token: SoftToken; // as in a task sample's soft[i].token
}

const SOFT_SPLIT = new RegExp(`(${SPECIALS.user}|${SPECIALS.item})`); // captured: odd parts are soft tokens

/** The sample as one string (for other tools; the ids come from promptIds / renderChat). */
export function chatText(prompt: string, response?: string): string {
  const head = `${SPECIALS.bos}${SPECIALS.userTurn} ${prompt} ${SPECIALS.assistantTurn}`;
  return response === undefined ? head : `${head} ${response}${SPECIALS.eos}`;
}

/**
 * Ids of "<s>USER: {prompt} ASSISTANT:", ready for generation. Soft tokens and the ASSISTANT marker
 * absorb the whitespace on their left (lstrip), as the added tokens of our tokenizer.json do.
 */
export function promptIds(tok: Tokenizer, prompt: string): number[] {
  const ids = [tok.special.bos, tok.special.userTurn];
  prompt.split(SOFT_SPLIT).forEach((part, i) => {
    if (i % 2 === 1) ids.push(part === SPECIALS.user ? tok.special.user : tok.special.item);
    else ids.push(...tok.encode(((i === 0 ? lead(tok) : '') + part).trimEnd()));
  });
  ids.push(tok.special.assistantTurn);
  return ids;
}

/** A training sample: prompt ids (mask 0), then response ids and the end token (mask 1); no response → the prompt alone. */
export function renderChat(tok: Tokenizer, prompt: string, response?: string): ChatIds {
  const head = promptIds(tok, prompt);
  const tail = response === undefined ? [] : [...responseIds(tok, response), tok.special.eos];
  return { ids: [...head, ...tail], lossMask: [...head.map(() => 0), ...tail.map(() => 1)] };
}

/** The ids of a response after the ASSISTANT marker (the end token not included), as training sees them. */
export function responseIds(tok: Tokenizer, response: string): number[] {
  return tok.encode(lead(tok) + response);
}

/** Where the soft tokens are, in order: the i-th belongs to the sample's soft[i]. */
export function softTokenPositions(tok: Tokenizer, ids: readonly number[]): SoftPosition[] {
  const out: SoftPosition[] = [];
  ids.forEach((id, position) => {
    if (id === tok.special.user) out.push({ position, token: SPECIALS.user });
    else if (id === tok.special.item) out.push({ position, token: SPECIALS.item });
  });
  return out;
}

/** The space after a marker: part of the text for byte-level tokenizers, added by the pipeline for SentencePiece-style ones. */
function lead(tok: Tokenizer): string {
  return tok.prefixSpace ? '' : ' ';
}
