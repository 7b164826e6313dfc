// A chat model in a GGUF file, run in-process through llama.cpp (node-llama-cpp, an optional
// package, in a worker: lm/decode/llama_cpp_worker.ts), as a ChatBackend (backend.ts) beside the
// endpoint client. Each conversation is written with the file's own chat template
// (tokenizer.chat_template, rendered as transformers' apply_chat_template does:
// lm/tokenizer/chat_template.ts) and the generation prompt; llama.cpp tokenizes that text with the
// template's special tokens parsed, puts a BOS token first when the vocabulary asks for one and the
// template did not write it (as llama.cpp's server does), and decodes greedily (temperature 0, no
// penalties) until an end-of-generation token or maxTokens. A template that refuses a system turn
// gets the system message as the first user message's opening paragraph.
// Deterministic: one thread, one sequence, and every conversation evaluated alone from an empty
// context (no prefix kept from the one before, no batching with others), so a reply depends on its
// conversation only, whatever was asked before or is read from the cache. The cache identity
// (`model`) is the file's absolute path, size and modification time with the reply limit.
// The file is checked when the back-end is made (present, a readable file, "GGUF" magic: otherwise
// a one-line UserError naming it, after the role's label); the model is loaded at the first
// conversation it must answer (a rerun served from the cache loads nothing) and freed by dispose().
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../engine/errors.js';
import { fsUserError } from '../engine/fs_errors.js';
import type { SyncWorker } from '../engine/sync_worker.js';
import { firstLine, startLlamaWorker, THREADS } from '../lm/decode/llama_cpp_worker.js';
import { notGguf } from '../lm/io/gguf_read.js';
import { chatRenderer, type RenderChat } from '../lm/tokenizer/chat_template.js';
import type { ChatBackend } from './backend.js';
import type { ChatMessage } from './chat.js';

export const LLAMA_CHAT_DEFAULTS = {
  maxTokens: 512, // tokens of one reply at most
  contextSize: 4096, // prompt + reply tokens at most (or the model's trained context, if smaller)
};

export interface LlamaCppChatOptions {
  label: string; // starts every error message, e.g. 'LLM judge'
  file: string; // the GGUF file
  maxTokens?: number;
  contextSize?: number;
}

// Plain JavaScript: it runs in the worker (llama_cpp_worker.ts), where `llama` is node-llama-cpp's CPU build.
const HANDLER = `
let model;
let ctx;
let seq;
async function handleOp(r) {
  if (r.op === 'open') {
    model = await llama.loadModel({ modelPath: r.path });
    ctx = await model.createContext({ contextSize: Math.min(model.trainContextSize, r.contextSize), sequences: 1, threads: r.threads });
    seq = ctx.getSequence();
    const template = model.fileInfo.metadata.tokenizer?.chat_template;
    return {
      template: typeof template === 'string' ? template : null,
      bos: model.tokens.bosString ?? '',
      eos: model.tokens.eosString ?? '',
      contextSize: ctx.contextSize,
    };
  }
  if (r.op === 'reply') {
    const tokens = model.tokenize(r.text, true);
    const bos = model.tokens.bos;
    if (model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos) tokens.unshift(bos);
    const max = Math.min(r.max, ctx.contextSize - tokens.length);
    if (max < 1) return { promptTokens: tokens.length };
    await seq.clearHistory();
    const out = [];
    for await (const t of seq.evaluate(tokens, { temperature: 0, yieldEogToken: true })) {
      if (model.isEogToken(t)) break;
      out.push(t);
      if (out.length === max) break;
    }
    return { text: model.detokenize(out), promptTokens: tokens.length };
  }
  if (r.op === 'close') {
    await ctx.dispose();
    await model.dispose();
    return null;
  }
  throw new Error('unknown op ' + r.op);
}
`;

/** The file's absolute path and stats, after checking it is a readable file that starts with "GGUF". */
function checkGguf(label: string, file: string): { path: string; stats: Stats } {
  const path = resolve(file);
  const head = Buffer.alloc(4);
  let stats: Stats;
  try {
    const fd = openSync(path, 'r');
    try {
      stats = fstatSync(fd);
      if (stats.isFile()) readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new UserError(`${label}: ${fsUserError(e)?.message ?? `${path}: ${firstLine(e)}`}`);
  }
  if (!stats.isFile()) throw new UserError(`${label}: ${path}: not a file`);
  const bad = notGguf(head);
  if (bad) throw new UserError(`${label}: ${path}: ${bad}`);
  return { path, stats };
}

/** The conversation as the template writes it, ending with the generation prompt (see the top of this file for a refused system turn). */
function promptText(render: RenderChat, messages: readonly ChatMessage[]): string {
  try {
    return render(messages, true);
  } catch (e) {
    if (!(e instanceof UserError) || messages[0]?.role !== 'system' || messages[1]?.role !== 'user') throw e;
    const [system, user, ...rest] = messages;
    return render([{ role: 'user', content: `${system.content}\n\n${user.content}` }, ...rest], true);
  }
}

interface Ready {
  worker: SyncWorker;
  render: RenderChat;
  contextSize: number;
}

export class LlamaCppChat implements ChatBackend {
  readonly model: string;
  lastFailure: string | undefined;
  private readonly label: string;
  private readonly path: string;
  private readonly maxTokens: number;
  private readonly contextSize: number;
  private held: { worker: SyncWorker; open: boolean } | undefined; // the worker, and whether a model is loaded in it
  private ready: Ready | undefined;

  constructor(opts: LlamaCppChatOptions) {
    this.label = opts.label;
    const { path, stats } = checkGguf(opts.label, opts.file);
    this.path = path;
    this.maxTokens = opts.maxTokens ?? LLAMA_CHAT_DEFAULTS.maxTokens;
    this.contextSize = opts.contextSize ?? LLAMA_CHAT_DEFAULTS.contextSize;
    this.model = `${path} (${stats.size} bytes, modified ${stats.mtime.toISOString()}; llama.cpp at temperature 0, at most ${this.maxTokens} tokens)`;
  }

  /** The reply to every conversation, in order, one at a time; null where the prompt leaves no room in the context (see lastFailure). */
  async completeAll(
    conversations: readonly ChatMessage[][],
    onDone?: (i: number, reply: string | null) => void,
  ): Promise<(string | null)[]> {
    const replies: (string | null)[] = [];
    for (const [i, messages] of conversations.entries()) {
      replies.push(this.reply(messages));
      onDone?.(i, replies[i]);
    }
    return replies;
  }

  dispose(): void {
    const held = this.held;
    this.held = this.ready = undefined;
    if (!held) return;
    try {
      if (held.open) held.worker.call({ op: 'close' });
    } finally {
      held.worker.close();
    }
  }

  private fail(what: string): UserError {
    return new UserError(`${this.label}: ${this.path}: ${what}`);
  }

  /** f's value; its UserError (a template's) as one naming the role and the file. */
  private labelled<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw e instanceof UserError ? this.fail(e.message) : e;
    }
  }

  private reply(messages: readonly ChatMessage[]): string | null {
    const { worker, render, contextSize } = this.load();
    const text = this.labelled(() => promptText(render, messages));
    let r: { text?: string; promptTokens: number };
    try {
      r = worker.call({ op: 'reply', text, max: this.maxTokens });
    } catch (e) {
      throw this.fail(`llama.cpp failed: ${firstLine(e)}`);
    }
    if (r.text !== undefined) return r.text;
    this.lastFailure = `the prompt has ${r.promptTokens} tokens, the context holds ${contextSize}`;
    return null;
  }

  /** The worker with the model loaded, and the file's template; loaded once. */
  private load(): Ready {
    if (this.ready) return this.ready;
    const worker = startLlamaWorker(HANDLER, this.label);
    this.held = { worker, open: false };
    try {
      let info: { template: string | null; bos: string; eos: string; contextSize: number };
      try {
        info = worker.call({ op: 'open', path: this.path, contextSize: this.contextSize, threads: THREADS });
      } catch (e) {
        throw this.fail(`llama.cpp cannot load it: ${firstLine(e)}`);
      }
      this.held.open = true;
      const { template, bos, eos, contextSize } = info;
      if (template === null) throw this.fail('no chat template (tokenizer.chat_template) to write the conversations with');
      const render = this.labelled(() => chatRenderer(template, { bos_token: bos, eos_token: eos }));
      this.ready = { worker, render, contextSize };
      return this.ready;
    } catch (e) {
      this.dispose();
      throw e;
    }
  }
}
