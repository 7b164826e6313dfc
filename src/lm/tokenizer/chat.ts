// Conversations as token ids (renderConversation; promptIds and renderChat for one turn), in one of two
// layouts. Ours (Vicuna-like, no system turn): "<s>USER: {prompt} ASSISTANT: {response}</s>", every
// marker one special id; chatText() is the same sample as one string, which any Hugging Face tokenizer
// reading our tokenizer.json encodes to the same ids. A model whose tokenizer carries a chat template
// (tok.chatTemplate) gets its own layout instead: the template's markup (its special tokens as their
// ids, its text encoded with the neighbouring user text), each answer's ids, then the end-of-turn token
// (tok.special.eos), which ends a sample as </s> does ours. In both, "<user>"/"<item>" in a prompt are
// soft-token ids, and the loss mask is 1 exactly on the answers and their end tokens.
// A response may mark item titles as "<title>Heat (1995)</title>" spans: the markers are special ids
// and the title inside is encoded as titleIds(title), so a decoder can hold the span to a trie of
// titles built the same way.
import { UserError } from '../../engine/errors.js';
import type { ChatMessage } from './chat_template.js';
import { SPECIALS, type Tokenizer } from './tokenizer.js';

export interface ChatIds {
  ids: number[];
  lossMask: number[]; // 1 exactly on the response tokens and the end token, else 0
}

export type SoftToken = typeof SPECIALS.user | typeof SPECIALS.item;

/** One exchange: the user's prompt and, except in a conversation's last turn (to be answered), the answer. */
export interface ChatTurn {
  user: string;
  assistant?: string;
}

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
 * The text with the occurrences of the given titles marked as spans, the first MAX_CITES of each, or
 * as many as a map gives each title (the longest title first where they overlap; an occurrence must
 * not run on into a letter or digit on either side).
 */
export function markTitles(text: string, titles: readonly string[] | ReadonlyMap<string, number>): string {
  const cites: ReadonlyMap<string, number> =
    titles instanceof Map ? titles : new Map((titles as readonly string[]).map((t) => [t, MAX_CITES]));
  const found: { start: number; end: number }[] = [];
  for (const t of [...cites.keys()].filter(Boolean))
    for (let at = text.indexOf(t); at >= 0; at = text.indexOf(t, at + 1))
      if (apart(text[at - 1], t[0]) && apart(text[at + t.length], t[t.length - 1])) found.push({ start: at, end: at + t.length });
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  const marked = new Map<string, number>();
  for (const f of found) {
    if (f.start < pos) continue;
    const title = text.slice(f.start, f.end);
    const n = (marked.get(title) ?? 0) + 1;
    if (n > cites.get(title)!) continue;
    marked.set(title, n);
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
 * A conversation as ids: each turn's prompt (mask 0), and its answer (title spans as `span` gives
 * them) with the end token (mask 1). A last turn without an answer ends ready for generation.
 */
export function renderConversation(tok: Tokenizer, turns: readonly ChatTurn[], span?: (title: string) => number[]): ChatIds {
  const out: ChatIds = { ids: [], lossMask: [] };
  const push = (ids: readonly number[], mask: number) => ids.forEach((id) => (out.ids.push(id), out.lossMask.push(mask)));
  if (tok.chatTemplate) {
    templateConversation(tok, turns, span, push);
    return out;
  }
  for (const t of turns) {
    push(ourPromptIds(tok, t.user), 0);
    if (t.assistant !== undefined) push([...responseIds(tok, t.assistant, span), tok.special.eos], 1);
  }
  return out;
}

/** Ids of a prompt ready for generation: "<s>USER: {prompt} ASSISTANT:" (or the model's template up to its answer). */
export function promptIds(tok: Tokenizer, prompt: string): number[] {
  return renderConversation(tok, [{ user: prompt }]).ids;
}

/** A training sample: prompt ids (mask 0), then response ids (title spans as `span` gives them) and the end token (mask 1); no response → the prompt alone. */
export function renderChat(tok: Tokenizer, prompt: string, response?: string, span?: (title: string) => number[]): ChatIds {
  return renderConversation(tok, [{ user: prompt, assistant: response }], span);
}

/**
 * Our layout's "<s>USER: {prompt} ASSISTANT:". Soft tokens and the ASSISTANT marker absorb the
 * whitespace on their left (lstrip), as the added tokens of our tokenizer.json do.
 */
function ourPromptIds(tok: Tokenizer, prompt: string): number[] {
  const ids = [tok.special.bos, tok.special.userTurn];
  prompt.split(SOFT_SPLIT).forEach((part, i) => {
    if (i % 2 === 1) ids.push(softId(tok, part));
    else ids.push(...tok.encode(((i === 0 ? space(tok) : '') + part).trimEnd()));
  });
  ids.push(tok.special.assistantTurn);
  return ids;
}

/** Our markers: a model's template never means them, even where its text spells one (e.g. "USER:"). */
const OUR_MARKERS: ReadonlySet<string> = new Set([
  SPECIALS.user,
  SPECIALS.item,
  SPECIALS.userTurn,
  SPECIALS.assistantTurn,
  SPECIALS.titleOpen,
  SPECIALS.titleClose,
]);

const markupCache = new WeakMap<Tokenizer, { specials: Map<string, number>; markupSplit: RegExp }>();

/** The vocabulary's special tokens that template markup may hold (not our markers), and a regex that splits them out. */
function markupSpecials(tok: Tokenizer): { specials: Map<string, number>; markupSplit: RegExp } {
  let m = markupCache.get(tok);
  if (!m) {
    const specials = new Map(tok.json.added_tokens.filter((t) => t.special && !OUR_MARKERS.has(t.content)).map((t) => [t.content, t.id]));
    const alternatives = [...specials.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    markupCache.set(tok, (m = { specials, markupSplit: new RegExp(`(${alternatives.join('|')})`) }));
  }
  return m;
}

/**
 * The model's template layout: markup split at its special tokens, plain text (markup and user
 * text between special and soft tokens) encoded in one piece, each answer as responseIds plus the
 * end token, which replaces the end token (and any whitespace before it) that the markup has there.
 * What the template puts after a final answer's end token is left out: a sample ends there.
 */
function templateConversation(
  tok: Tokenizer,
  turns: readonly ChatTurn[],
  span: ((title: string) => number[]) | undefined,
  push: (ids: readonly number[], mask: number) => void,
): void {
  const template = tok.chatTemplate!;
  const messages: ChatMessage[] = turns.flatMap((t) => [
    { role: 'user' as const, content: t.user },
    ...(t.assistant === undefined ? [] : [{ role: 'assistant' as const, content: t.assistant }]),
  ]);
  const answered = turns.at(-1)?.assistant !== undefined;
  const pieces = template.pieces(messages, !answered);
  const { specials, markupSplit } = markupSpecials(tok);
  let text = '';
  const flush = () => {
    if (text) push(tok.encode(text), 0);
    text = '';
  };
  let afterAnswer = false;
  for (const p of pieces) {
    if ('markup' in p) {
      let markup = p.markup;
      if (afterAnswer) {
        if (answered && p === pieces.at(-1)) break;
        markup = markup.trimStart();
        if (!markup.startsWith(template.end)) throw new UserError(`chat template: an answer is not followed by ${template.end}`);
        markup = markup.slice(template.end.length); // pushed with the answer
      }
      markup.split(markupSplit).forEach((part, i) => {
        if (i % 2 === 0) text += part;
        else (flush(), push([specials.get(part)!], 0));
      });
      afterAnswer = false;
    } else if (messages[p.message].role === 'user') {
      messages[p.message].content.split(SOFT_SPLIT).forEach((part, i) => {
        if (i % 2 === 0) text += part;
        else (flush(), push([softId(tok, part)], 0));
      });
    } else {
      flush();
      push([...responseIds(tok, messages[p.message].content, span), tok.special.eos], 1);
      afterAnswer = true;
    }
  }
  flush();
}

/**
 * The ids of a response after the ASSISTANT marker or the template's generation prompt (the end token
 * not included), as training sees them; each title span as `span(title)` gives it (default: the
 * markers around titleIds).
 */
export function responseIds(tok: Tokenizer, response: string, span?: (title: string) => number[]): number[] {
  const parts = response.split(SPAN); // captured: odd parts are the titles of spans
  if (parts.length === 1) return tok.encode(answerLead(tok) + response);
  const spanIds = span ?? ((t: string) => [tok.special.titleOpen, ...titleIds(tok, t), tok.special.titleClose]);
  return parts.flatMap((part, i) => {
    if (i % 2 === 1) return spanIds(part);
    const text = i === 0 ? answerLead(tok) + part : part;
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

/** The ids of a title inside a span: the title as a word after a space. */
export function titleIds(tok: Tokenizer, title: string): number[] {
  return tok.encode(space(tok) + title.trim());
}

/** The space after a marker: part of the text for byte-level tokenizers, added by the pipeline for SentencePiece-style ones. */
function space(tok: Tokenizer): string {
  return tok.prefixSpace ? '' : ' ';
}

/** What precedes an answer's first word: our ASSISTANT marker's space; nothing after a template's markup (a newline or a special token). */
function answerLead(tok: Tokenizer): string {
  return tok.chatTemplate ? '' : space(tok);
}

function softId(tok: Tokenizer, token: string): number {
  return token === SPECIALS.user ? tok.special.user : tok.special.item;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
