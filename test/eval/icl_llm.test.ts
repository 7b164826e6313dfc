// The icl-llm baseline against a loopback OpenAI-style server scripted with known replies, on the
// ring data set's tasks: the requests are the icl prompts (two solved examples as user/assistant
// turns, then the B prompt); tasks 1, 2, 3 score as computed by hand; a rerun asks nothing; without
// --llm-url the row is null and "not run"; a dead endpoint is one line while the other rows are written
// (library and CLI); explanations through the same endpoint, rated by the LLM judge on it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/helpers.js';
import { trainedRing } from '../rec/fixture.js';
import { EVAL_DEFAULTS } from '../../src/eval/config.js';
import { evaluateAll } from '../../src/eval/run.js';
import { EXPLAIN_DEFAULTS } from '../../src/explain/config.js';
import { explainAll } from '../../src/explain/run.js';
import { explanationRows, ratingsSummary } from '../../src/explain/ratings.js';
import { pairKey } from '../../src/explain/cases.js';
import { TASKS_DEFAULTS } from '../../src/tasks/config.js';
import { buildTasks } from '../../src/tasks/build.js';
import { readTaskRecords, taskFile } from '../../src/tasks/records.js';
import { splitAnswer } from '../../src/eval/metrics.js';
import type { TaskRecord } from '../../src/tasks/forms.js';

const ring = await trainedRing();
const tmp = mkdtempSync(join(tmpdir(), 'icl-llm-'));
const tasks = join(tmp, 'tasks');
await buildTasks({ ...TASKS_DEFAULTS, data: ring.data, rec: ring.rec, out: tasks, task5: [0, 0], backend: 'wasm', quiet: true });
const USERS = 12;

type Chat = { model: string; messages: { role: string; content: string }[] };

/** Runs fn against a chat server on 127.0.0.1 (port 0) answering `answer(body)`; always closes it. */
async function withServer(answer: (body: Chat) => string, fn: (url: string, seen: Chat[]) => Promise<void>): Promise<void> {
  const seen: Chat[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const body = JSON.parse(raw) as Chat;
      seen.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: answer(body) } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const testB = readTaskRecords(taskFile(tasks, 'test', 'B'));
assert.ok(
  testB.some((r) => r.task === 7),
  'the tasks hold explanations',
);
const byPrompt = new Map(testB.map((r) => [r.prompt, r]));
const lastPrompt = (b: Chat) => b.messages[b.messages.length - 1].content;
const reversed = (r: TaskRecord) => splitAnswer(r.response).reverse().join(' | ');

/**
 * The scripted endpoint, by the test record the last turn asks: task 1 answers f's item for users
 * with an even id, else a title no catalogue has; task 2 f's order for even users, else its reverse;
 * task 3 the right answer for positives and for even users' negatives, "Hard to say." (no decision)
 * for odd users' negatives; task 7 opens with f's decision (the pair's pool).
 */
function script(): (b: Chat) => string {
  return (b) => {
    const r = byPrompt.get(lastPrompt(b));
    if (!r) return 'I do not know this prompt.';
    const even = r.user! % 2 === 0;
    if (r.task === 1) return even ? r.response : 'Nothing Like It (2099)';
    if (r.task === 2) return even ? r.response : reversed(r);
    if (r.task === 3) return r.id.endsWith('-pos') ? 'Yes, they would.' : even ? 'No.' : 'Hard to say.';
    return pairKey(r.id).endsWith('-pos') ? 'Yes. They watched similar titles.' : 'No. It is unlike their history.';
  };
}

const cfg = (out: string, extra: object = {}) => ({
  ...EVAL_DEFAULTS,
  tasks,
  out,
  models: [],
  users: USERS,
  task4: 0,
  quiet: true,
  baselines: ['random' as const, 'icl-llm' as const],
  ...extra,
});

test('icl-llm: the icl prompts go to the endpoint, tasks 1-3 score as computed by hand, a rerun asks nothing', async () => {
  const out = join(tmp, 'eval');
  await withServer(script(), async (url, seen) => {
    const r = await evaluateAll(cfg(out, { llmUrl: url, llmModel: 'scripted-7b' }));
    const m = r.methods['icl-llm']!;
    assert.equal(seen.length, m.samples.task1 + m.samples.task2 + m.samples.task3);
    assert.deepEqual(m.samples, { task1: USERS, task2: USERS, task3: 2 * USERS, task4: 0, task6: 0 });
    const users = readFileSync(join(out, 'answers', 'icl-llm.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { task: number; user: number });
    const evens = users.filter((a) => a.task === 1 && a.user % 2 === 0).length;
    assert.ok(evens > 0 && evens < USERS, `${evens} even users of ${USERS}: both cases occur`);
    // every request: two solved training samples of the same task as user/assistant turns, then the B test prompt
    const train = readTaskRecords(taskFile(tasks, 'train', 'B'));
    for (const b of seen) {
      assert.equal(b.model, 'scripted-7b');
      assert.deepEqual(
        b.messages.map((x) => x.role),
        ['user', 'assistant', 'user', 'assistant', 'user'],
      );
      const rec = byPrompt.get(lastPrompt(b))!;
      for (const k of [0, 2]) {
        const shot = train.find((x) => x.prompt === b.messages[k].content)!;
        assert.ok(shot && shot.task === rec.task && shot.user !== rec.user && shot.response === b.messages[k + 1].content);
      }
    }
    // by hand: the even users get f's item / f's order
    const half = evens / USERS;
    const near = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);
    near(m.task1['hr@5'], half);
    near(m.task1['ndcg@5'], half); // the one answer is rank 1: 1/log2(2)
    near(m.task1.invalid_rate, 1 - half); // "Nothing Like It (2099)" is no catalogue title
    const rev =
      (0 + 1 / Math.log2(3) + 10 / 2 + 100 / Math.log2(5) + 1000 / Math.log2(6)) / (1000 + 100 / Math.log2(3) + 10 / 2 + 1 / Math.log2(5));
    assert.ok(Math.abs(m.task2['ndcg@5']! - (half * 1 + (1 - half) * rev)) < 1e-12, `${m.task2['ndcg@5']}`);
    assert.equal(m.task2.parsed_rate, 1);
    // task 3: every positive right; even negatives right; odd negatives a tie (the reference: yes, wrong; strict: wrong)
    assert.ok(Math.abs(m.task3.acc! - (USERS + evens) / (2 * USERS)) < 1e-12, `${m.task3.acc}`);
    assert.ok(Math.abs(m.task3.acc_strict! - (USERS + evens) / (2 * USERS)) < 1e-12, `${m.task3.acc_strict}`);
    assert.equal(m.task4.title_acc, null);
    assert.equal(m.task6.hcr, null);
    assert.match(
      r.notes!['icl-llm']!,
      /scripted-7b at http.*: 48 prompts, 0 replies from the cache, 0 without a reply.*task 1 is one answer, not 5 beams/,
    );
    assert.deepEqual(r.errors, []);
    assert.equal(users.length, 4 * USERS);

    const before = seen.length;
    const again = await evaluateAll(cfg(out, { llmUrl: url, llmModel: 'scripted-7b' }));
    assert.equal(seen.length, before, 'a rerun asks nothing twice');
    assert.deepEqual({ ...again.methods['icl-llm'], seconds: 0 }, { ...m, seconds: 0 });
    assert.match(again.notes!['icl-llm']!, /48 replies from the cache/);
  });
});

test('icl-llm without --llm-url is null and "not run", never zero; a dead endpoint is one line and the other rows stay', async () => {
  const none = await evaluateAll(cfg(join(tmp, 'eval-none')));
  assert.equal(none.methods['icl-llm'], null);
  assert.match(none.notes!['icl-llm']!, /^not run: no --llm-url/);
  assert.ok(none.methods.random!.task3.acc !== null);

  const port = await deadPort();
  const dead = await evaluateAll(cfg(join(tmp, 'eval-dead'), { llmUrl: `http://127.0.0.1:${port}/v1` }));
  assert.equal(dead.methods['icl-llm'], null);
  assert.ok(dead.methods.random!.task1['hr@5'] !== null, 'the other rows are still evaluated');
  assert.equal(dead.errors!.length, 1);
  assert.equal(dead.errors![0], `icl-llm: no reply from http://127.0.0.1:${port}/v1 (fetch failed: ECONNREFUSED)`);
  assert.equal(dead.notes!['icl-llm'], `failed: ${dead.errors![0]}`);

  const out = join(tmp, 'eval-cli');
  const r = cli([
    'eval',
    '--tasks',
    tasks,
    '--out',
    out,
    '--baselines',
    'random,icl-llm',
    '--users',
    '4',
    '--task4',
    '0',
    '--llm-url',
    `http://127.0.0.1:${port}/v1`,
    '--quiet',
  ]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `recexplainer: icl-llm: no reply from http://127.0.0.1:${port}/v1 (fetch failed: ECONNREFUSED) (the other rows are in the report)\n`,
  );
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.equal(report.methods['icl-llm'], null);
  assert.ok(report.methods.random.task2['ndcg@5'] >= 0);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /\| icl-llm \(failed\) \| — \|/);
  assert.match(md, /- icl-llm: failed: icl-llm: no reply/);
});

test('icl-llm explanations: the task-7 icl prompts, scored like every explainer, rated by the LLM judge; the rating table', async () => {
  const out = join(tmp, 'explain');
  const answer = script();
  await withServer(
    (b) => (b.messages[0].role === 'system' ? 'Rating: 2' : answer(b)),
    async (url, seen) => {
      const r = await explainAll({
        ...EXPLAIN_DEFAULTS,
        tasks,
        out,
        models: [],
        sample: 10,
        distinction: false,
        quiet: true,
        baselines: ['template', 'icl-llm'],
        llmUrl: url,
        judgeUrl: url,
      });
      const asked = seen.filter((b) => b.messages[0].role !== 'system');
      assert.equal(asked.length, 10);
      for (const b of asked) assert.equal(byPrompt.get(lastPrompt(b))?.task, 7);
      const m = r.explanations['icl-llm']!;
      assert.equal(m.agreement, 1, "every scripted reply opens with f's decision");
      assert.equal(m.llm_judge_mean, 2);
      assert.equal(seen.length, 10 + 2 * 10, 'ten texts of each explainer judged');
      const rows = explanationRows(out, Object.keys(r.explanations));
      assert.deepEqual(Object.keys(rows), ['template', 'icl-llm']);
      assert.ok(rows['icl-llm'].every((x) => x.llm_rating === 2));
      const s = ratingsSummary(rows, []);
      assert.deepEqual(s.explainers['icl-llm'].llm, { n: 10, mean: 2, counts: [0, 0, 10, 0] });
      assert.deepEqual(
        s.agreement.map((g) => [g.a, g.b, g.shared]),
        [['rule', 'llm', 20]],
      );
    },
  );
});
