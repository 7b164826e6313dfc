// Configuration of `recexplainer serve`, one spec (src/engine/options.ts) for the config, its
// defaults and its flags (--max-body ↔ maxBody, --history-limit ↔ historyLimit). The service answers from one run folder.
import { defaultsOf, int, maybe, opt, text, type ConfigOf, type Spec } from '../engine/options.js';

export const SERVE_SPEC = {
  run: maybe(text('<dir>'), 'run folder to serve (from `recexplainer run`; default: the latest finished one under runs/)'),
  host: opt('127.0.0.1', text('<host>'), 'address to listen on'),
  port: opt(8080, int(0, '<port>'), 'port to listen on (0 = any free port)'),
  workers: opt(1, int(1), 'model calls in progress at once (CPU-bound, in this process: more only interleave them)'),
  queue: opt(32, int(0), 'requests that may wait for a worker; one more is refused with 503 and Retry-After'),
  timeout: opt(120, int(1, '<s>'), 'seconds a request may take, waiting included (503 while waiting, 504 once started)'),
  maxBody: opt(65536, int(1, '<bytes>'), 'largest request body (413 above)'),
  historyLimit: opt(200, int(1), 'longest history a request may give (422 above)'),
  ratings: maybe(text('<file>'), 'SQLite file of the blind ratings (default: <run>/ratings.sqlite)'),
} satisfies Spec;

export type ServeConfig = ConfigOf<typeof SERVE_SPEC>;

export const SERVE_DEFAULTS = defaultsOf(SERVE_SPEC);
