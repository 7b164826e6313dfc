// POST /v1/recommend and POST /v1/rank: f's answer and each language model's answer to the same
// question, the alignment tasks 1 and 2 of the paper on one instance. recommend {user?, history?, k,
// models?}: f's top-k outside the history, and each model's 5 beams for task 1 (f's next item),
// decoded grounded in the catalogue as `eval` does (only titles outside the shown history).
// rank {user?, history?, items, models?}: f's order of 2–5 candidates outside the history, and each
// model's task-2 answer, grounded to a permutation, with NDCG@5 against f's order as Table 1 computes it.
import { titleKey } from '../data/text_forms.js';
import { LM_METHOD_DEFAULTS, lmMethod } from '../eval/lm_method.js';
import { splitAnswer } from '../eval/metrics.js';
import type { MethodName } from '../eval/method.js';
import { refTask1, refTask2 } from '../eval/reference_metrics.js';
import { between, instancesOf } from './batch.js';
import { badRequest, unprocessable } from './http_error.js';
import { itemIds, subject, type Subject } from './instance.js';
import { order, topK, type Scored } from './prediction.js';
import { ANON, record } from './prompts.js';
import { view, withHistory, type Lm, type Service } from './service.js';
import { int, names } from './validate.js';

/** A model's answer, each named title with the item it names (null: no catalogue title). */
export interface Answer {
  text: string;
  titles: { title: string; item: number | null }[];
}

export interface RecommendPrediction {
  user: number | null;
  history: number[];
  f: Scored[]; // f's top-k
  models: Record<string, Answer & { 'hr@5': number; 'ndcg@5': number }>; // 5 beams, best first; f's top-1 among them (Table 1, task 1)
}

export interface RankPrediction {
  user: number | null;
  history: number[];
  f: Scored[]; // the candidates in f's order
  models: Record<string, Answer & { 'ndcg@5': number }>; // its order; Table 1's task-2 NDCG@5 against f's
}

const MAX_INSTANCES = 8;
export const MAX_K = 100;
const MAX_CANDIDATES = 5; // task 2's relevance grades (reference_metrics.ts) cover five

/** The LMs a request named (names() checked them against the run's), by default the aligned ones, in the run's order. */
function pick(svc: Service, asked: string[] | undefined): Lm[] {
  const want = asked ?? svc.lms.filter((l) => l.aligned).map((l) => l.name);
  return svc.lms.filter((l) => want.includes(l.name));
}

/** The LMs a request names in its shared "models" field (checked against the run's; default: the aligned ones). */
function askedModels(svc: Service, shared: Record<string, unknown>): Lm[] {
  return pick(
    svc,
    names(
      shared,
      'models',
      svc.lms.map((l) => l.name),
    ),
  );
}

function answer(svc: Service, text: string): Answer['titles'] {
  return splitAnswer(text).map((title) => ({ title, item: svc.byKey.get(titleKey(title)) ?? null }));
}

export function parseRecommend(svc: Service, body: unknown, historyLimit: number) {
  const { shared, instances } = instancesOf(body, ['user', 'history'], ['k', 'models'], MAX_INSTANCES);
  return {
    instances: instances.map(({ o, path }) => subject(svc, o, path, historyLimit)),
    k: int(shared, 'k', 'body', 1, MAX_K) ?? 10,
    models: askedModels(svc, shared),
  };
}

export async function recommend(
  svc: Service,
  req: ReturnType<typeof parseRecommend>,
  signal: AbortSignal,
): Promise<{ predictions: RecommendPrediction[] }> {
  const predictions: RecommendPrediction[] = [];
  for (const [i, s] of req.instances.entries()) {
    const f = topK(svc, s, req.k);
    const models: RecommendPrediction['models'] = {};
    for (const lm of req.models) {
      await between(signal);
      const r = record(svc, 1, lm.form, `q${i}`, s, {});
      const m = lmMethod(lm.name as MethodName, view(svc, lm), 'request', { ...LM_METHOD_DEFAULTS, grounding: lm.grounding });
      const beams = withHistory(lm, s.user ?? ANON, s.history, () => m.top5!([r])[0]);
      const hit = refTask1(beams, f[0]?.title ?? '', 5);
      models[lm.name] = {
        text: beams.join('\n'),
        titles: beams.map((b) => answer(svc, b)[0] ?? { title: b, item: null }),
        'hr@5': hit.hit,
        'ndcg@5': hit.ndcg,
      };
    }
    predictions.push({ user: s.user, history: s.history, f, models });
  }
  return { predictions };
}

export function parseRank(svc: Service, body: unknown, historyLimit: number) {
  const { shared, instances } = instancesOf(body, ['user', 'history', 'items'], ['models'], MAX_INSTANCES);
  return {
    instances: instances.map(({ o, path }) => {
      const s: Subject = subject(svc, o, path, historyLimit);
      const items = itemIds(svc, o, 'items', path);
      const at = path === 'body' ? '"items"' : `"${path}.items"`;
      if (items === undefined) throw badRequest(`${at} is missing: give 2..${MAX_CANDIDATES} item ids to rank`);
      if (items.length < 2 || items.length > MAX_CANDIDATES || new Set(items).size !== items.length)
        throw unprocessable(
          `${at} must hold 2..${MAX_CANDIDATES} distinct item ids, got ${items.length}${new Set(items).size !== items.length ? ' with repeats' : ''}`,
        );
      const seen = new Set(s.history);
      const inHistory = items.find((i) => seen.has(i));
      if (inHistory !== undefined) throw unprocessable(`${at}: item ${inHistory} is in the history; task 2 ranks items outside it`);
      return { subject: s, items };
    }),
    models: askedModels(svc, shared),
  };
}

export async function rank(
  svc: Service,
  req: ReturnType<typeof parseRank>,
  signal: AbortSignal,
): Promise<{ predictions: RankPrediction[] }> {
  const predictions: RankPrediction[] = [];
  for (const [i, { subject: s, items }] of req.instances.entries()) {
    const f = order(svc, s, items);
    const models: RankPrediction['models'] = {};
    for (const lm of req.models) {
      await between(signal);
      const r = record(svc, 2, lm.form, `q${i}`, s, { candidates: items });
      const m = lmMethod(lm.name as MethodName, view(svc, lm), 'request', { ...LM_METHOD_DEFAULTS, grounding: lm.grounding });
      const text = withHistory(lm, s.user ?? ANON, s.history, () => m.rank!([r])[0]);
      models[lm.name] = {
        text,
        titles: answer(svc, text),
        'ndcg@5': refTask2(
          text,
          f.map((x) => x.title),
          5,
        ),
      };
    }
    predictions.push({ user: s.user, history: s.history, f, models });
  }
  return { predictions };
}
