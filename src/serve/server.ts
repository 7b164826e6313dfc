// The HTTP server (node:http, one process): routes requests to the API (api.ts), the rating routes over
// the run's SQLite store (ratings/) and the web UI (assets.ts), reads bodies up to
// --max-body (413 beyond), answers every error as one JSON line {"error": {status, message}} and
// never a stack trace, runs model routes on a bounded queue (queue.ts: 503 + Retry-After when full),
// times requests out (--timeout: 503 while still waiting, 504 once started), and stops gracefully:
// close() refuses new connections and requests (503, Connection: close), lets queued and running
// requests finish, then closes every connection and the rating store.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';
import { routes as apiRoutes, type ServerStatus } from './api.js';
import { uiRoutes } from './assets.js';
import { readPool } from './ratings/pool.js';
import { ratingRoutes } from './ratings/routes.js';
import { RatingStore } from './ratings/store.js';
import { RawBody, type Route } from './route.js';
import type { ServeConfig } from './config.js';
import { errorBody, HttpError } from './http_error.js';
import { QueueFull, WorkQueue } from './queue.js';
import type { Service } from './service.js';

export interface Server {
  url: string; // http://host:port
  queue: WorkQueue;
  /** Drains: refuses new requests, waits for the ones in progress, closes every connection. */
  close(): Promise<void>;
}

type Log = (line: string) => void;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const raw = body instanceof RawBody;
  const data = raw ? body.body : JSON.stringify(body);
  const type = raw ? body.type : 'application/json; charset=utf-8';
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(data), ...(raw ? body.headers : {}), ...headers });
  res.end(data);
}

/** The request body, at most `max` bytes (a 413 HttpError beyond). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const tooBig = () => new HttpError(413, `the body is over ${max} bytes (--max-body)`, { connection: 'close' });
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.reject(tooBig());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooBig());
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'the body is empty: send a JSON object');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `the body is not valid JSON (${(e as Error).message})`);
  }
}

export async function startServer(svc: Service, cfg: ServeConfig, log: Log = () => {}): Promise<Server> {
  const ui = await uiRoutes(svc.dir);
  const pool = readPool(svc.dir);
  const ratingsFile = cfg.ratings ?? join(svc.dir, 'ratings.sqlite');
  let store: RatingStore | undefined; // opened by the first rating route: serving never writes to the run folder unless someone rates
  const ratings = (): RatingStore => {
    try {
      return (store ??= new RatingStore(ratingsFile));
    } catch (e) {
      throw new HttpError(503, (e as Error).message);
    }
  };
  const queue = new WorkQueue(cfg.workers, cfg.queue);
  let draining = false;
  let inFlight = 0;
  let settle: (() => void) | undefined; // resolves close() once inFlight reaches 0 while draining
  const status = (): ServerStatus => ({
    draining,
    workers: queue.workers,
    running: queue.running,
    waiting: queue.queued,
    queueLimit: queue.limit,
  });
  const table: Route[] = [...apiRoutes(svc, cfg, status), ...ratingRoutes(svc, ratings, pool), ...ui];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '') || '/';
    if (draining) throw new HttpError(503, 'the server is shutting down', { connection: 'close' });
    const onPath = table.filter((r) => r.path === path);
    if (onPath.length === 0)
      throw new HttpError(404, `no route ${req.method} ${path} (routes: ${table.map((r) => `${r.method} ${r.path}`).join(', ')})`);
    const r = onPath.find((x) => x.method === req.method);
    if (!r)
      throw new HttpError(405, `${path} takes ${onPath.map((x) => x.method).join(', ')}, not ${req.method}`, {
        allow: onPath.map((x) => x.method).join(', '),
      });
    const body = r.method === 'POST' ? parseJson(await readBody(req, cfg.maxBody)) : undefined;
    const request = r.parse(body) as never;
    if (!r.queued) return send(res, 200, await r.answer(request, new AbortController().signal));
    const ac = new AbortController();
    let started = false;
    const timer = setTimeout(
      () =>
        ac.abort(
          started
            ? new HttpError(504, `the request took longer than --timeout ${cfg.timeout} s`)
            : new HttpError(503, `the request waited longer than --timeout ${cfg.timeout} s for a worker`, {
                'retry-after': String(queue.retryAfter()),
              }),
        ),
      cfg.timeout * 1000,
    );
    res.on('close', () => res.writableFinished || ac.abort(new HttpError(499, 'the client went away')));
    try {
      const out = await queue.run(async () => {
        started = true;
        return r.answer(request, ac.signal);
      }, ac.signal);
      if (ac.signal.aborted) throw ac.signal.reason;
      send(res, 200, out, draining ? { connection: 'close' } : {});
    } finally {
      clearTimeout(timer);
    }
  }

  const server = createServer((req, res) => {
    const t0 = performance.now();
    inFlight++;
    res.on('close', () => {
      log(`${req.method} ${req.url} ${res.writableFinished ? res.statusCode : 'aborted'} ${Math.round(performance.now() - t0)} ms`);
      if (--inFlight === 0) settle?.();
    });
    handle(req, res).catch((err: unknown) => {
      if (err instanceof QueueFull)
        return send(res, 503, errorBody(503, `busy: ${queue.queued} requests wait for a worker (--queue ${queue.limit})`), {
          'retry-after': String(err.retryAfterS),
        });
      if (err instanceof HttpError) return send(res, err.status, errorBody(err.status, err.message), err.headers);
      if (err instanceof UserError) return send(res, 422, errorBody(422, err.message));
      const e = err as Error;
      log(`internal error on ${req.method} ${req.url}: ${e?.stack ?? String(err)}`);
      send(res, 500, errorBody(500, `internal error: ${e?.message ?? String(err)}`));
    });
  });
  server.requestTimeout = cfg.timeout * 1000; // receiving a whole request
  server.headersTimeout = Math.min(60_000, cfg.timeout * 1000);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      draining = true;
      server.close(() => {
        store?.close();
        resolve();
      });
      server.closeIdleConnections();
      const done = () => server.closeAllConnections(); // in-flight answers are out: no connection has work left
      if (inFlight === 0) done();
      else settle = done;
    }));

  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new UserError(`--port ${cfg.port}: the address ${cfg.host}:${cfg.port} is in use; pick another --port`)
          : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
            ? new UserError(`--host ${cfg.host}: cannot listen on that address`)
            : e,
      ),
    );
    server.listen(cfg.port, cfg.host, () => {
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({ url: `http://${host}:${a.port}`, queue, close });
    });
  });
}
