// An LLM judge over any OpenAI-compatible chat endpoint: one request per case through a ChatClient
// (a few at a time, retrying network errors, 5xx and 429; any other 4xx is a one-line UserError).
import { ChatClient, type ChatClientOptions } from '../../openai/chat.js';
import { parseRating } from './parse.js';
import { judgeMessages, type JudgeInput } from './rubric.js';

export type { JudgeInput } from './rubric.js';

/** The ChatClient's options; errors are labelled 'LLM judge'. */
export type LlmJudgeOptions = Omit<ChatClientOptions, 'label'>;

export interface JudgeResult {
  /** One per input, in order: the parsed rating, or null when the reply was unparseable or the request failed. */
  ratings: (number | null)[];
  /** Replies received whose rating could not be read. */
  unparseable: number;
  /** Requests that gave no reply: retries exhausted, or a response without choices[0].message.content. */
  failed: number;
  /** The raw replies, in input order ('' where the request failed). */
  replies: string[];
}

export class LlmJudge {
  private readonly client: ChatClient;

  constructor(opts: LlmJudgeOptions) {
    this.client = new ChatClient({ ...opts, label: 'LLM judge' });
  }

  /** Rates every input; throws UserError at the first 4xx other than 429 (after in-flight requests stop). */
  async rate(items: JudgeInput[]): Promise<JudgeResult> {
    const replies = await this.client.completeAll(items.map(judgeMessages));
    const ratings = replies.map((r) => (r === null ? null : parseRating(r)));
    return {
      ratings,
      unparseable: ratings.filter((r, i) => r === null && replies[i] !== null).length,
      failed: replies.filter((r) => r === null).length,
      replies: replies.map((r) => r ?? ''),
    };
  }
}
