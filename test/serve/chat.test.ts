// POST /v1/chat/completions on a loopback server over the tiny run: the project's own OpenAI client
// (src/openai/chat.ts) and LLM judge get the model's greedy answer, the same text as generating
// in-process; the recexplainer extension fills <user>/<item> with f's vectors exactly as task
// prompts are filled; bad requests are one-line 4xx in OpenAI's error shape.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tinyRun } from './fixture.js';
import { SERVE_DEFAULTS } from '../../src/serve/config.js';
import { DEFAULT_TOKENS } from '../../src/serve/chat.js';
import { startServer, type Server } from '../../src/serve/server.js';
import { disposeService, loadService, type Service } from '../../src/serve/service.js';
import { ChatClient, conversation } from '../../src/openai/chat.js';
import { LlmJudge } from '../../src/explain/judge/llm.js';
import { promptExample } from '../../src/align/examples.js';
import { SoftVectors } from '../../src/align/soft.js';
import { promptIds } from '../../src/lm/tokenizer/chat.js';
import { leaveOneOut } from '../../src/data/process.js';
import type { TaskRecord } from '../../src/tasks/forms.js';

let svc: Service;
let server: Server;

before(async () => {
  svc = await loadService(await tinyRun());
  server = await startServer(svc, { ...SERVE_DEFAULTS, port: 0 });
});

after(async () => {
  await server.close();
  disposeService(svc);
});

const lm = (name: string) => svc.lms.find((l) => l.name === name)!.surrogate;

async function post(body: unknown): Promise<{ status: number; json: any }> {
  // any: the answers are checked field by field below
  const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

test("the project's OpenAI client gets each model's greedy answer, the text in-process generation gives", async () => {
  const system = 'You rate explanations.';
  const user = 'Item 3 and Item 7 are both on the list. Is Item 12 a good pick?';
  for (const model of ['base-lm', 'recexplainer-b', 'recexplainer-h']) {
    const s = lm(model);
    const want = s.generate([{ ids: promptIds(s.tok, `${system}\n\n${user}`), soft: [] }], DEFAULT_TOKENS)[0]; // the client sends no max_tokens
    const client = new ChatClient({ label: 'test', url: `${server.url}/v1`, model, retries: 0 });
    const [reply] = await client.completeAll([conversation(system, user)]);
    assert.equal(reply, want, model);
  }
  const r = await post({ model: 'recexplainer-i', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 5, temperature: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.object, 'chat.completion');
  assert.equal(r.json.model, 'recexplainer-i');
  assert.equal(r.json.choices[0].message.role, 'assistant');
  assert.ok(['stop', 'length'].includes(r.json.choices[0].finish_reason));
  assert.equal(r.json.usage.prompt_tokens, promptIds(lm('recexplainer-i').tok, 'Hello').length);
  assert.ok(r.json.usage.completion_tokens <= 5);
});

test("the project's LLM judge pointed at the server: a rubric longer than the model's context is one line naming the limit", async () => {
  // the judge's rubric is about 700 tokens in the tiny model's 512-token vocabulary, past its 512-token context
  const judge = new LlmJudge({ url: `${server.url}/v1`, model: 'recexplainer-h', retries: 0 });
  const cases = [{ history: ['Item 1', 'Item 2'], item: 'Item 12', decision: 'yes' as const, explanation: 'Yes. It fits.' }];
  await assert.rejects(
    judge.rate(cases),
    /^UserError: LLM judge: http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered 400 Bad Request: the conversation is \d+ tokens; recexplainer-h reads at most 511 before answering$/,
  );
});

test("recexplainer.user / .items fill <user> and <item> with f's vectors, as a task prompt's soft tokens are filled", async () => {
  const s = lm('recexplainer-i');
  const prompt = 'This user <user> saw <item>. Would they like <item>?';
  const sp = leaveOneOut(svc.ds.sequences[2].items);
  const history = [...sp.train, sp.valid];
  const record = {
    id: 'x',
    prompt,
    soft: [
      { token: '<user>', kind: 'user', user: 3, history },
      { token: '<item>', kind: 'item', item: 5 },
      { token: '<item>', kind: 'item', item: 9 },
    ],
  } as unknown as TaskRecord;
  const p = promptExample(record, s.tok, new SoftVectors(svc.rec), 'test');
  const want = s.generate([p], 30)[0];
  const r = await post({
    model: 'recexplainer-i',
    messages: [{ role: 'user', content: prompt }],
    max_tokens: 30,
    recexplainer: { user: 3, items: [5, 9] },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.choices[0].message.content, want);
  assert.equal(r.json.usage.prompt_tokens, p.ids.length);
});

test('bad chat requests: one-line 4xx in the {"error": {"message"}} shape', async () => {
  const msg = [{ role: 'user', content: 'Hi <item>' }];
  const cases: [unknown, number, RegExp][] = [
    [{ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }, 404, /^the model "gpt-4o" does not exist \(this run has base-lm, /],
    [{ messages: [{ role: 'user', content: 'Hi' }] }, 400, /^"model" is missing/],
    [{ model: 'recexplainer-i' }, 400, /^"messages" is missing/],
    [{ model: 'recexplainer-i', messages: [{ role: 'user', content: 'Hi' }], stream: true }, 400, /^streaming is not supported/],
    [{ model: 'recexplainer-i', messages: [{ role: 'user', content: 'Hi' }], n: 2 }, 400, /^"n" must be 1/],
    [
      { model: 'recexplainer-i', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100000 },
      400,
      /^"max_tokens" must be in 1\.\.512/,
    ],
    [{ model: 'recexplainer-i', messages: [{ role: 'user', content: 'Hi' }], logit_bias: {} }, 400, /^unknown field "logit_bias"/],
    [
      { model: 'recexplainer-i', messages: [{ role: 'tool', content: 'Hi' }] },
      400,
      /^"messages\[0\]\.role" must be system, user or assistant/,
    ],
    [{ model: 'recexplainer-i', messages: [{ role: 'user', content: 5 }] }, 400, /^"messages\[0\]\.content" must be a string/],
    [
      {
        model: 'recexplainer-i',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Yo' },
        ],
      },
      400,
      /^the last message must be the user's/,
    ],
    [
      { model: 'recexplainer-i', messages: msg },
      400,
      /^the conversation has 1 <item> token\(s\) and "recexplainer\.items" names 0 item\(s\)$/,
    ],
    [
      { model: 'recexplainer-i', messages: [{ role: 'user', content: 'Hi <user>' }] },
      400,
      /^the conversation has 1 <user> token\(s\): give "recexplainer"/,
    ],
    [{ model: 'recexplainer-b', messages: msg, recexplainer: { items: [4] } }, 422, /^recexplainer-b reads no soft tokens/],
    [{ model: 'recexplainer-i', messages: msg, recexplainer: { items: [400] } }, 422, /^"recexplainer\.items"\[0\]: unknown item 400/],
    [{ model: 'recexplainer-i', messages: msg, recexplainer: { item: 4 } }, 400, /^recexplainer: unknown field "item"/],
    [
      { model: 'recexplainer-i', messages: [{ role: 'user', content: 'word '.repeat(3000) }] },
      400,
      /^the conversation is \d+ tokens; recexplainer-i reads at most 511/,
    ],
  ];
  for (const [body, status, reason] of cases) {
    const r = await post(body);
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 120)}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error.message, reason);
    assert.doesNotMatch(r.json.error.message, /\n/);
  }
  // the project's client turns a 4xx into one line naming the endpoint and the server's reason
  const client = new ChatClient({ label: 'judge', url: `${server.url}/v1`, model: 'nope', retries: 0 });
  await assert.rejects(
    client.completeAll([conversation('s', 'u')]),
    /^UserError: judge: http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered 404 Not Found: the model "nope" does not exist/,
  );
});
