// A reply cache for chat requests in a JSON-lines file, one {"key", "reply"} per line (key: sha256
// of the back-end's model, an endpoint's model name or a GGUF file's identity, and the messages).
// Replies are appended as they arrive, so a killed run keeps what it got; on opening, a cut-off or
// malformed last line is dropped from the file. Failures are not cached.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
import { makeDir } from '../engine/out_dir.js';
import { dirname } from 'node:path';
import { DataError } from '../engine/errors.js';
import type { ChatBackend } from './backend.js';
import type { ChatMessage } from './chat.js';

/** The cache key of one request: hex sha256 of the model and the messages. */
export function replyKey(model: string, messages: readonly ChatMessage[]): string {
  return createHash('sha256').update(JSON.stringify({ model, messages })).digest('hex');
}

/** A line's entry, or null when it is not one. */
function entry(line: string): { key: string; reply: string } | null {
  try {
    const j = JSON.parse(line) as { key?: unknown; reply?: unknown } | null;
    return typeof j?.key === 'string' && typeof j.reply === 'string' ? { key: j.key, reply: j.reply } : null;
  } catch {
    return null;
  }
}

export class ReplyCache {
  private readonly replies = new Map<string, string>();

  constructor(readonly file: string) {
    if (!existsSync(file)) return;
    const buf = readFileSync(file);
    const ends: number[] = []; // byte offset of each '\n'
    for (let at = buf.indexOf(0x0a); at >= 0; at = buf.indexOf(0x0a, at + 1)) ends.push(at);
    let keep = 0; // bytes of whole, valid lines
    for (let n = 0; n < ends.length; n++) {
      const e = entry(buf.subarray(keep, ends[n]).toString('utf8'));
      if (e === null) {
        if (n === ends.length - 1 && ends[n] === buf.length - 1) break; // a malformed last line
        throw new DataError({ file, line: n + 1 }, 'not a cached reply ({"key": …, "reply": …}); delete the file to ask again');
      }
      this.replies.set(e.key, e.reply);
      keep = ends[n] + 1;
    }
    if (keep < buf.length) truncateSync(file, keep);
  }

  get(key: string): string | undefined {
    return this.replies.get(key);
  }

  /** Remembers a reply and appends it to the file. */
  add(key: string, reply: string): void {
    this.replies.set(key, reply);
    makeDir(dirname(this.file));
    appendFileSync(this.file, JSON.stringify({ key, reply }) + '\n');
  }
}

/**
 * Replies to every conversation, in order (null: failed): from the cache where it has them, else
 * from the back-end, each new reply cached as it arrives. onDone(n) reports n more conversations
 * answered (first the cached ones, then each request as it finishes); `cached` counts the former.
 */
export async function completeCached(
  backend: ChatBackend,
  cache: ReplyCache,
  conversations: readonly ChatMessage[][],
  onDone?: (n: number) => void,
): Promise<{ replies: (string | null)[]; cached: number }> {
  const keys = conversations.map((m) => replyKey(backend.model, m));
  const replies: (string | null)[] = keys.map((k) => cache.get(k) ?? null);
  const missing = replies.flatMap((r, i) => (r === null ? [i] : []));
  const cached = conversations.length - missing.length;
  if (cached > 0) onDone?.(cached);
  await backend.completeAll(
    missing.map((i) => conversations[i]),
    (j, reply) => {
      const i = missing[j];
      if (reply !== null) cache.add(keys[i], reply);
      replies[i] = reply;
      onDone?.(1);
    },
  );
  return { replies, cached };
}
