// `recexplainer serve` as a process: which run folder it serves (the latest finished one under
// runs/, or a one-line error naming `npx recexplainer run`), a port in use as one line, and SIGTERM
// draining it: a request whose body is still arriving when the signal comes is answered in full, a new
// connection is refused, and the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyRun } from './fixture.js';
import { MARKER } from '../../src/engine/out_folder.js';
import { runDir } from '../../src/serve/run_dir.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// tsx by its path, so that the CLI can run in any working directory
const NODE_ARGS = [
  '--import',
  import.meta.resolve('tsx'),
  '--input-type=module',
  '-e',
  `import { main } from ${JSON.stringify(ROOT + 'src/cli/main.ts')}; process.exitCode = await main(process.argv.slice(1));`,
];

/** A folder that looks like a finished run (marker + report.json) or like another stage's. */
function fakeRun(dir: string, kind = 'run', at?: number): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), JSON.stringify({ kind, version: '0', config_hash: '', config: {} }));
  writeFileSync(join(dir, 'report.json'), '{}');
  if (at !== undefined) utimesSync(join(dir, 'report.json'), at, at);
  return dir;
}

test('the run folder: the latest finished run under runs/; none is one line naming `npx recexplainer run`', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'serve-cwd-'));
  const r = spawnSync(process.execPath, [...NODE_ARGS, 'serve'], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(
    r.stderr,
    `recexplainer: no finished run under ${join(cwd, 'runs')}: make one with \`npx recexplainer run\` (or give --run DIR)\n`,
  );
  const old = fakeRun(join(cwd, 'runs', 'old'), 'run', 1_000_000);
  fakeRun(join(cwd, 'runs', 'new'), 'run', 2_000_000);
  fakeRun(join(cwd, 'runs', 'newest-but-eval'), 'eval', 3_000_000); // not a run
  mkdirSync(join(cwd, 'runs', 'unfinished'));
  assert.equal(runDir(undefined, cwd), join(cwd, 'runs', 'new'));
  assert.equal(runDir('runs/old', cwd), old);
  assert.throws(
    () => runDir('runs/newest-but-eval', cwd),
    /^UserError: --run runs\/newest-but-eval: not a finished run folder \(no run marker or no report\.json\); make one with `npx recexplainer run`$/,
  );
  assert.throws(() => runDir('runs/none', cwd), /--run runs\/none: no such folder/);
});

/** Starts `serve` on the tiny run; resolves with the child and its URL once it listens. */
async function serve(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [...NODE_ARGS, 'serve', '--run', await tinyRun(), '--port', '0', ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/\S+) /.exec(out);
      if (m) resolve(m[1]);
    });
    void exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err, exit };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

test('SIGTERM drains: a request still sending its body is answered in full, a new connection is refused, exit 0', async () => {
  const s = await serve([]);
  const { port, hostname } = new URL(s.url);
  const body = JSON.stringify({ user: 4, item: 9, explainers: ['template', 'recexplainer-h'] });
  // the request's head and half its body now, the rest after the signal
  const sock = connect(Number(port), hostname);
  let answer = '';
  sock.on('data', (d) => (answer += d));
  const ended = new Promise<void>((r) => sock.on('close', () => r()));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const cut = Math.floor(body.length / 2);
  sock.write(
    `POST /v1/explain HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, cut)}`,
  );
  await new Promise((r) => setTimeout(r, 200)); // the server has read the head
  s.child.kill('SIGTERM');
  await until(() => /SIGTERM: draining/.test(s.stderr()), `no draining line: ${s.stderr()}`);
  await assert.rejects(fetch(`${s.url}/v1/health`), 'a new connection while draining');
  sock.write(body.slice(cut));
  await ended;
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(answer, /\r\nconnection: close\r\n/i);
  const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { predictions: { item: number }[]; explanations: object[] };
  assert.equal(json.predictions[0].item, 9);
  assert.deepEqual(Object.keys(json.explanations[0]), ['template', 'recexplainer-h']);
  assert.equal(await s.exit, 0);
  assert.match(s.stderr(), /POST \/v1\/explain 200 \d+ ms\n[\s\S]*stopped\n$/);
});

test('a port in use is one line naming --port', async () => {
  const s = await serve([]);
  try {
    const port = new URL(s.url).port;
    const r = spawnSync(process.execPath, [...NODE_ARGS, 'serve', '--run', await tinyRun(), '--port', port], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(`^recexplainer: --port ${port}: the address 127\\.0\\.0\\.1:${port} is in use; pick another --port\\n$`, 'm'),
    );
    assert.doesNotMatch(r.stderr, /internal error|^\s+at /m);
  } finally {
    s.child.kill('SIGTERM');
    assert.equal(await s.exit, 0);
  }
});
