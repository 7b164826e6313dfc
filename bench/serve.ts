// Load test of `recexplainer serve` on loopback: starts the command on a run folder (--run DIR, default
// the latest finished run under runs/) in a child process on a free port, then sends --requests explain
// requests (distinct seeded (user, item) pairs, every explainer) from --concurrency clients at once, then
// as many recommend requests, after one uncounted warm-up request of each. Bounded: past --max-seconds
// no new request is sent and each request gives up after it. Every answer is checked: a 200 must be the
// asked pair's, a 503 must carry Retry-After; anything else, or none, counts as lost. Reads the server's
// peak RSS (VmHWM) and stops it with SIGTERM. Writes bench/out/serve.json (DESIGN.md §6 names; the
// recommend figures prefixed recommend_).
// Run: npm run bench -- serve [--run DIR] [--requests 200] [--concurrency 16] [--max-seconds 300] [--queue N (serve's --queue)]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/engine/rng.js';
import { repoRoot } from '../src/engine/paths.js';
import { writeResult } from './common.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  const v = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, got ${process.argv[at + 1]}`);
  return v;
};
const runAt = process.argv.indexOf('--run');
const requests = arg('--requests', 200);
const concurrency = arg('--concurrency', 16);
const maxSeconds = arg('--max-seconds', 300);
const queue = process.argv.includes('--queue') ? arg('--queue', 32) : undefined;
const root = repoRoot();

interface Phase {
  answered: number;
  rejected_503: number;
  lost: number;
  mismatched: number; // a 200 for another pair than the one asked
  latencies: number[]; // ms, answered requests
  seconds: number;
}

/** Starts `serve` on a free loopback port; resolves once it listens. */
async function startServe(): Promise<{ url: string; pid: number; stop: () => Promise<number | null> }> {
  const args = [
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    ...(runAt > 0 ? ['--run', process.argv[runAt + 1]] : []),
    ...(queue !== undefined ? ['--queue', String(queue)] : []),
  ];
  const main = join(root, 'src', 'cli', 'main.ts');
  const code = `import { main } from ${JSON.stringify(main)}; process.exitCode = await main(process.argv.slice(1));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/\S+) /.exec(out);
      if (m) resolve(m[1]);
    });
    void exit.then((c) => reject(new Error(`serve exited with ${c}: ${err.trim()}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** Peak resident memory of a process (Linux: VmHWM), in MB; null elsewhere. */
function peakRss(pid: number): number | null {
  const file = `/proc/${pid}/status`;
  const m = existsSync(file) ? /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8')) : null;
  return m ? Number(m[1]) / 1024 : null;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null;

/** Sends `bodies` to `path` from `concurrency` clients; `matches` checks a 200's answer against its body. */
async function phase(url: string, path: string, bodies: object[], matches: (body: any, answer: any) => boolean): Promise<Phase> {
  // any: the answers are checked by `matches` only
  const p: Phase = { answered: 0, rejected_503: 0, lost: 0, mismatched: 0, latencies: [], seconds: 0 };
  const deadline = Date.now() + maxSeconds * 1000;
  let next = 0;
  const t0 = performance.now();
  const client = async () => {
    while (next < bodies.length && Date.now() < deadline) {
      const body = bodies[next++];
      const s = performance.now();
      try {
        const res = await fetch(url + path, {
          method: 'POST',
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
        const answer = (await res.json()) as unknown;
        if (res.status === 200) {
          p.answered++;
          p.latencies.push(performance.now() - s);
          if (!matches(body, answer)) p.mismatched++;
        } else if (res.status === 503 && res.headers.get('retry-after')) p.rejected_503++;
        else p.lost++;
      } catch {
        p.lost++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  p.seconds = (performance.now() - t0) / 1000;
  p.lost += bodies.length - next; // never sent: the time bound
  p.latencies.sort((a, b) => a - b);
  return p;
}

const t0 = performance.now();
const server = await startServe();
const loadSeconds = (performance.now() - t0) / 1000;
try {
  const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { users: number; items: number }[] };
  const { users, items } = models.data[0];
  const rng = new Rng(15);
  const seen = new Set<string>();
  const pairs: { user: number; item: number }[] = [];
  while (pairs.length < requests) {
    const pair = { user: 1 + rng.int(users), item: 1 + rng.int(items) };
    if (!seen.has(`${pair.user}/${pair.item}`)) (seen.add(`${pair.user}/${pair.item}`), pairs.push(pair));
  }
  const recUsers = pairs.map((x) => ({ user: x.user, k: 10 }));
  for (const [path, body] of [
    ['/v1/explain', pairs[0]],
    ['/v1/recommend', recUsers[0]],
  ] as const)
    await fetch(server.url + path, { method: 'POST', body: JSON.stringify(body) }); // warm-up, not counted
  type Pred = { predictions: { user: number; item?: number }[] };
  const ex = await phase(
    server.url,
    '/v1/explain',
    pairs,
    (b, a: Pred) => a.predictions[0].user === b.user && a.predictions[0].item === b.item,
  );
  const rec = await phase(server.url, '/v1/recommend', recUsers, (b, a: Pred) => a.predictions[0].user === b.user);
  const rss = peakRss(server.pid);
  const stopped = await server.stop();
  if (stopped !== 0) throw new Error(`serve exited with ${stopped} after SIGTERM`);
  const figures = (prefix: string, p: Phase) => ({
    [`${prefix}answered`]: p.answered,
    [`${prefix}rejected_503`]: p.rejected_503,
    [`${prefix}lost`]: p.lost,
    [`${prefix}mismatched`]: p.mismatched,
    [`${prefix}p50_ms`]: quantile(p.latencies, 0.5),
    [`${prefix}p95_ms`]: quantile(p.latencies, 0.95),
    [`${prefix}throughput_rps`]: p.answered / p.seconds,
    [`${prefix}seconds`]: p.seconds,
  });
  writeResult('serve', {
    requests,
    concurrency,
    queue: queue ?? null,
    ...figures('', ex),
    ...figures('recommend_', rec),
    peak_rss_mb: rss,
    load_seconds: loadSeconds,
  });
  if (ex.lost + ex.mismatched + rec.lost + rec.mismatched > 0) process.exitCode = 1;
} catch (e) {
  await server.stop();
  throw e;
}
