// The JSON API on a real HTTP server on loopback (port 0), over the tiny run folder (fixture.ts):
// every route's answer checked against f recomputed here, every bad-input class answered with its
// status and a one-line reason (the server healthy after each), a full queue refused with 503 and
// Retry-After, a request that waits past --timeout refused, and close() letting a waiting request finish.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyRun, TINY_REPORT } from './fixture.js';
import { SERVE_DEFAULTS, type ServeConfig } from '../../src/serve/config.js';
import { startServer, type Server } from '../../src/serve/server.js';
import { disposeService, loadService, type Service } from '../../src/serve/service.js';
import { leaveOneOut } from '../../src/data/process.js';
import { parseDecision } from '../../src/facts/decision.js';
import { recentHistory } from '../../src/data/text_forms.js';

let svc: Service;
let server: Server;
const logged: string[] = [];
const CFG: ServeConfig = { ...SERVE_DEFAULTS, port: 0, historyLimit: 20, maxBody: 4096 };
const LMS = ['base-lm', 'recexplainer-b', 'recexplainer-i', 'recexplainer-h'];
const ALIGNED = LMS.slice(1);

before(async () => {
  svc = await loadService(await tinyRun());
  server = await startServer(svc, CFG, (line) => logged.push(line));
});

after(async () => {
  await server.close();
  disposeService(svc);
});

interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, any>; // any: the answers are checked field by field below
}

async function call(s: Server, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(s.url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as Reply['json'] };
}

/** The user's test-time history, as the service builds it. */
function historyOf(user: number): number[] {
  const sp = leaveOneOut(svc.ds.sequences[user - 1].items);
  return [...sp.train, sp.valid];
}

/** f's rank of item among the unseen items, by brute force (ties: lower id first). */
function bruteRank(history: number[], item: number): number | null {
  if (history.includes(item)) return null;
  const s = svc.rec.scoreAll(history);
  let r = 1;
  for (let i = 1; i <= svc.rec.nItems; i++)
    if (i !== item && !history.includes(i) && (s[i] > s[item] || (s[i] === s[item] && i < item))) r++;
  return r;
}

async function healthy(s: Server = server): Promise<void> {
  const h = await call(s, 'GET', '/v1/health');
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
}

test('GET /v1/health, /v1/models, /v1/report: the run, its models and its report as written', async () => {
  const h = await call(server, 'GET', '/v1/health');
  assert.equal(h.status, 200);
  assert.equal(h.json.run, svc.dir);
  assert.deepEqual(h.json.models, ['f', ...LMS]);
  assert.deepEqual(h.json.queue, { workers: 1, running: 0, waiting: 0, limit: 32 });
  const m = await call(server, 'GET', '/v1/models');
  assert.equal(m.json.object, 'list');
  assert.deepEqual(
    m.json.data.map((x: { id: string }) => x.id),
    ['f', ...LMS],
  );
  assert.deepEqual(m.json.data[0], {
    id: 'f',
    object: 'model',
    owned_by: 'recexplainer',
    kind: 'recommender',
    type: 'sasrec',
    users: 200,
    items: 120,
    hidden: 16,
  });
  assert.deepEqual(
    m.json.data.slice(1).map((x: { form: string; kind: string }) => `${x.kind}:${x.form}`),
    ['base-lm:B', 'aligned-lm:B', 'aligned-lm:I', 'aligned-lm:H'],
  );
  assert.deepEqual(m.json.explainers, ['template', ...LMS]);
  const r = await call(server, 'GET', '/v1/report');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, JSON.parse(readFileSync(join(svc.dir, 'report.json'), 'utf8')));
  assert.deepEqual(r.json.methods, TINY_REPORT.methods);
  assert.deepEqual(Object.keys(r.json.explanations), ['base-lm', 'template', ...ALIGNED, 'icl-llm']); // icl-llm: not run (null)
  assert.equal(r.json.explanations['icl-llm'], null);
});

test("POST /v1/explain: f's score, rank, decision and contributors as f computes them; every explainer's text with its checks", async () => {
  const user = 5;
  const history = historyOf(user);
  const scores = svc.rec.scoreAll(history);
  // one item f likes (its best unseen) and one it does not (its worst)
  const unseen = Array.from({ length: svc.rec.nItems }, (_, i) => i + 1).filter((i) => !history.includes(i));
  const best = unseen.reduce((a, b) => (scores[b] > scores[a] ? b : a));
  const worst = unseen.reduce((a, b) => (scores[b] < scores[a] ? b : a));
  for (const [item, decision] of [
    [best, 'yes'],
    [worst, 'no'],
  ] as const) {
    const r = await call(server, 'POST', '/v1/explain', { user, item });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const p = r.json.predictions[0];
    assert.deepEqual(p.history, history);
    assert.equal(p.user, user);
    assert.ok(Math.abs(p.score - scores[item]) < 1e-5, `${p.score} vs ${scores[item]}`);
    assert.equal(p.rank, bruteRank(history, item));
    assert.equal(p.of, unseen.length);
    assert.equal(p.decision, decision);
    // the strongest contributor: removing it lowers f's score the most
    const drop = (j: number) => scores[item] - svc.rec.score([...history.slice(0, j), ...history.slice(j + 1)], [item])[0];
    const effects = history.map((_, j) => drop(j));
    const top = history[effects.indexOf(Math.max(...effects))];
    assert.equal(p.contributors[0].item, top);
    assert.ok(Math.abs(p.contributors[0].effect - Math.max(...effects)) < 1e-4);
    assert.equal(p.contributors[0].shown, recentHistory(history, svc.maxHistory).includes(top));
    const ex = r.json.explanations[0];
    assert.deepEqual(Object.keys(ex), ['template', ...LMS]);
    for (const [name, e] of Object.entries(ex as Record<string, any>)) {
      assert.equal(typeof e.text, 'string', name);
      assert.equal(e.decision, parseDecision(e.text), name);
      assert.equal(e.checks.agreement, e.decision === decision, name);
      if (!e.checks.agreement) assert.equal(e.checks.rule_judge.rating, 0, name);
      assert.ok([0, 1, 2, 3].includes(e.checks.rule_judge.rating) && e.checks.rule_judge.reasons.length > 0, name);
      for (const c of e.cited) assert.ok(e.text.includes(c.title) && svc.titles[c.item] === c.title, name);
      assert.ok(e.checks['attribution_p@3'] >= 0 && e.checks['attribution_p@3'] <= 1, name);
    }
    // the template baseline names two shown items and the candidate: all grounded, no fact stated
    const t = ex.template;
    assert.match(t.text, /^(Yes|No)\. The user has watched /);
    assert.ok(t.cited.some((c: { item: number }) => c.item === item));
    assert.deepEqual(t.checks.hallucinated_titles, []);
    assert.equal(t.checks.fact_accuracy, null);
    assert.ok(t.aspects.includes('history'));
  }
  // a history item: not ranked, a no; a history without a user; a batch of instances and a chosen explainer
  const given = history.slice(-6);
  const r = await call(server, 'POST', '/v1/explain', {
    instances: [
      { history: given, item: given[2] },
      { user, item: best },
    ],
    explainers: ['template', 'recexplainer-i'],
    aspect: 'genre',
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.predictions.length, 2);
  assert.deepEqual([r.json.predictions[0].user, r.json.predictions[0].rank, r.json.predictions[0].decision], [null, null, 'no']);
  assert.deepEqual(r.json.predictions[0].history, given);
  assert.equal(r.json.predictions[1].decision, 'yes');
  assert.deepEqual(
    r.json.explanations.map((e: object) => Object.keys(e)),
    [
      ['template', 'recexplainer-i'],
      ['template', 'recexplainer-i'],
    ],
  );
  assert.deepEqual(Object.keys(r.json.seconds), ['template', 'recexplainer-i']);
});

test("POST /v1/recommend: f's top-k, and each aligned model's five task-1 titles, all catalogue items outside the shown history", async () => {
  const user = 7;
  const history = historyOf(user);
  const r = await call(server, 'POST', '/v1/recommend', { user, k: 4 });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const p = r.json.predictions[0];
  assert.deepEqual(
    p.f.map((x: { item: number }) => x.item),
    svc.rec.topK(history, 4),
  );
  assert.deepEqual(Object.keys(p.models), ALIGNED);
  const shown = recentHistory(history, svc.maxHistory);
  for (const [name, a] of Object.entries(p.models as Record<string, any>)) {
    assert.equal(a.titles.length, 5, name);
    for (const t of a.titles) assert.ok(t.item !== null && !shown.includes(t.item), `${name}: ${t.title}`); // grounded
    assert.equal(a['hr@5'], a.titles.some((t: { item: number }) => t.item === p.f[0].item) ? 1 : 0, name);
  }
  const d = await call(server, 'POST', '/v1/recommend', { history: [3, 4, 5], models: ['base-lm'] });
  assert.equal(d.status, 200);
  assert.equal(d.json.predictions[0].f.length, 10); // k defaults to 10
  assert.deepEqual(Object.keys(d.json.predictions[0].models), ['base-lm']);
});

test("POST /v1/rank: the candidates in f's order, and each aligned model's order, a permutation of them", async () => {
  const user = 9;
  const history = historyOf(user);
  const items = Array.from({ length: svc.rec.nItems }, (_, i) => i + 1)
    .filter((i) => !history.includes(i))
    .slice(0, 4);
  const r = await call(server, 'POST', '/v1/rank', { user, items });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const p = r.json.predictions[0];
  const s = svc.rec.scoreAll(history);
  assert.deepEqual(
    p.f.map((x: { item: number }) => x.item),
    [...items].sort((a, b) => s[b] - s[a]),
  );
  assert.deepEqual(Object.keys(p.models), ALIGNED);
  for (const [name, a] of Object.entries(p.models as Record<string, any>)) {
    assert.deepEqual(a.titles.map((t: { item: number }) => t.item).sort(), [...items].sort(), name); // grounded: a permutation
    assert.ok(a['ndcg@5'] > 0 && a['ndcg@5'] <= 1, name);
  }
});

test('bad input: each class is a 4xx with a one-line reason, and the server stays healthy', async () => {
  const long = Array.from({ length: 21 }, (_, i) => i + 1);
  const cases: [string, string, unknown, number, RegExp][] = [
    [
      'POST',
      '/v1/explain',
      { user: 1, item: 2, foo: 1 },
      400,
      /^unknown field "foo" \(this route takes instances, user, history, item, aspect, explainers\)$/,
    ],
    ['POST', '/v1/explain', { user: 'one', item: 2 }, 400, /^"user" must be an integer, got the string "one"$/],
    ['POST', '/v1/explain', { user: 1, item: 2.5 }, 400, /^"item" must be an integer, got 2\.5$/],
    ['POST', '/v1/explain', { history: 5, item: 2 }, 400, /^"history" must be a list of integers, got 5$/],
    ['POST', '/v1/explain', { history: [1, 'x'], item: 2 }, 400, /^"history"\[1\] must be an integer, got the string "x"$/],
    ['POST', '/v1/explain', { user: 1, item: 2, aspect: 3 }, 400, /^"aspect" must be a string, got 3$/],
    ['POST', '/v1/explain', { item: 2 }, 400, /^give "user" \(a user id\) or "history"/],
    ['POST', '/v1/explain', { user: 1 }, 400, /^"item" is missing/],
    ['POST', '/v1/explain', { user: 9999, item: 2 }, 422, /^"user": unknown user 9999 \(this run's users are 1\.\.200\)$/],
    ['POST', '/v1/explain', { user: 1, item: 0 }, 422, /^"item": unknown item 0 \(this run's items are 1\.\.120\)$/],
    ['POST', '/v1/explain', { user: 1, item: 121 }, 422, /^"item": unknown item 121/],
    ['POST', '/v1/explain', { history: [1, 999], item: 2 }, 422, /^"history"\[1\]: unknown item 999/],
    ['POST', '/v1/explain', { history: [], item: 2 }, 422, /^"history" is empty/],
    ['POST', '/v1/explain', { history: long, item: 30 }, 422, /^"history" has 21 items, at most 20 \(--history-limit\)$/],
    [
      'POST',
      '/v1/explain',
      { user: 1, item: 2, explainers: ['gpt'] },
      422,
      /^"explainers": unknown name "gpt" \(this run has template, base-lm/,
    ],
    ['POST', '/v1/explain', { user: 1, item: 2, explainers: 'template' }, 400, /^"explainers" must be a list of names/],
    ['POST', '/v1/explain', { instances: [] }, 400, /^"instances" must hold 1\.\.16 entries, got 0$/],
    ['POST', '/v1/explain', { instances: [{ user: 1, item: 2 }], user: 1 }, 400, /^"user" belongs inside each instance/],
    [
      'POST',
      '/v1/explain',
      {
        instances: [
          { user: 1, item: 2 },
          { user: 1, item: 2, k: 3 },
        ],
      },
      400,
      /^instances\[1\]: unknown field "k"/,
    ],
    [
      'POST',
      '/v1/explain',
      {
        instances: [
          { user: 1, item: 2 },
          { user: 1, item: 500 },
        ],
      },
      422,
      /^"instances\[1\]\.item": unknown item 500/,
    ],
    ['POST', '/v1/explain', '{"user": 1,', 400, /^the body is not valid JSON \(/],
    ['POST', '/v1/explain', '', 400, /^the body is empty: send a JSON object$/],
    ['POST', '/v1/explain', '[1, 2]', 400, /^body must be a JSON object, got an array$/],
    ['POST', '/v1/explain', { user: 1, item: 2, aspect: 'x'.repeat(5000) }, 413, /^the body is over 4096 bytes \(--max-body\)$/],
    ['POST', '/v1/recommend', { user: 1, k: 0 }, 400, /^"k" must be in 1\.\.100, got 0$/],
    ['POST', '/v1/recommend', { user: 1, k: '5' }, 400, /^"k" must be an integer, got the string "5"$/],
    ['POST', '/v1/recommend', { user: 1, item: 3 }, 400, /^unknown field "item"/],
    ['POST', '/v1/rank', { history: [1, 2, 3], items: [3, 4] }, 422, /^"items": item 3 is in the history; task 2 ranks items outside it$/],
    ['POST', '/v1/rank', { history: [1, 2, 3], items: [4] }, 422, /^"items" must hold 2\.\.5 distinct item ids, got 1$/],
    ['POST', '/v1/rank', { history: [1, 2, 3], items: [4, 4] }, 422, /^"items" must hold 2\.\.5 distinct item ids, got 2 with repeats$/],
    ['POST', '/v1/rank', { history: [1, 2, 3] }, 400, /^"items" is missing/],
    ['GET', '/v1/nope', undefined, 404, /^no route GET \/v1\/nope \(routes: GET \/v1\/health, /],
    ['GET', '/v1/explain', undefined, 405, /^\/v1\/explain takes POST, not GET$/],
    ['DELETE', '/v1/health', undefined, 405, /^\/v1\/health takes GET, not DELETE$/],
  ];
  for (const [method, path, body, status, reason] of cases) {
    const what = `${method} ${path} ${typeof body === 'string' ? body : JSON.stringify(body)?.slice(0, 80)}`;
    const r = await call(server, method, path, body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
    assert.deepEqual(Object.keys(r.json), ['error'], what);
    assert.equal(r.json.error.status, status, what);
    assert.match(r.json.error.message, reason, what);
    assert.doesNotMatch(r.json.error.message, /\n|\bat .*:\d+:\d+/, what); // one line, no stack
    if (status === 405) assert.equal(r.headers.get('allow'), path === '/v1/health' ? 'GET' : 'POST');
    await healthy();
  }
  assert.ok(!logged.some((l) => l.includes('internal error')), logged.join('\n'));
});

/** A promise and its resolver: a job that holds a worker until released. */
function gate(): { held: Promise<void>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  return { held, release };
}

async function waitFor(s: Server, waiting: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const h = await call(s, 'GET', '/v1/health');
    if (h.json.queue.waiting === waiting) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`the queue never held ${waiting} waiting requests`);
}

test('a full queue: the request over the limit is refused at once with 503 and Retry-After; the waiting one is answered', async () => {
  const s = await startServer(svc, { ...CFG, queue: 1 });
  try {
    const g = gate();
    const blocker = s.queue.run(() => g.held, new AbortController().signal);
    const waiting = call(s, 'POST', '/v1/explain', { user: 2, item: 3, explainers: ['template'] });
    await waitFor(s, 1);
    const over = await call(s, 'POST', '/v1/recommend', { user: 2, k: 2 });
    assert.equal(over.status, 503);
    assert.match(over.json.error.message, /^busy: 1 requests wait for a worker \(--queue 1\)$/);
    assert.match(over.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    await healthy(s); // answered while every worker is busy
    g.release();
    await blocker;
    const w = await waiting;
    assert.equal(w.status, 200);
    assert.equal(w.json.predictions[0].item, 3);
  } finally {
    await s.close();
  }
});

test('a request still waiting for a worker after --timeout is refused with 503 and Retry-After', async () => {
  const s = await startServer(svc, { ...CFG, timeout: 1 });
  try {
    const g = gate();
    const blocker = s.queue.run(() => g.held, new AbortController().signal);
    const t0 = performance.now();
    const r = await call(s, 'POST', '/v1/explain', { user: 2, item: 3 });
    const waited = performance.now() - t0;
    assert.equal(r.status, 503);
    assert.equal(r.json.error.message, 'the request waited longer than --timeout 1 s for a worker');
    assert.match(r.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.ok(waited >= 950 && waited < 5000, `${waited} ms`);
    assert.equal(s.queue.queued, 0); // it left the queue
    g.release();
    await blocker;
  } finally {
    await s.close();
  }
});

test('close(): a waiting request is still answered, new connections are refused, then the server is gone', async () => {
  const s = await startServer(svc, CFG);
  const g = gate();
  const blocker = s.queue.run(() => g.held, new AbortController().signal);
  const waiting = call(s, 'POST', '/v1/rank', { user: 3, items: [100, 101], models: ['recexplainer-i'] });
  await waitFor(s, 1);
  const closed = s.close();
  await assert.rejects(fetch(`${s.url}/v1/health`)); // no longer listening
  g.release();
  await blocker;
  const w = await waiting;
  assert.equal(w.status, 200, JSON.stringify(w.json));
  assert.equal(w.headers.get('connection'), 'close');
  await closed;
});
