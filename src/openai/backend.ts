// What the text-only LLM roles (the LLM judge, the teacher, the icl-llm baseline) need of a chat
// model, and where one comes from: an OpenAI-compatible endpoint (chat.ts; a role's --*-url flag) or
// a GGUF file run in-process through llama.cpp (llama_cpp_chat.ts; its --*-gguf flag). Both answer
// a batch of conversations with reply strings (null: no reply) and report a fatal problem as one
// UserError that starts with the role's label; cache.ts keeps the replies under `model`.
import { UserError } from '../engine/errors.js';
import { flagName } from '../engine/options.js';
import { ChatClient, type ChatClientOptions, type ChatMessage } from './chat.js';
import { LlamaCppChat } from './llama_cpp_chat.js';

export interface ChatBackend {
  /** Names the model in reply-cache keys: the endpoint's model name, or the GGUF file's identity. */
  readonly model: string;
  /** Why the latest conversation without a reply got none, for the caller's message. */
  readonly lastFailure: string | undefined;
  /** The reply to every conversation, in order (null: none); onDone(i, reply) as each one finishes; a fatal problem is a UserError. */
  completeAll(conversations: readonly ChatMessage[][], onDone?: (i: number, reply: string | null) => void): Promise<(string | null)[]>;
  /** Frees what it holds (a loaded model); nothing is asked after it. */
  dispose(): void;
}

/** Where a role's chat model is: an endpoint's base URL, or a GGUF file. */
export type ChatSource = { url: string; gguf?: undefined } | { gguf: string; url?: undefined };

/** The source a role's two flags name (config keys, e.g. 'judgeUrl' and 'judgeGguf'): undefined for neither, a one-line UserError for both. */
export function chatSource<K extends string>(cfg: Partial<Record<K, string>>, urlKey: K, ggufKey: K): ChatSource | undefined {
  const [url, gguf] = [cfg[urlKey], cfg[ggufKey]];
  if (url !== undefined && gguf !== undefined)
    throw new UserError(`${flagName(urlKey)} and ${flagName(ggufKey)}: name one, an OpenAI-compatible endpoint or a GGUF file`);
  return url !== undefined ? { url } : gguf !== undefined ? { gguf } : undefined;
}

/** The source in a few words, for notes and progress: "<model> at <url>", or "<file> through llama.cpp". */
export function describeChat(source: ChatSource, model: string): string {
  return source.url !== undefined ? `${model} at ${source.url}` : `${source.gguf} through llama.cpp`;
}

/** The back-end of a source: an endpoint takes every client setting, a GGUF file the label alone (see llama_cpp_chat.ts). */
export function openChat(opts: ChatSource & Omit<ChatClientOptions, 'url'>): ChatBackend {
  return opts.gguf !== undefined ? new LlamaCppChat({ label: opts.label, file: opts.gguf }) : new ChatClient(opts);
}
