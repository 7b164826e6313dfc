// The routes of the JSON API, versioned under /v1: what each takes (parse: the body → a validated
// request, or a 4xx HttpError) and answers. Model routes are `queued` (they run on the server's
// workers); the others answer at once, even while every worker is busy.
import { readFileSync, existsSync } from 'node:fs';
import { HttpError } from './http_error.js';
import { explain, explainerNames, parseExplain } from './explain.js';
import { parseRank, parseRecommend, rank, recommend } from './recommend.js';
import { chat, parseChat } from './chat.js';
import { history, items, parseHistory, parseItems } from './browse.js';
import type { Service } from './service.js';
import type { ServeConfig } from './config.js';
import { noBody, route, type Route } from './route.js';

/** What the server tells /v1/health. */
export interface ServerStatus {
  draining: boolean;
  workers: number;
  running: number;
  waiting: number;
  queueLimit: number;
}

const started = Date.now();

export function routes(svc: Service, cfg: ServeConfig, status: () => ServerStatus): Route[] {
  return [
    route('GET', '/v1/health', false, noBody, () => {
      const s = status();
      return {
        status: s.draining ? 'draining' : 'ok',
        run: svc.dir,
        uptime_s: Math.round((Date.now() - started) / 1000),
        models: ['f', ...svc.lms.map((l) => l.name)],
        queue: { workers: s.workers, running: s.running, waiting: s.waiting, limit: s.queueLimit },
      };
    }),
    route('GET', '/v1/models', false, noBody, () => ({
      object: 'list',
      data: [
        {
          id: 'f',
          object: 'model',
          owned_by: 'recexplainer',
          kind: 'recommender',
          type: svc.rec.kind,
          users: svc.rec.nUsers,
          items: svc.rec.nItems,
          hidden: svc.rec.hidden,
        },
        ...svc.lms.map((l) => ({
          id: l.name,
          object: 'model',
          owned_by: 'recexplainer',
          kind: l.aligned ? 'aligned-lm' : 'base-lm',
          form: l.form,
          path: l.dir,
          alignment_steps: l.steps,
          parameters: l.surrogate.model.variables().reduce((n, v) => n + v.size, 0),
          context: l.surrogate.model.cfg.max_position_embeddings,
        })),
      ],
      explainers: explainerNames(svc),
    })),
    route('GET', '/v1/report', false, noBody, () => {
      if (!existsSync(svc.reportFile)) throw new HttpError(404, `${svc.reportFile}: this run has no report.json`);
      return JSON.parse(readFileSync(svc.reportFile, 'utf8')) as unknown;
    }),
    route(
      'POST',
      '/v1/history',
      false,
      (b) => parseHistory(svc, b, cfg.historyLimit),
      (r) => history(svc, r),
    ),
    route('POST', '/v1/items', false, parseItems, (r) => items(svc, r)),
    route(
      'POST',
      '/v1/explain',
      true,
      (b) => parseExplain(svc, b, cfg.historyLimit),
      (r, signal) => explain(svc, r, signal),
    ),
    route(
      'POST',
      '/v1/recommend',
      true,
      (b) => parseRecommend(svc, b, cfg.historyLimit),
      (r, signal) => recommend(svc, r, signal),
    ),
    route(
      'POST',
      '/v1/rank',
      true,
      (b) => parseRank(svc, b, cfg.historyLimit),
      (r, signal) => rank(svc, r, signal),
    ),
    route(
      'POST',
      '/v1/chat/completions',
      true,
      (b) => parseChat(svc, b, cfg.historyLimit),
      (r, signal) => chat(svc, r, signal),
    ),
  ];
}
