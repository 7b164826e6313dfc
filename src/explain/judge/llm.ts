// An LLM judge: one conversation per case through a chat back-end (openai/backend.ts): an
// OpenAI-compatible endpoint (a few requests at a time, retrying network errors, 5xx and 429; any
// other 4xx is a one-line UserError) or a GGUF file run through llama.cpp. With a cache file the
// replies are kept there, so a rerun asks nothing twice.
import { completeCached, ReplyCache } from '../../openai/cache.js';
import { openChat, type ChatBackend, type ChatSource } from '../../openai/backend.js';
import type { ChatClientOptions } from '../../openai/chat.js';
import { parseRating } from './parse.js';
import { judgeMessages, type JudgeInput } from './rubric.js';

export type { JudgeInput } from './rubric.js';

/** Where the judge is and the endpoint client's settings; errors are labelled 'LLM judge'. */
export type LlmJudgeOptions = ChatSource & Omit<ChatClientOptions, 'label' | 'url'> & { cacheFile?: string };

export interface JudgeResult {
  /** One per input, in order: the parsed rating, or null when the reply was unparseable or the request failed. */
  ratings: (number | null)[];
  /** Replies received whose rating could not be read. */
  unparseable: number;
  /** Requests that gave no reply: retries exhausted, a response without choices[0].message.content, a prompt too long for a GGUF model's context. */
  failed: number;
  /** The raw replies, in input order ('' where the request failed). */
  replies: string[];
}

export class LlmJudge {
  private readonly backend: ChatBackend;
  private readonly cache: ReplyCache | undefined;

  constructor({ cacheFile, ...opts }: LlmJudgeOptions) {
    this.backend = openChat({ ...opts, label: 'LLM judge' });
    this.cache = cacheFile === undefined ? undefined : new ReplyCache(cacheFile);
  }

  /** Rates every input; throws UserError at the first 4xx other than 429 (after in-flight requests stop) or a GGUF model that cannot run. */
  async rate(items: JudgeInput[]): Promise<JudgeResult> {
    const conversations = items.map(judgeMessages);
    const replies = this.cache
      ? (await completeCached(this.backend, this.cache, conversations)).replies
      : await this.backend.completeAll(conversations);
    const ratings = replies.map((r) => (r === null ? null : parseRating(r)));
    return {
      ratings,
      unparseable: ratings.filter((r, i) => r === null && replies[i] !== null).length,
      failed: replies.filter((r) => r === null).length,
      replies: replies.map((r) => r ?? ''),
    };
  }

  /** Frees the back-end (a GGUF model). */
  dispose(): void {
    this.backend.dispose();
  }
}
