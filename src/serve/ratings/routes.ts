// The rating routes. POST /v1/rate/session {rater, cases?} opens a blind session — the next `cases`
// cases of the pool the rater has not rated, each with every explainer's text in a fresh random order,
// labelled A, B, … and never named — or {session} reopens one with its ratings so far. POST /v1/ratings
// {session, slot, rating} stores one rating (0–3, the rubric's levels), durable when it answers.
// GET /v1/ratings/agreement: live agreement (agreement.ts); GET /v1/ratings.csv and .jsonl: the export.
import { randomInt } from 'node:crypto';
import { Rng } from '../../engine/rng.js';
import { RUBRIC } from '../../explain/judge/rubric.js';
import { badRequest, unprocessable } from '../http_error.js';
import { subject } from '../instance.js';
import { noBody, RawBody, route, type Route } from '../route.js';
import type { Service } from '../service.js';
import { int, object, str } from '../validate.js';
import { agreement } from './agreement.js';
import { ratingsCsv, ratingsJsonl } from './export.js';
import type { Pool } from './pool.js';
import type { RatingStore, Session } from './store.js';

export interface SessionView {
  session: string;
  rater: string;
  created: string;
  rubric: typeof RUBRIC;
  cases: {
    key: string;
    history: { item: number; title: string }[]; // what the explainers were shown, oldest first
    item: { item: number; title: string };
    decision: 'yes' | 'no'; // f's
    explanations: { slot: number; label: string; text: string; rating: number | null }[]; // blind: no explainer names
  }[];
  slots: number;
  rated: number;
}

const RATER = /^[\p{L}\p{N}_.@ -]{1,64}$/u;
const MAX_CASES = 50;

function parseRater(o: Record<string, unknown>): string {
  const rater = str(o, 'rater', 64)?.trim();
  if (!rater) throw badRequest('"rater" is missing: give a rater id (letters, digits, _ . @ - or spaces, at most 64)');
  if (!RATER.test(rater)) throw badRequest(`"rater" may hold letters, digits, _ . @ - and spaces only, got ${JSON.stringify(rater)}`);
  return rater;
}

/** The routes over the store (opened on first use by `ratings`) and the run's pool. */
export function ratingRoutes(svc: Service, ratings: () => RatingStore, pool: Pool): Route[] {
  const known = (id: string): Session => {
    const s = ratings().session(id);
    if (!s) throw unprocessable(`"session": unknown session ${JSON.stringify(id)} (open one with POST /v1/rate/session {"rater": …})`);
    return s;
  };
  const shown = (user: number) => subject(svc, { user }, 'body', svc.maxHistory).history;

  const view = (s: Session): SessionView => {
    const given = new Map(
      ratings()
        .ratingsOf(s.id)
        .map((r) => [r.slot, r.rating]),
    );
    const cases: SessionView['cases'] = [];
    s.slots.forEach((slot, i) => {
      let c = cases.at(-1);
      if (c?.key !== slot.case) {
        const p = pool.byKey.get(slot.case)!;
        c = {
          key: p.key,
          history: shown(p.user).map((item) => ({ item, title: svc.titles[item] })),
          item: { item: p.item, title: svc.titles[p.item] },
          decision: p.decision,
          explanations: [],
        };
        cases.push(c);
      }
      const label = String.fromCharCode(65 + c.explanations.length);
      c.explanations.push({ slot: i, label, text: pool.byKey.get(slot.case)!.texts[slot.explainer].text, rating: given.get(i) ?? null });
    });
    return { session: s.id, rater: s.rater, created: s.created, rubric: RUBRIC, cases, slots: s.slots.length, rated: given.size };
  };

  const open = (body: unknown): Session => {
    const o = object(body, ['rater', 'cases', 'session']);
    const id = str(o, 'session', 100);
    if (id !== undefined) {
      if (o.rater !== undefined || o.cases !== undefined)
        throw badRequest('give "session" alone to reopen one, or "rater" (and "cases") to open one');
      return known(id);
    }
    const rater = parseRater(o);
    const n = int(o, 'cases', 'body', 1, MAX_CASES) ?? 5;
    if (pool.cases.length === 0)
      throw unprocessable(`this run has no explanations to rate: its explain stage wrote no rows under ${pool.dir}`);
    const done = ratings().casesRatedBy(rater);
    const next = pool.cases.filter((c) => !done.has(c.key)).slice(0, n);
    if (next.length === 0) throw unprocessable(`rater ${JSON.stringify(rater)} has rated every case of this run (${pool.cases.length})`);
    const rng = new Rng(randomInt(2 ** 31)); // a fresh order of the explainers per session
    const slots = next.flatMap((c) => rng.shuffle([...pool.explainers]).map((explainer) => ({ case: c.key, explainer })));
    return ratings().createSession(rater, slots);
  };

  return [
    route('POST', '/v1/rate/session', false, open, view),
    route(
      'POST',
      '/v1/ratings',
      false,
      (body) => {
        const o = object(body, ['session', 'slot', 'rating']);
        const id = str(o, 'session', 100);
        const slot = int(o, 'slot', 'body', 0);
        const rating = int(o, 'rating', 'body', 0, 3);
        if (id === undefined || slot === undefined || rating === undefined)
          throw badRequest('give "session", "slot" and "rating" (0–3, the rubric\'s levels)');
        const s = known(id);
        if (slot >= s.slots.length) throw unprocessable(`"slot": session ${id} has slots 0..${s.slots.length - 1}, got ${slot}`);
        return { s, slot, rating };
      },
      ({ s, slot, rating }) => {
        const r = ratings().rate(s, slot, rating);
        return { session: s.id, slot, rating: r.rating, time: r.time, rated: ratings().ratingsOf(s.id).length, slots: s.slots.length };
      },
    ),
    route('GET', '/v1/ratings/agreement', false, noBody, () => agreement(ratings().all(), pool)),
    route(
      'GET',
      '/v1/ratings.csv',
      false,
      noBody,
      () => new RawBody('text/csv; charset=utf-8', ratingsCsv(ratings().all(), pool), disposition('csv')),
    ),
    route(
      'GET',
      '/v1/ratings.jsonl',
      false,
      noBody,
      () => new RawBody('application/x-ndjson; charset=utf-8', ratingsJsonl(ratings().all(), pool), disposition('jsonl')),
    ),
  ];
}

const disposition = (ext: string) => ({ 'content-disposition': `attachment; filename="ratings.${ext}"` });
