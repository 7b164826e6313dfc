// The icl-llm baseline's requests: the ICL conversations (icl.ts) of a list of B-form test records
// sent to a chat back-end (an OpenAI-compatible endpoint or a GGUF file run through llama.cpp:
// openai/backend.ts), replies cached in a JSON-lines file (openai/cache.ts) so a rerun asks nothing
// twice. The first uncached conversation is asked alone: when it gets no reply (a dead endpoint) or
// a fatal error (a 4xx, a GGUF file that cannot run), that is one UserError and nothing else is asked.
import { UserError } from '../engine/errors.js';
import { Progress } from '../engine/progress.js';
import { openChat, type ChatSource } from '../openai/backend.js';
import { completeCached, replyKey, ReplyCache } from '../openai/cache.js';
import type { TaskRecord } from './forms.js';
import { iclMessages, type IclPicker } from './icl.js';

/** The cache file of the icl-llm replies inside a stage's output folder. */
export const ICL_LLM_CACHE = 'icl-llm.jsonl';

/** The note of an icl-llm row (Table 1 or explanations) without a model: reported as not run, never as zero. */
export const ICL_LLM_NOT_RUN =
  'not run: no --llm-url (an OpenAI-compatible endpoint; --llm-model names the model) or --llm-gguf (a GGUF file run through llama.cpp)';

/** Where the model is (source: --llm-url or --llm-gguf) and how to ask it. */
export type IclLlmOptions = ChatSource & {
  model: string; // the endpoint's model name
  apiKey?: string; // default $OPENAI_API_KEY
  cacheFile: string;
  concurrency?: number;
  quiet?: boolean;
};

export interface IclLlmStats {
  asked: number;
  cached: number;
  failed: number;
}

/** The reply to each record (null: no reply), in order; throws UserError when the endpoint is dead or refuses (4xx). */
export async function askIclLlm(
  records: readonly TaskRecord[],
  shots: IclPicker,
  opts: IclLlmOptions,
): Promise<{ replies: (string | null)[]; stats: IclLlmStats }> {
  const { cacheFile, quiet, ...chat } = opts;
  const backend = openChat({
    ...chat,
    label: 'icl-llm',
    apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY,
    concurrency: opts.concurrency ?? 4,
  });
  try {
    const cache = new ReplyCache(cacheFile);
    const conversations = records.map((r) => iclMessages(r, shots(r)));
    const missing = conversations.filter((c) => cache.get(replyKey(backend.model, c)) === undefined);
    if (missing.length > 0) {
      const probe = await completeCached(backend, cache, [missing[0]]);
      if (probe.replies[0] === null)
        throw new UserError(
          `icl-llm: no reply from ${opts.url ?? opts.gguf} (${backend.lastFailure ?? 'a response without choices[0].message.content'})`,
        );
    }
    const bar = new Progress({ label: 'icl-llm', total: conversations.length, unit: 'replies/s', quiet: quiet ?? false });
    const { replies } = await completeCached(backend, cache, conversations, (n) => bar.tick(n));
    bar.finish();
    return {
      replies,
      stats: {
        asked: conversations.length,
        cached: conversations.length - missing.length,
        failed: replies.filter((r) => r === null).length,
      },
    };
  } finally {
    backend.dispose();
  }
}
