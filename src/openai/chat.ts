// A client for any OpenAI-compatible chat endpoint: many conversations, a few at a time, each
// retried on network errors, timeouts, 5xx and 429; any other 4xx is a one-line UserError that
// starts with the client's label and has the API key blanked out. Never logs the key.
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../engine/errors.js';
import type { ChatBackend } from './backend.js';

/** One message of an OpenAI-style chat request (assistant: an earlier answer, e.g. an in-context example's). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A one-turn conversation: the system message, then the user's. */
export function conversation(system: string, user: string): ChatMessage[] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

export interface ChatClientOptions {
  /** Prefix of every error message, e.g. 'LLM judge' or 'teacher'. */
  label: string;
  /** Base URL of the API, e.g. http://127.0.0.1:8080/v1; requests go to `${url}/chat/completions`. */
  url: string;
  model: string;
  /** Sent as "Authorization: Bearer …" when given. */
  apiKey?: string;
  /** Sampling temperature; default 0. */
  temperature?: number;
  /** Limit on one attempt, in ms; default 120000. A timed-out attempt is retried like a network error. */
  timeoutMs?: number;
  /** Extra attempts after a network error, 5xx or 429; default 2. */
  retries?: number;
  /** Wait before the first retry in ms, doubled for each later one (a Retry-After header wins); default 500. */
  retryDelayMs?: number;
  /** Requests in flight at once; default 2. */
  concurrency?: number;
}

/** A response worth another attempt. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After in ms when the header is a number of seconds. */
function retryAfter(res: Response): number | undefined {
  const s = Number(res.headers.get('retry-after') ?? NaN);
  return Number.isFinite(s) && s >= 0 ? Math.min(s * 1000, MAX_RETRY_AFTER_MS) : undefined;
}

/** The server's error message from a JSON body ({"error": {"message"}}, {"error": "…"}, {"message"}), if any. */
function serverMessage(body: string): string | undefined {
  try {
    const j: unknown = JSON.parse(body);
    if (typeof j !== 'object' || j === null) return undefined;
    const o = j as { error?: unknown; message?: unknown };
    const e = o.error;
    if (typeof e === 'string') return e;
    if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
      return (e as { message: string }).message;
    }
    return typeof o.message === 'string' ? o.message : undefined;
  } catch {
    return undefined;
  }
}

/** A failed fetch in a few words: undici's "fetch failed" names its cause (ECONNREFUSED, a timeout) only in err.cause. */
function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return why ? `${err.message}: ${why}` : err.message;
}

/** choices[0].message.content of a chat completion, if it is a string. */
function replyContent(j: unknown): string | undefined {
  const choices = (j as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return undefined;
  const content = (choices[0] as { message?: { content?: unknown } } | undefined)?.message?.content;
  return typeof content === 'string' ? content : undefined;
}

export class ChatClient implements ChatBackend {
  readonly model: string;
  /** Why the latest failed attempt failed (a network error, a timeout, an HTTP 5xx or 429), for the caller's message. */
  lastFailure: string | undefined;
  private readonly endpoint: string;
  private readonly label: string;
  private readonly apiKey: string | undefined;
  private readonly temperature: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly concurrency: number;

  constructor(opts: ChatClientOptions) {
    this.label = opts.label;
    const base = opts.url.replace(/\/+$/, '');
    if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
      throw new UserError(`${this.label}: not an http(s) URL: ${opts.url}`);
    }
    this.endpoint = `${base}/chat/completions`;
    this.model = opts.model;
    this.apiKey = opts.apiKey;
    this.temperature = opts.temperature ?? 0;
    if (!Number.isFinite(this.temperature) || this.temperature < 0) {
      throw new UserError(`${this.label}: temperature must be a number ≥ 0, got ${this.temperature}`);
    }
    this.timeoutMs = this.intAtLeast('timeoutMs', opts.timeoutMs ?? 120_000, 1);
    this.retries = this.intAtLeast('retries', opts.retries ?? 2, 0);
    this.retryDelayMs = this.intAtLeast('retryDelayMs', opts.retryDelayMs ?? 500, 0);
    this.concurrency = this.intAtLeast('concurrency', opts.concurrency ?? 2, 1);
  }

  /**
   * The reply to every conversation, in order: its text, or null once every attempt failed or the
   * response held no reply. onDone(i, reply) runs as each one finishes. Throws UserError at the first
   * 4xx other than 429 (after in-flight requests stop).
   */
  async completeAll(
    conversations: readonly ChatMessage[][],
    onDone?: (i: number, reply: string | null) => void,
  ): Promise<(string | null)[]> {
    const replies: (string | null)[] = new Array(conversations.length).fill(null);
    const stop = new AbortController();
    let fatal: UserError | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (fatal === undefined && next < conversations.length) {
        const i = next++;
        try {
          replies[i] = await this.complete(conversations[i], stop.signal);
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          fatal ??= err;
          stop.abort();
        }
        if (fatal === undefined) onDone?.(i, replies[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, conversations.length) }, worker));
    if (fatal !== undefined) throw fatal;
    return replies;
  }

  /** Nothing to free: each request is its own. */
  dispose(): void {}

  private intAtLeast(name: string, v: number, min: number): number {
    if (!Number.isInteger(v) || v < min) throw new UserError(`${this.label}: ${name} must be an integer ≥ ${min}, got ${v}`);
    return v;
  }

  /** The reply to one request, or null once every attempt failed or the response held no reply. */
  private async complete(messages: ChatMessage[], stop: AbortSignal): Promise<string | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(messages, stop);
      } catch (err) {
        if (err instanceof UserError) throw err;
        this.lastFailure = err instanceof Error ? err.message : String(err);
        // Out of attempts, or another request met a fatal error and completeAll() is about to throw it.
        if (attempt >= this.retries || stop.aborted) return null;
        const hinted = err instanceof Retryable ? err.retryAfterMs : undefined;
        const wait = hinted ?? this.retryDelayMs * 2 ** attempt;
        await sleep(wait, undefined, { signal: stop }).catch(() => undefined);
      }
    }
  }

  /** One POST; throws Retryable (network error, timeout, 5xx, 429) or UserError (any other 4xx). */
  private async attempt(messages: ChatMessage[], stop: AbortSignal): Promise<string | null> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.model, messages, temperature: this.temperature }),
        signal: AbortSignal.any([stop, AbortSignal.timeout(this.timeoutMs)]),
      });
    } catch (err) {
      throw new Retryable(networkReason(err));
    }
    const body = await res.text().catch(() => '');
    if (res.status === 429 || res.status >= 500) throw new Retryable(`HTTP ${res.status}`, retryAfter(res));
    if (!res.ok) throw new UserError(this.httpError(res, body));
    try {
      return replyContent(JSON.parse(body)) ?? null;
    } catch {
      return null;
    }
  }

  /** One line naming the endpoint, the status and the server's message, with the API key blanked out. */
  private httpError(res: Response, body: string): string {
    let line = `${this.label}: ${this.endpoint} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    const msg = serverMessage(body);
    if (msg !== undefined) line += `: ${msg}`;
    line = line.replace(/\s+/g, ' ').trim();
    if (this.apiKey) line = line.split(this.apiKey).join('***');
    return line.length > 300 ? `${line.slice(0, 297)}...` : line;
  }
}
