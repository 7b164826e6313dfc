// Blind rating and its store: agreement figures against hand-computed kappa and rho, the CSV export's
// quoting, the rating routes on a real server over the tiny run (blind sessions that hide the explainers
// and continue where a rater stopped, every bad request as a 4xx with one line, exports, reopening a
// session), and durability: ratings acknowledged by a `recexplainer serve` process killed with SIGKILL
// are all in the SQLite file when it is reopened.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { EXPLAINED, tinyRun } from './fixture.js';
import { SERVE_DEFAULTS } from '../../src/serve/config.js';
import { startServer, type Server } from '../../src/serve/server.js';
import { disposeService, loadService, type Service } from '../../src/serve/service.js';
import { agreement } from '../../src/serve/ratings/agreement.js';
import { ratingsCsv, ratingsJsonl } from '../../src/serve/ratings/export.js';
import { readPool, type Pool } from '../../src/serve/ratings/pool.js';
import { ratingRoutes, type SessionView } from '../../src/serve/ratings/routes.js';
import { RatingStore, type RatingRow, type Slot } from '../../src/serve/ratings/store.js';
import { HttpError } from '../../src/serve/http_error.js';

const EXPLAINERS = ['base-lm', 'recexplainer-b', 'recexplainer-h', 'recexplainer-i', 'template'];

/** A hand-made pool: explainers x and y, cases c1..c3, with the judges' ratings given. */
function handPool(): Pool {
  const t = (rule: number, llm: number | null = null) => ({ text: '', rule, llm });
  const cases = [
    { key: 'c1', user: 1, item: 1, decision: 'yes' as const, texts: { x: t(3, 2), y: t(1) } },
    { key: 'c2', user: 2, item: 2, decision: 'no' as const, texts: { x: t(0), y: t(0) } },
    { key: 'c3', user: 3, item: 3, decision: 'yes' as const, texts: { x: t(1), y: t(2) } },
  ];
  return { dir: '', explainers: ['x', 'y'], cases, byKey: new Map(cases.map((c) => [c.key, c])) };
}

const row = (rater: string, key: string, explainer: string, rating: number, time: string): RatingRow => ({
  session: `s-${rater}`,
  slot: 0,
  rater,
  case: key,
  explainer,
  rating,
  time,
});

test('agreement: kappa and rho between raters and with the judges, on the latest rating of each explanation', () => {
  const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
  const rows = [
    row('alice', 'c1', 'y', 0, T(0)), // changed below: the latest counts
    row('alice', 'c1', 'x', 3, T(1)),
    row('alice', 'c1', 'y', 1, T(2)),
    row('alice', 'c2', 'x', 2, T(3)),
    row('alice', 'c2', 'y', 0, T(4)),
    row('bob', 'c1', 'x', 3, T(5)),
    row('bob', 'c1', 'y', 2, T(6)),
    row('bob', 'c2', 'x', 2, T(7)),
    row('bob', 'c2', 'y', 0, T(8)),
    row('bob', 'c3', 'x', 1, T(9)), // alice has not rated it: not shared
  ];
  const a = agreement(rows, handPool());
  assert.equal(a.ratings, 9);
  assert.deepEqual(a.raters, { alice: 4, bob: 5 });
  // shared: alice [3, 1, 2, 0], bob [3, 2, 2, 0]; pₒ = 3/4, pₑ = 1/16 + 2/16 + 1/16 = 1/4 → κ = 2/3
  // ranks [4, 2, 3, 1] and [4, 2.5, 2.5, 1] → ρ = 4.5 / √(5 · 4.5) = 3/√10
  assert.equal(a.between_raters.length, 1);
  const ab = a.between_raters[0];
  assert.deepEqual([ab.a, ab.b, ab.n], ['alice', 'bob', 4]);
  assert.ok(Math.abs(ab.kappa! - 2 / 3) < 1e-12, `kappa ${ab.kappa}`);
  assert.ok(Math.abs(ab.rho! - 3 / Math.sqrt(10)) < 1e-12, `rho ${ab.rho}`);
  // alice vs the rule judge: [3, 1, 2, 0] vs [3, 1, 0, 0]: pₒ = 3/4, pₑ = 1/16 + 1/16 + 2/16 → κ = 2/3
  const rule = Object.fromEntries(a.human_vs_rule.map((r) => [r.rater, r]));
  assert.deepEqual(Object.keys(rule), ['alice', 'bob', 'all']);
  assert.equal(rule.alice.n, 4);
  assert.ok(Math.abs(rule.alice.kappa! - 2 / 3) < 1e-12);
  assert.equal(rule.bob.n, 5);
  assert.equal(rule.all.n, 9);
  // only c1/x has an LLM rating (2): alice alone has one pair (no figures), both together two
  const llm = Object.fromEntries(a.human_vs_llm.map((r) => [r.rater, r]));
  assert.deepEqual(llm.alice, { rater: 'alice', n: 1, kappa: null, rho: null });
  assert.deepEqual(llm.all, { rater: 'all', n: 2, kappa: 0, rho: 0 });
  // x: humans 3, 2 (alice), 3, 2, 1 (bob) → 2.2; the rule judge on the same five: 3, 0, 3, 0, 1 → 1.4
  assert.equal(a.explainers.x.n, 5);
  assert.ok(Math.abs(a.explainers.x.human_mean! - 2.2) < 1e-12);
  assert.ok(Math.abs(a.explainers.x.rule_mean! - 1.4) < 1e-12);
  assert.equal(a.explainers.x.llm_mean, 2);
  assert.equal(a.explainers.y.llm_mean, null);
  const none = agreement([], handPool());
  assert.deepEqual([none.ratings, none.between_raters, none.human_vs_rule, none.human_vs_llm], [0, [], [], []]);
});

test('exports: CSV quotes what needs it (RFC 4180), JSON Lines one object per rating, judges beside each', () => {
  const rows = [row('Ann "A", B', 'c1', 'x', 3, 't1'), row('bob', 'c9', 'y', 0, 't2\nx')];
  assert.equal(
    ratingsCsv(rows, handPool()),
    'rater,time,session,slot,case,explainer,rating,rule_judge,llm_judge\r\n' +
      '"Ann ""A"", B",t1,"s-Ann ""A"", B",0,c1,x,3,3,2\r\n' +
      'bob,"t2\nx",s-bob,0,c9,y,0,,\r\n',
  );
  const lines = ratingsJsonl(rows, handPool()).trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.deepEqual(JSON.parse(lines[1]), {
    rater: 'bob',
    time: 't2\nx',
    session: 's-bob',
    slot: 0,
    case: 'c9',
    explainer: 'y',
    rating: 0,
    rule_judge: null,
    llm_judge: null,
  });
});

let svc: Service;
let server: Server;
let dbFile: string;

before(async () => {
  svc = await loadService(await tinyRun());
  dbFile = join(mkdtempSync(join(tmpdir(), 'ratings-')), 'ratings.sqlite');
  server = await startServer(svc, { ...SERVE_DEFAULTS, port: 0, ratings: dbFile });
});

after(async () => {
  await server.close();
  disposeService(svc);
});

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  // any: the answers are checked field by field
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test('the pool: every explainer of the run, each case explained by all of them, judges from the explain rows', () => {
  const pool = readPool(svc.dir);
  assert.deepEqual(pool.explainers, EXPLAINERS);
  assert.equal(pool.cases.length, EXPLAINED);
  for (const c of pool.cases) {
    assert.deepEqual(Object.keys(c.texts).sort(), EXPLAINERS);
    assert.match(c.key, /^u\d+-(pos|neg)$/);
    assert.equal(c.decision, c.key.endsWith('pos') ? 'yes' : 'no');
  }
  assert.deepEqual(readPool(join(svc.dir, 'no-such-folder')).cases, []);
});

test('blind sessions: all explainers per case, shuffled and unnamed; a rater continues where they stopped; raters overlap', async () => {
  const pool = readPool(svc.dir);
  const a = await post('/v1/rate/session', { rater: 'alice', cases: 2 });
  assert.equal(a.status, 200);
  const s = a.json as SessionView;
  assert.equal(s.slots, 2 * EXPLAINERS.length);
  assert.equal(s.rated, 0);
  assert.deepEqual(
    s.rubric.map((l) => l.rating),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    s.cases.map((c) => c.key),
    pool.cases.slice(0, 2).map((c) => c.key),
  );
  const text = JSON.stringify(s);
  for (const name of EXPLAINERS) assert.ok(!text.includes(`"${name}"`), `the session names ${name}`);
  for (const c of s.cases) {
    const p = pool.byKey.get(c.key)!;
    assert.deepEqual(
      c.explanations.map((e) => e.label),
      ['A', 'B', 'C', 'D', 'E'],
    );
    assert.deepEqual(
      c.explanations.map((e) => e.text).sort(),
      Object.values(p.texts)
        .map((t) => t.text)
        .sort(),
    );
    assert.equal(c.item.item, p.item);
    assert.equal(c.decision, p.decision);
    assert.ok(c.history.length > 0 && c.history.length <= svc.maxHistory);
  }
  // rate one explanation of each case, then change one: the store keeps one row per slot
  for (const [slot, rating] of [
    [0, 1],
    [7, 3],
    [0, 2],
  ]) {
    const r = await post('/v1/ratings', { session: s.session, slot, rating });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.rating, rating);
  }
  const again = await post('/v1/rate/session', { session: s.session });
  assert.equal(again.status, 200);
  assert.equal(again.json.rated, 2);
  const rated = (again.json as SessionView).cases.flatMap((c) => c.explanations).filter((e) => e.rating !== null);
  assert.deepEqual(
    rated.map((e) => [e.slot, e.rating]),
    [
      [0, 2],
      [7, 3],
    ],
  );
  // alice's next session skips the cases she has rated; bob starts at the top, where alice did
  const next = (await post('/v1/rate/session', { rater: 'alice', cases: 2 })).json as SessionView;
  assert.deepEqual(
    next.cases.map((c) => c.key),
    pool.cases.slice(2, 4).map((c) => c.key),
  );
  for (const rater of ['bob', 'carol', 'dave']) {
    const b = (await post('/v1/rate/session', { rater, cases: 2 })).json as SessionView;
    assert.deepEqual(b.cases[0].key, pool.cases[0].key);
  }
  // the orders of the explainers differ between sessions (texts may repeat: the tiny models' are often empty, so read the store)
  const db = new Database(dbFile, { readonly: true });
  const plans = (db.prepare('SELECT slots FROM sessions').all() as { slots: string }[]).map((r) => JSON.parse(r.slots) as Slot[]);
  db.close();
  const firstCase = plans.filter((p) => p[0].case === pool.cases[0].key).map((p) => p.slice(0, EXPLAINERS.length));
  assert.equal(firstCase.length, 4); // alice's first session, bob's, carol's, dave's
  for (const p of firstCase) assert.deepEqual(p.map((x) => x.explainer).sort(), EXPLAINERS);
  assert.ok(new Set(firstCase.map((p) => p.map((x) => x.explainer).join())).size > 1, 'four sessions showed the explainers in one order');
  const bobSession = (await post('/v1/rate/session', { rater: 'bob', cases: 1 })).json as SessionView;
  await post('/v1/ratings', { session: bobSession.session, slot: 0, rating: 2 });
  const ag = await fetch(`${server.url}/v1/ratings/agreement`).then((r) => r.json() as Promise<any>);
  assert.equal(ag.ratings, 3);
  assert.deepEqual(ag.raters, { alice: 2, bob: 1 });
  assert.deepEqual(Object.keys(ag.explainers), EXPLAINERS);
  const csv = await fetch(`${server.url}/v1/ratings.csv`);
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  const lines = (await csv.text()).trimEnd().split('\r\n');
  assert.equal(lines[0], 'rater,time,session,slot,case,explainer,rating,rule_judge,llm_judge');
  assert.equal(lines.length, 4);
  const jsonl = (await fetch(`${server.url}/v1/ratings.jsonl`).then((r) => r.text()))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    jsonl.map((r) => [r.rater, r.slot, r.rating]).sort(),
    [
      ['alice', 0, 2],
      ['alice', 7, 3],
      ['bob', 0, 2],
    ].sort(),
  );
  for (const r of jsonl) assert.ok(EXPLAINERS.includes(r.explainer) && pool.byKey.has(r.case));
});

test('rating routes refuse bad requests with one line (400 shape, 422 unknown), the server healthy after', async () => {
  const s = (await post('/v1/rate/session', { rater: 'erin', cases: 1 })).json as SessionView;
  const bad: [string, unknown, number, RegExp][] = [
    ['/v1/rate/session', {}, 400, /"rater" is missing/],
    ['/v1/rate/session', { rater: 'a,b' }, 400, /"rater" may hold letters/],
    ['/v1/rate/session', { rater: 'x'.repeat(65) }, 400, /"rater" has 65 characters, at most 64/],
    ['/v1/rate/session', { rater: 'erin', cases: 0 }, 400, /"cases" must be in 1\.\.50, got 0/],
    ['/v1/rate/session', { rater: 'erin', mood: 'good' }, 400, /unknown field "mood"/],
    ['/v1/rate/session', { session: s.session, rater: 'erin' }, 400, /give "session" alone/],
    ['/v1/rate/session', { session: 'nope' }, 422, /unknown session "nope"/],
    ['/v1/ratings', { session: s.session, slot: 0 }, 400, /give "session", "slot" and "rating"/],
    ['/v1/ratings', { session: s.session, slot: 0, rating: 4 }, 400, /"rating" must be in 0\.\.3, got 4/],
    ['/v1/ratings', { session: s.session, slot: 0, rating: 1.5 }, 400, /"rating" must be an integer/],
    ['/v1/ratings', { session: s.session, slot: 5, rating: 1 }, 422, /has slots 0\.\.4, got 5/],
    ['/v1/ratings', { session: 'nope', slot: 0, rating: 1 }, 422, /unknown session/],
    ['/v1/history', { user: 0 }, 422, /unknown user 0/],
    ['/v1/history', {}, 400, /"user" is missing/],
    ['/v1/items', { query: '  ' }, 400, /"query" is missing or blank/],
    ['/v1/items', { query: 'Item', limit: 101 }, 400, /"limit" must be in 1\.\.100/],
  ];
  for (const [path, body, status, message] of bad) {
    const r = await post(path, body);
    assert.equal(r.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error.message, message);
    assert.doesNotMatch(r.json.error.message, /\n|^\s+at /);
  }
  // every case rated by one rater: a new session is refused in one line
  const pool = readPool(svc.dir);
  const store = new RatingStore(join(mkdtempSync(join(tmpdir(), 'ratings-')), 'r.sqlite'));
  try {
    const routes = ratingRoutes(svc, () => store, pool);
    const open = routes.find((r) => r.path === '/v1/rate/session')!;
    const all = store.createSession(
      'zed',
      pool.cases.map((c) => ({ case: c.key, explainer: 'template' })),
    );
    pool.cases.forEach((_, i) => store.rate(all, i, 1));
    assert.throws(
      () => open.parse({ rater: 'zed' }),
      (e: unknown) => e instanceof HttpError && e.status === 422 && /has rated every case of this run \(6\)/.test(e.message),
    );
    const empty = ratingRoutes(svc, () => store, readPool(join(svc.dir, 'none'))).find((r) => r.path === '/v1/rate/session')!;
    assert.throws(() => empty.parse({ rater: 'zed' }), /this run has no explanations to rate/);
  } finally {
    store.close();
  }
  const h = await fetch(`${server.url}/v1/health`).then((r) => r.json() as Promise<any>);
  assert.equal(h.status, 'ok');
  const items = await post('/v1/items', { query: 'ITEM 3', limit: 3 });
  assert.equal(items.status, 200);
  const want = svc.titles.map((t, id) => ({ t, id })).filter((x) => x.id > 0 && x.t.toLowerCase().includes('item 3'));
  assert.ok(want.length > 3);
  assert.deepEqual(
    items.json.items.map((i: { item: number; title: string }) => [i.item, i.title]),
    want.slice(0, 3).map((x) => [x.id, x.t]),
  );
  const hist = await post('/v1/history', { user: 2 });
  assert.equal(hist.status, 200);
  assert.ok(hist.json.history.length > 0);
  assert.equal(hist.json.history[0].title, svc.titles[hist.json.history[0].item]);
});

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE_ARGS = [
  '--import',
  import.meta.resolve('tsx'),
  '--input-type=module',
  '-e',
  `import { main } from ${JSON.stringify(ROOT + 'src/cli/main.ts')}; process.exitCode = await main(process.argv.slice(1));`,
];

test('durability: ratings answered by a server killed with SIGKILL are all in the database when it is reopened', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ratings-kill-')), 'ratings.sqlite');
  const child = spawn(process.execPath, [...NODE_ARGS, 'serve', '--run', await tinyRun(), '--port', '0', '--ratings', file], { cwd: ROOT });
  const exit = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/\S+) /.exec(out);
      if (m) resolve(m[1]);
    });
    void exit.then((sig) => reject(new Error(`serve exited (${sig})`)));
  });
  const call = (path: string, body: unknown) =>
    fetch(url + path, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      json: (await r.json()) as any,
    }));
  const s = (await call('/v1/rate/session', { rater: 'kim', cases: 2 })).json as SessionView;
  const given = [3, 0, 2, 1, 3, 2, 0];
  for (const [slot, rating] of given.entries()) assert.equal((await call('/v1/ratings', { session: s.session, slot, rating })).status, 200);
  child.kill('SIGKILL');
  assert.equal(await exit, 'SIGKILL');
  assert.ok(existsSync(`${file}-wal`), 'no write-ahead log: the database is not in WAL mode');
  const db = new Database(file);
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const rows = db.prepare('SELECT slot, rating, rater, "case" AS k, explainer FROM ratings ORDER BY slot').all() as any[];
    assert.deepEqual(
      rows.map((r) => [r.slot, r.rating, r.rater]),
      given.map((g, i) => [i, g, 'kim']),
    );
    const plan = JSON.parse((db.prepare('SELECT slots FROM sessions WHERE id = ?').get(s.session) as { slots: string }).slots) as {
      case: string;
      explainer: string;
    }[];
    assert.deepEqual(
      rows.map((r) => [r.k, r.explainer]),
      plan.slice(0, given.length).map((p) => [p.case, p.explainer]),
    );
  } finally {
    db.close();
  }
});
