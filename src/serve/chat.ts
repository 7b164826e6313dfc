// POST /v1/chat/completions: OpenAI's chat API (non-streaming) backed by one language model of the
// run, so any OpenAI client — the project's LLM judge and teacher among them — can talk to it. The
// conversation becomes the chat layout the models were trained on (lm/tokenizer/chat.ts): each
// earlier user turn with its assistant reply, then the last user turn and "ASSISTANT:"; system
// messages open the next user turn. Decoding is greedy whatever the temperature. Extension field
// `recexplainer: {user?, history?, items?}` fills the prompt's <user> tokens (f's vector of that
// user's or that history) and its <item> tokens (f's item vectors, in order).
import type { SoftSlot } from '../align/examples.js';
import { SoftVectors } from '../align/soft.js';
import { renderConversation, softTokenPositions } from '../lm/tokenizer/chat.js';
import { SPECIALS } from '../lm/tokenizer/tokenizer.js';
import { badRequest, HttpError, unprocessable } from './http_error.js';
import { itemIds, subject, type Subject } from './instance.js';
import type { Service } from './service.js';
import { between } from './batch.js';
import { bool, int, object, objects, str, type Json } from './validate.js';

export interface ChatRequest {
  model: string;
  turns: { user: string; assistant?: string }[]; // the last one has no reply yet
  maxTokens: number;
  stop: string[];
  user?: Subject; // fills <user>
  items: number[]; // fill <item>, in order
}

const FIELDS = [
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stream',
  'n',
  'stop',
  'seed',
  'user',
  'recexplainer',
];
const MAX_MESSAGES = 64;
const MAX_CONTENT = 20_000; // characters of one message
export const MAX_TOKENS = 512;
export const DEFAULT_TOKENS = 256;

/** A message's text: a string, or OpenAI's list of {type: "text", text} parts. */
function content(m: Json, path: string): string {
  const c = m.content;
  if (typeof c === 'string') return str(m, 'content', MAX_CONTENT, path)!;
  if (
    Array.isArray(c) &&
    c.every((p) => typeof p === 'object' && p !== null && (p as Json).type === 'text' && typeof (p as Json).text === 'string')
  )
    return c.map((p) => (p as { text: string }).text).join('\n');
  throw badRequest(`"${path}.content" must be a string or a list of {"type": "text", "text": ...} parts`);
}

export function parseChat(svc: Service, body: unknown, historyLimit: number): ChatRequest {
  const o = object(body, FIELDS);
  const model = str(o, 'model', 200);
  const names: string[] = svc.lms.map((l) => l.name);
  if (model === undefined) throw badRequest(`"model" is missing: one of ${names.join(', ')}`);
  if (!names.includes(model)) throw new HttpError(404, `the model "${model}" does not exist (this run has ${names.join(', ')})`);
  if (bool(o, 'stream')) throw badRequest('streaming is not supported: send "stream": false');
  if ((int(o, 'n', 'body', 1) ?? 1) !== 1) throw badRequest('"n" must be 1: one completion per request');
  for (const k of ['temperature', 'top_p', 'seed'])
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'number') throw badRequest(`"${k}" must be a number`);
  const maxTokens = int(o, 'max_completion_tokens', 'body', 1, MAX_TOKENS) ?? int(o, 'max_tokens', 'body', 1, MAX_TOKENS) ?? DEFAULT_TOKENS;
  const stop = typeof o.stop === 'string' ? [o.stop] : (o.stop ?? []);
  if (!Array.isArray(stop) || stop.length > 4 || stop.some((s) => typeof s !== 'string' || s === ''))
    throw badRequest('"stop" must be a string or a list of at most 4 non-empty strings');
  if (o.user !== undefined && typeof o.user !== 'string') throw badRequest('"user" (OpenAI\'s end-user id) must be a string');

  const turns: ChatRequest['turns'] = [];
  let system: string[] = [];
  (objects(o, 'messages', MAX_MESSAGES) ?? []).forEach((raw, i) => {
    const path = `messages[${i}]`;
    const m = object(raw, ['role', 'content', 'name'], path);
    const text = content(m, path);
    if (m.role === 'system' || m.role === 'developer') system.push(text);
    else if (m.role === 'user') {
      turns.push({ user: [...system, text].join('\n\n') });
      system = [];
    } else if (m.role === 'assistant') {
      const last = turns.at(-1);
      if (!last || last.assistant !== undefined) throw badRequest(`"${path}": an assistant message must follow a user message`);
      last.assistant = text;
    } else throw badRequest(`"${path}.role" must be system, user or assistant, got ${JSON.stringify(m.role)}`);
  });
  if (o.messages === undefined) throw badRequest('"messages" is missing: give the conversation');
  if (turns.length === 0 || turns.at(-1)!.assistant !== undefined || system.length > 0)
    throw badRequest("the last message must be the user's (the model answers it)");

  const ext = o.recexplainer === undefined ? undefined : object(o.recexplainer, ['user', 'history', 'items'], 'recexplainer');
  const wantsUser = ext !== undefined && (ext.user !== undefined || ext.history !== undefined);
  return {
    model,
    turns,
    maxTokens,
    stop: stop as string[],
    user: wantsUser ? subject(svc, ext, 'recexplainer', historyLimit) : undefined,
    items: (ext && itemIds(svc, ext, 'items', 'recexplainer')) ?? [],
  };
}

export async function chat(svc: Service, req: ChatRequest, signal: AbortSignal) {
  await between(signal);
  const lm = svc.lms.find((l) => l.name === req.model)!;
  const s = lm.surrogate;
  const ids = renderConversation(s.tok, req.turns).ids;
  const positions = softTokenPositions(s.tok, ids);
  const users = positions.filter((p) => p.token === SPECIALS.user).length;
  const items = positions.length - users;
  if (users > 0 && !req.user)
    throw badRequest(`the conversation has ${users} ${SPECIALS.user} token(s): give "recexplainer": {"user": id} or {"history": [ids]}`);
  if (items !== req.items.length)
    throw badRequest(`the conversation has ${items} ${SPECIALS.item} token(s) and "recexplainer.items" names ${req.items.length} item(s)`);
  if (positions.length > 0 && Object.keys(s.projectors).length === 0)
    throw unprocessable(`${req.model} reads no soft tokens (it was aligned on titles only); use a model of form I or H`);
  const context = s.model.cfg.max_position_embeddings;
  if (ids.length >= context)
    throw badRequest(`the conversation is ${ids.length} tokens; ${req.model} reads at most ${context - 1} before answering`);
  const vectors = new SoftVectors(svc.rec);
  let next = 0;
  const soft: SoftSlot[] = positions.map((p) =>
    p.token === SPECIALS.user
      ? {
          pos: p.position,
          kind: 'user',
          vector: vectors.vector({ token: SPECIALS.user, kind: 'user', user: req.user!.user, history: req.user!.history }),
        }
      : { pos: p.position, kind: 'item', vector: vectors.vector({ token: SPECIALS.item, kind: 'item', item: req.items[next++] }) },
  );
  let text = s.generate([{ ids, soft }], req.maxTokens)[0];
  const cut = Math.min(...req.stop.map((x) => text.indexOf(x)).filter((i) => i >= 0));
  const stopped = Number.isFinite(cut);
  if (stopped) text = text.slice(0, cut);
  const completion = s.tok.encode(text).length;
  return {
    id: `chatcmpl-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text },
        finish_reason: !stopped && completion >= req.maxTokens ? 'length' : 'stop',
      },
    ],
    usage: { prompt_tokens: ids.length, completion_tokens: completion, total_tokens: ids.length + completion },
  };
}
