// The chat layout (Vicuna-like, no system turn): "<s>USER: {prompt} ASSISTANT: {response}</s>", every
// marker one special id; "<user>"/"<item>" in a prompt are soft-token ids. chatText() is the same sample
// as one string, which any Hugging Face tokenizer reading our tokenizer.json encodes to the same ids.
// A response may mark item titles as "<title>Heat (1995)</title>" spans: the markers are special ids
// and the title inside is encoded as a response of its own would be (responseIds(title)), so a
// decoder can hold the span to a trie of titles built the same way.
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
const WORD_CHAR = /^[\p{L}\p{N}]$/u;
/** A title's edge character and the text's character beside it do not run together as one word. */
const apart = (outside: string | undefined, edge: string) => !WORD_CHAR.test(outside ?? '') || !WORD_CHAR.test(edge);
const OPEN_SPACED = new RegExp(`\\s*${SPECIALS.titleOpen}\\s*`, 'g');
const SPAN = new RegExp(`${SPECIALS.titleOpen}(.*?)${SPECIALS.titleClose}`, 's');

/** "<title>{title}</title>". */
export const markTitle = (title: string): string => `${SPECIALS.titleOpen}${title}${SPECIALS.titleClose}`;

/** How often a text may cite one title in spans (an explanation names the candidate twice at most). */
export const MAX_CITES = 2;

/**
 * The text with the occurrences of the given titles marked as spans, the first MAX_CITES of each
 * (the longest title first where they overlap; an occurrence must not run on into a letter or
 * digit on either side).
 */
export function markTitles(text: string, titles: readonly string[]): string {
  const found: { start: number; end: number }[] = [];
  for (const t of new Set(titles.filter(Boolean)))
    for (let at = text.indexOf(t); at >= 0; at = text.indexOf(t, at + 1))
      if (apart(text[at - 1], t[0]) && apart(text[at + t.length], t[t.length - 1])) found.push({ start: at, end: at + t.length });
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  const cites = new Map<string, number>();
  for (const f of found) {
    if (f.start < pos) continue;
    const title = text.slice(f.start, f.end);
    const n = (cites.get(title) ?? 0) + 1;
    if (n > MAX_CITES) continue;
    cites.set(title, n);
    out += text.slice(pos, f.start) + markTitle(title);
    pos = f.end;
  }
  return out + text.slice(pos);
}

/** The text with its title markers removed, one space before each title (decoded text has it inside the span). */
export const unmarkTitles = (text: string): string => text.replace(OPEN_SPACED, ' ').replaceAll(SPECIALS.titleClose, '');

/** The sample as one string (for other tools; the ids come from promptIds / renderChat); exact for responses without title spans. */
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

/** A training sample: prompt ids (mask 0), then response ids (title spans as `span` gives them) and the end token (mask 1); no response → the prompt alone. */
export function renderChat(tok: Tokenizer, prompt: string, response?: string, span?: (title: string) => number[]): ChatIds {
  const head = promptIds(tok, prompt);
  const tail = response === undefined ? [] : [...responseIds(tok, response, span), tok.special.eos];
  return { ids: [...head, ...tail], lossMask: [...head.map(() => 0), ...tail.map(() => 1)] };
}

/**
 * The ids of a response after the ASSISTANT marker (the end token not included), as training sees
 * them; each title span as `span(title)` gives it (default: the markers around the title's ids).
 */
export function responseIds(tok: Tokenizer, response: string, span?: (title: string) => number[]): number[] {
  const parts = response.split(SPAN); // captured: odd parts are the titles of spans
  if (parts.length === 1) return tok.encode(lead(tok) + response);
  const spanIds = span ?? ((t: string) => [tok.special.titleOpen, ...tok.encode(lead(tok) + t.trim()), tok.special.titleClose]);
  return parts.flatMap((part, i) => {
    if (i % 2 === 1) return spanIds(part);
    const text = i === 0 ? lead(tok) + part : part;
    const piece = i < parts.length - 1 ? text.trimEnd() : text; // an opening marker absorbs the space before it
    return piece ? tok.encode(piece) : [];
  });
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
