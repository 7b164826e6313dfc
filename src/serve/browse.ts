// What the UI browses before it asks a model anything: a user's history with each item's title, year and
// themes (POST /v1/history {user}), and items found by title (POST /v1/items {query, limit?}). Validated
// like the model routes (400 shape, 422 unknown ids); answered at once, never queued.
import { badRequest } from './http_error.js';
import { subject } from './instance.js';
import type { Service } from './service.js';
import { int, object, str } from './validate.js';

export interface ItemView {
  item: number;
  title: string;
  year: number | null;
  themes: readonly string[];
}

export interface HistoryRequest {
  user: number;
  history: number[];
}

const MAX_ITEMS = 100;

export function itemView(svc: Service, item: number): ItemView {
  const f = svc.metadata.of(item);
  return { item, title: svc.titles[item], year: f.year, themes: f.themes };
}

export function parseHistory(svc: Service, body: unknown, historyLimit: number): HistoryRequest {
  const o = object(body, ['user']);
  if (o.user === undefined) throw badRequest('"user" is missing: give a user id');
  const s = subject(svc, o, 'body', historyLimit);
  return { user: s.user!, history: s.history };
}

/** The user's test-time history (oldest first), as the model routes read it for "user". */
export function history(svc: Service, r: HistoryRequest): { user: number; history: ItemView[] } {
  return { user: r.user, history: r.history.map((i) => itemView(svc, i)) };
}

export function parseItems(body: unknown): { query: string; limit: number } {
  const o = object(body, ['query', 'limit']);
  const query = str(o, 'query', 200)?.trim();
  if (!query) throw badRequest('"query" is missing or blank: give part of a title');
  return { query: query.toLowerCase(), limit: int(o, 'limit', 'body', 1, MAX_ITEMS) ?? 20 };
}

/** Items whose title contains the query (any case), those starting with it first, then by id. */
export function items(svc: Service, r: { query: string; limit: number }): { items: ItemView[] } {
  const hits: [number, number][] = []; // [where the query starts in the title, id]
  for (let id = 1; id < svc.titles.length; id++) {
    const at = svc.titles[id].toLowerCase().indexOf(r.query);
    if (at >= 0) hits.push([at === 0 ? 0 : 1, id]);
  }
  hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { items: hits.slice(0, r.limit).map(([, id]) => itemView(svc, id)) };
}
