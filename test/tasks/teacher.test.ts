// `tasks --teacher-url` against a loopback OpenAI-style server, on the ring data set and a tiny
// SASRec: teacher explanations replace task 7 when they open with f's decision (wrong decision →
// rejected, 500-forever → failed, template kept; aspect-focused texts untouched), task-6 summaries
// are added (I and H files only), a rerun against a dead server gives the same files from
// teacher.jsonl, a 401 is one line, and the cache file drops a cut-off or malformed last line.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliAsync } from '../cli/helpers.js';
import { trainedRing } from '../rec/fixture.js';
import { readDataset } from '../../src/data/dataset.js';
import { DataError } from '../../src/engine/errors.js';
import { ReplyCache } from '../../src/openai/cache.js';
import { parseList } from '../../src/data/text_forms.js';
import type { TaskRecord } from '../../src/tasks/forms.js';
import type { TeacherStats } from '../../src/tasks/teacher.js';
import { MARKER } from '../../src/engine/out_folder.js';

const { data, rec: recDir } = await trainedRing();
const tmp = mkdtempSync(join(tmpdir(), 'teacher-'));
const base = join(tmp, 'base'); // no teacher
const taught = join(tmp, 'taught');
const ARGS = ['tasks', '--data', data, '--rec', recDir, '--task5', '0', '--backend', 'wasm', '--quiet'];
const ds = readDataset(data);
const titleOf = (id: number) => ds.items[id - 1].title;
let iForm = new Map<string, TaskRecord>();
const num = (title: string) => Number(title.split(' ')[1]); // "Item 17" → 17

type Chat = { messages: { role: string; content: string }[] };
type Handler = (body: Chat, res: ServerResponse) => void;

/** Runs fn against a chat server on 127.0.0.1 (port 0) that counts requests; always closes it. */
async function withServer(handler: Handler, fn: (url: string, seen: Chat[]) => Promise<void>): Promise<void> {
  const seen: Chat[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const body = JSON.parse(raw) as Chat;
      seen.push(body);
      handler(body, res);
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

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
  res.end(JSON.stringify(body));
}
const answer = (res: ServerResponse, content: string) =>
  reply(res, 200, { choices: [{ index: 0, message: { role: 'assistant', content } }] });

/** What a request asks about: the numbered history titles, and for an explanation the candidate and f's decision. */
function parse(body: Chat): { history: string[]; item?: string; decision?: 'yes' | 'no' } {
  const text = body.messages.map((m) => m.content).join('\n');
  const history = [...text.matchAll(/^\d+\. (.*)$/gm)].map((m) => m[1]);
  const item = /^Candidate item: (.*)$/m.exec(text)?.[1];
  const decision = /^Recommender's decision: (yes|no)/m.exec(text)?.[1] as 'yes' | 'no' | undefined;
  return { history, item, decision };
}

// The good server's texts, which the test recomputes from the records.
const explanation = (history: string[], item: string, decision: 'yes' | 'no') =>
  `${decision === 'yes' ? 'Yes' : 'No'}. After ${history.at(-1)}, the teacher finds that ${item} ${decision === 'yes' ? 'fits' : 'does not fit'} this history of ${history.length} items.`;
const summary = (history: string[]) => `This user moves along the ring; lately ${history.at(-1)}, after ${history.length - 1} others.`;
// Candidates whose number is ≡ 0 (mod 6) get the wrong decision, ≡ 1 a 500 forever; histories ending ≡ 2 an empty summary.
const wrong = (item: string) => num(item) % 6 === 0;
const down = (item: string) => num(item) % 6 === 1;
const emptySummary = (history: string[]) => num(history.at(-1)!) % 6 === 2;

const teacher: Handler = (body, res) => {
  const { history, item, decision } = parse(body);
  if (item === undefined || decision === undefined) return answer(res, emptySummary(history) ? '' : summary(history));
  if (down(item)) return reply(res, 500, { error: { message: 'overloaded' } });
  answer(res, explanation(history, item, wrong(item) ? (decision === 'yes' ? 'no' : 'yes') : decision));
};

const read = (dir: string, name: string): TaskRecord[] =>
  readFileSync(join(dir, name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TaskRecord);
const config = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown> & { teacher?: TeacherStats };
const OUTPUTS = ['counts.json', 'counts.md', ...['train', 'test'].flatMap((s) => ['B', 'I', 'H'].map((f) => `${s}.${f}.jsonl`))];

before(async () => {
  const b = cli([...ARGS, '--out', base]);
  assert.equal(b.code, 0, b.stderr);
  await withServer(teacher, async (url) => {
    const r = await cliAsync([...ARGS, '--out', taught, '--teacher-url', url, '--teacher-model', 'teach-1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^teacher: \d+\/\d+ explanations used \(\d+ rejected, \d+ failed\), \d+\/\d+ user summaries \(\d+ failed\); 0 replies from .*teacher\.jsonl$/m,
    );
  });
});

test('without --teacher-url: no teacher.jsonl, no teacher settings in config.json', () => {
  assert.ok(!existsSync(join(base, 'teacher.jsonl')));
  assert.deepEqual(
    Object.keys(config(base)).filter((k) => k.startsWith('teacher')),
    [],
  );
});

/** The titles a B-form task-7 record shows and asks about, from the I-form record of the same pair (its <user> and <item> entries). */
function pairOf(r: TaskRecord): { shown: string[]; item: string } {
  const i = iForm.get(r.id.replace('-B-', '-I-'))!;
  const shownCount = r.prompt.match(/Item \d+/g)!.length - 1; // the B prompt names the shown history and the candidate
  const soft = (kind: string) => i.soft.find((x) => x.kind === kind)!;
  const user = soft('user') as Extract<TaskRecord['soft'][number], { kind: 'user' }>;
  const item = soft('item') as Extract<TaskRecord['soft'][number], { kind: 'item' }>;
  return { shown: user.history.slice(-shownCount).map(titleOf), item: titleOf(item.item) };
}

test("task 7 takes the teacher's text when it opens with f's decision; wrong decisions and failed requests keep the template", () => {
  iForm = new Map([...read(taught, 'train.I.jsonl'), ...read(taught, 'test.I.jsonl')].map((x) => [x.id, x]));
  const before_ = new Map(read(base, 'train.B.jsonl').map((r) => [r.id, r]));
  const t7 = [...read(taught, 'train.B.jsonl'), ...read(taught, 'test.B.jsonl')].filter((r) => r.task === 7);
  assert.ok(t7.length >= 4 * ds.sequences.length - 10);
  let rejected = 0;
  let failed = 0;
  for (const r of read(taught, 'train.B.jsonl')) {
    const old = before_.get(r.id);
    if (r.task !== 7) {
      if (r.task !== 6) assert.deepEqual(r, old, `${r.id}: only task 7 and summaries change`);
      continue;
    }
    const { shown, item } = pairOf(r);
    if (wrong(item) || down(item) || r.template!.includes('+'))
      assert.equal(r.response, old!.response, r.id); // "+": asks for one aspect
    else assert.equal(r.response, explanation(shown, item, r.id.endsWith('-pos') ? 'yes' : 'no'), r.id);
  }
  const asked = t7.filter((r) => !r.template!.includes('+'));
  assert.ok(asked.length < t7.length);
  for (const r of asked) {
    const { item } = pairOf(r);
    if (wrong(item)) rejected++;
    if (down(item)) failed++;
  }
  assert.ok(rejected > 0 && failed > 0);
  const s = config(taught).teacher!;
  assert.deepEqual(s.explanations, { asked: asked.length, used: asked.length - rejected - failed, rejected, failed });
  assert.equal(s.cached, 0);
  assert.equal(config(taught).teacherModel, 'teach-1');
  assert.ok(!('teacherKey' in config(taught)));
});

test('task-6 summaries: one per training history (empty replies skipped), in the I and H files, not B', () => {
  const I = read(taught, 'train.I.jsonl');
  const histories = I.filter((r) => r.task === 6 && !r.id.endsWith('-sum'));
  const sums = I.filter((r) => r.id.endsWith('-sum'));
  const expected = histories.filter((h) => !emptySummary(parseList(h.response)));
  assert.ok(expected.length < histories.length);
  assert.deepEqual(
    sums.map((r) => r.id),
    expected.map((h) => `${h.id}-sum`),
  );
  for (const [i, r] of sums.entries()) {
    assert.equal(r.task, 6);
    assert.equal(r.response, summary(parseList(expected[i].response)));
    assert.match(r.template!, /^t6s\.\d$/);
    assert.equal(r.prompt.match(/<user>/g)?.length, 1);
  }
  const H = read(taught, 'train.H.jsonl');
  assert.deepEqual(
    H.filter((r) => r.id.endsWith('-sum-I')).map((r) => r.response),
    sums.map((r) => r.response),
  );
  assert.ok(!read(taught, 'train.B.jsonl').some((r) => r.task === 6));
  for (const f of ['test.B.jsonl', 'test.I.jsonl', 'test.H.jsonl']) assert.ok(!read(taught, f).some((r) => r.id.includes('-sum')), f);
  for (const f of OUTPUTS.filter((f) => f.endsWith('.jsonl'))) {
    const ids = read(taught, f).map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, `${f}: ids unique`);
  }
  const s = config(taught).teacher!;
  assert.deepEqual(s.summaries, { asked: histories.length, used: sums.length, failed: histories.length - sums.length });
});

test('a rerun against a server that fails everything gives the same files from teacher.jsonl, asking only for what failed', async () => {
  const first = new Map(OUTPUTS.map((f) => [f, readFileSync(join(taught, f))]));
  const s1 = config(taught).teacher!;
  await withServer(
    (_b, res) => reply(res, 503, { error: 'down' }),
    async (url, seen) => {
      const r = await cliAsync([...ARGS, '--out', taught, '--teacher-url', url, '--teacher-model', 'teach-1', '--force']); // over its finished output
      assert.equal(r.code, 0, r.stderr);
      assert.equal(seen.length, 3 * s1.explanations.failed); // the failed ones, 1 + 2 retries each
    },
  );
  for (const [f, bytes] of first) assert.ok(readFileSync(join(taught, f)).equals(bytes), f);
  const s2 = config(taught).teacher!;
  assert.deepEqual({ ...s2, cached: 0 }, s1);
  assert.equal(s2.cached, s1.explanations.asked + s1.summaries.asked - s1.explanations.failed);
});

test('a 401 stops the run with one line naming the endpoint, no stack, no key', async () => {
  const key = 'sk-teacher-secret';
  await withServer(
    (_b, res) => reply(res, 401, { error: { message: `Incorrect API key ${key}` } }),
    async (url) => {
      const out = join(tmp, 'denied');
      process.env.OPENAI_API_KEY = key; // the child's environment
      const r = await cliAsync([...ARGS, '--out', out, '--teacher-url', url]).finally(() => delete process.env.OPENAI_API_KEY);
      assert.notEqual(r.code, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].includes(`${url}/chat/completions`), r.stderr);
      assert.match(lines[0], /teacher: .* 401/);
      assert.ok(!/\n\s+at /.test(r.stderr));
      assert.ok(!r.stderr.includes(key), r.stderr);
      assert.ok(!existsSync(join(out, 'train.B.jsonl')));
      assert.deepEqual(readdirSync(out), [MARKER]); // only the folder's marker, written first
    },
  );
});

test('the reply cache drops a cut-off or malformed last line, and rejects a malformed line before it', () => {
  const file = join(tmp, 'cache.jsonl');
  const line = (key: string, reply: string) => JSON.stringify({ key, reply }) + '\n';
  writeFileSync(file, line('a', 'first') + line('b', 'sécond') + '{"key":"c","rep');
  const c = new ReplyCache(file);
  assert.deepEqual([c.get('a'), c.get('b'), c.get('c')], ['first', 'sécond', undefined]);
  assert.equal(readFileSync(file, 'utf8'), line('a', 'first') + line('b', 'sécond'));
  c.add('c', 'third');
  assert.equal(new ReplyCache(file).get('c'), 'third');

  writeFileSync(file, line('a', 'first') + '{"key":"b"}\n');
  assert.equal(new ReplyCache(file).get('a'), 'first');
  assert.equal(readFileSync(file, 'utf8'), line('a', 'first'));

  writeFileSync(file, 'oops\n' + line('a', 'first'));
  assert.throws(
    () => new ReplyCache(file),
    (e: Error) => e instanceof DataError && /cache\.jsonl:1\b/.test(e.message),
  );
});
