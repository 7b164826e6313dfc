// LlmJudge against a local OpenAI-style server with canned replies: the request it sends, parseable
// and unparseable replies, a 500 that succeeds on retry, a 503 that never does, and a 401 → one-line UserError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmJudge, type JudgeInput } from '../../../src/explain/judge/llm.js';
import { RUBRIC } from '../../../src/explain/judge/rubric.js';
import { UserError } from '../../../src/engine/errors.js';

interface Seen {
  url: string | undefined;
  auth: string | undefined;
  body: { model?: unknown; temperature?: unknown; messages?: { role: string; content: string }[] };
}

type Handler = (seen: Seen, res: ServerResponse) => void;

interface Log {
  seen: Seen[];
  maxInFlight: number;
}

/** Runs fn against a server on 127.0.0.1 (port 0) that records every request; always closes it. */
async function withServer(handler: Handler, fn: (base: string, log: Log) => Promise<void>): Promise<void> {
  const log: Log = { seen: [], maxInFlight: 0 };
  let inFlight = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    log.maxInFlight = Math.max(log.maxInFlight, ++inFlight);
    res.on('finish', () => inFlight--);
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const s: Seen = { url: req.url, auth: req.headers.authorization, body: JSON.parse(raw) };
      log.seen.push(s);
      setTimeout(() => handler(s, res), 20); // some latency, so concurrent requests overlap
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}/v1/`, log);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const completion = (content: string) => ({ choices: [{ index: 0, message: { role: 'assistant', content } }] });

const input = (explanation: string): JudgeInput => ({
  history: ['Halo 3', 'Gears of War'],
  item: 'Forza Motorsport 4',
  decision: 'yes',
  explanation,
});

test('rates a batch: request shape, parseable and unparseable replies, retry on 500, give-up on 503', async () => {
  // explanation → the replies its successive requests get (the last one repeats)
  const script: Record<string, [number, string][]> = {
    'expl-A likes shooters': [[200, 'Rating: 3\nClear and specific.']],
    'expl-B some reasons': [[200, 'I would give this a 2.']],
    'expl-C vague': [[200, 'Looks fine to me.']],
    'expl-D off-scale': [[200, 'Rating: 7']],
    'expl-E flaky server': [
      [500, 'boom'],
      [200, 'Rating: 1'],
    ],
    'expl-F down': [[503, 'unavailable']],
  };
  const explanations = Object.keys(script);
  const attempts = new Map<string, number>();
  const handler: Handler = (s, res) => {
    const text = (s.body.messages ?? []).map((m) => m.content).join('\n');
    const key = explanations.find((e) => text.includes(e)) ?? '';
    const n = attempts.get(key) ?? 0;
    attempts.set(key, n + 1);
    const steps = script[key];
    const [status, content] = steps[Math.min(n, steps.length - 1)];
    if (status === 200) reply(res, 200, completion(content));
    else reply(res, status, { error: { message: content } });
  };

  await withServer(handler, async (base, log) => {
    const judge = new LlmJudge({ url: base, model: 'judge-model', apiKey: 'sk-test', retryDelayMs: 1 });
    const out = await judge.rate(explanations.map(input));

    assert.deepEqual(out.ratings, [3, 2, null, null, 1, null]);
    assert.equal(out.unparseable, 2); // C and D
    assert.equal(out.failed, 1); // F
    assert.deepEqual(out.replies, [
      'Rating: 3\nClear and specific.',
      'I would give this a 2.',
      'Looks fine to me.',
      'Rating: 7',
      'Rating: 1',
      '',
    ]);
    assert.equal(attempts.get('expl-E flaky server'), 2); // 500, then success
    assert.equal(attempts.get('expl-F down'), 3); // 1 + 2 retries (the default)
    assert.equal(log.seen.length, 4 + 2 + 3);

    for (const s of log.seen) {
      assert.equal(s.url, '/v1/chat/completions');
      assert.equal(s.auth, 'Bearer sk-test');
      assert.equal(s.body.model, 'judge-model');
      assert.equal(s.body.temperature, 0);
      assert.deepEqual(Object.keys(s.body).sort(), ['messages', 'model', 'temperature']);
      const msgs = s.body.messages ?? [];
      assert.deepEqual(
        msgs.map((m) => m.role),
        ['system', 'user'],
      );
      const text = msgs.map((m) => m.content).join('\n');
      for (const level of RUBRIC) assert.ok(text.includes(level.meaning), `rubric level ${level.rating} missing`);
      assert.ok(text.includes('Halo 3') && text.includes('Forza Motorsport 4'));
      assert.ok(text.includes('Rating: N'));
      assert.ok(explanations.some((e) => text.includes(e)));
    }
    assert.equal(log.maxInFlight, 2, 'concurrency 2 (the default) is used and not exceeded');
  });
});

test('a 401 is a one-line UserError naming the URL, the status and the message, without the key', async () => {
  const key = 'sk-secret-123';
  await withServer(
    (_s, res) => reply(res, 401, { error: { message: `Incorrect API key provided:\n ${key}` } }),
    async (base, { seen }) => {
      const judge = new LlmJudge({ url: base, model: 'judge-model', apiKey: key, retryDelayMs: 1 });
      await assert.rejects(judge.rate(['a', 'b', 'c', 'd', 'e'].map(input)), (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.ok(!err.message.includes('\n'), err.message);
        assert.ok(err.message.includes(`${base}chat/completions`), err.message);
        assert.match(err.message, /\b401\b/);
        assert.match(err.message, /Incorrect API key provided/);
        assert.ok(!err.message.includes(key), err.message);
        return true;
      });
      assert.ok(seen.length <= 2, `${seen.length} requests: no retry, no new request after the 401`);
    },
  );
});

test('a 429 is retried (Retry-After honoured) and a 200 without content counts as failed', async () => {
  let calls = 0;
  const handler: Handler = (s, res) => {
    calls++;
    const text = (s.body.messages ?? []).map((m) => m.content).join('\n');
    if (text.includes('no content')) reply(res, 200, { choices: [] });
    else if (calls === 1) {
      res.setHeader('retry-after', '0');
      reply(res, 429, { error: 'slow down' });
    } else reply(res, 200, completion('Rating: 2'));
  };
  await withServer(handler, async (base) => {
    const judge = new LlmJudge({ url: base, model: 'm', concurrency: 1, retryDelayMs: 60_000 });
    const out = await judge.rate([input('fine'), input('no content')]);
    assert.deepEqual(out.ratings, [2, null]);
    assert.equal(out.failed, 1);
    assert.equal(out.unparseable, 0);
  });
});

test('bad options are one-line UserErrors', () => {
  assert.throws(() => new LlmJudge({ url: 'not a url', model: 'm' }), UserError);
  assert.throws(() => new LlmJudge({ url: 'ftp://host/v1', model: 'm' }), UserError);
  assert.throws(() => new LlmJudge({ url: 'http://127.0.0.1:1/v1', model: 'm', concurrency: 0 }), UserError);
  assert.throws(() => new LlmJudge({ url: 'http://127.0.0.1:1/v1', model: 'm', retries: -1 }), UserError);
});
