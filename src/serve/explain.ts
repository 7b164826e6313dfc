// POST /v1/explain: f's prediction for each instance (score, rank, decision, leave-one-out
// contributors) and, per explainer (the template baseline and every LM of the run), its explanation
// scored against f exactly as `explain` scores it (explain/evaluate.ts: agreement, attribution P@3,
// hallucinated titles, fact accuracy, the rule judge), with the titles it cites and the aspects it
// covers. Instances in, predictions + explanations out (KServe's :explain shape): a body is one
// instance {user?, history?, item, aspect?, explainers?} or {instances: [{user?, history?, item}], aspect?, explainers?}.
import { explainCases } from '../explain/cases.js';
import { scoreExplanations } from '../explain/evaluate.js';
import { LM_EXPLAINER_DEFAULTS, lmExplainer, templateExplainer, type Explainer } from '../explain/explainers.js';
import { coveredAspects } from '../facts/aspects.js';
import { citedTitles } from '../facts/cite.js';
import type { Decision } from '../facts/decision.js';
import type { Rating } from '../explain/rule_judge.js';
import { subject, itemId, type Subject } from './instance.js';
import { badRequest } from './http_error.js';
import { predict, type Prediction } from './prediction.js';
import { record } from './prompts.js';
import { view, type Service } from './service.js';
import { instancesOf, between } from './batch.js';
import { names, str } from './validate.js';

export interface ExplainRequest {
  instances: { subject: Subject; item: number }[];
  aspect?: string;
  explainers: string[];
}

export interface Explanation {
  decision: Decision | null; // the decision its first sentence states
  text: string;
  cited: { item: number; title: string }[]; // catalogue titles it cites, in order
  aspects: string[]; // what it covers: themes, era, history (facts/aspects.ts)
  checks: {
    agreement: boolean; // its decision is f's
    hallucinated_titles: string[]; // cited titles it had no grounds to (not the history, the item or f's nearest item)
    'attribution_p@3': number; // cited history items among f's top-3 contributors
    fact_accuracy: number | null; // share of its stated themes / eras the metadata bears out; null when it states none
    false_facts: string[];
    rule_judge: { rating: Rating; reasons: string[] };
  };
}

export interface ExplainResponse {
  predictions: Prediction[];
  explanations: Record<string, Explanation>[]; // per instance, by explainer
  seconds: Record<string, number>; // per explainer, all instances
}

const PER_INSTANCE = ['user', 'history', 'item'];
const SHARED = ['aspect', 'explainers'];
export const MAX_INSTANCES = 16;
const TEMPLATE_SEED = 7; // the template baseline's coin flips: the same answer to the same request

/** The explainers a run offers: the template baseline, then its LMs. */
export function explainerNames(svc: Service): string[] {
  return ['template', ...svc.lms.map((l) => l.name)];
}

export function parseExplain(svc: Service, body: unknown, historyLimit: number): ExplainRequest {
  const { shared, instances } = instancesOf(body, PER_INSTANCE, SHARED, MAX_INSTANCES);
  return {
    instances: instances.map(({ o, path }) => {
      const item = itemId(svc, o, 'item', path);
      if (item === undefined) throw badRequest(`${path === 'body' ? '' : `${path}: `}"item" is missing: give the item id to explain`);
      return { subject: subject(svc, o, path, historyLimit), item };
    }),
    aspect: str(shared, 'aspect', 200)?.trim() || undefined,
    explainers: names(shared, 'explainers', explainerNames(svc)) ?? explainerNames(svc),
  };
}

export async function explain(svc: Service, req: ExplainRequest, signal: AbortSignal): Promise<ExplainResponse> {
  const predictions = req.instances.map((x) => predict(svc, x.subject, x.item));
  const key = (i: number) => `q${i}-i${req.instances[i].item}`;
  const decisions = new Map(predictions.map((p, i) => [key(i), p.decision]));
  const recordsOf = (form: 'B' | 'I' | 'H') => req.instances.map((x, i) => record(svc, 7, form, key(i), x.subject, { item: x.item }));
  const cases = explainCases(recordsOf('I'), 'request', svc.rec, svc.ds.items, svc.maxHistory, 0, 0, (k) => decisions.get(k)!);
  const explanations: Record<string, Explanation>[] = req.instances.map(() => ({}));
  const seconds: Record<string, number> = {};
  for (const name of req.explainers) {
    await between(signal);
    const lm = svc.lms.find((l) => l.name === name);
    const e: Explainer = lm
      ? lmExplainer(name, view(svc, lm), recordsOf(lm.form), 'request', {
          ...LM_EXPLAINER_DEFAULTS,
          aspect: req.aspect,
          spans: { titles: svc.titles, maxHistory: svc.maxHistory, itemFirst: lm.surrogate.itemFirst },
          facts: svc.prose && { catalogue: svc.catalogue, metadata: svc.metadata, prose: svc.prose },
        })
      : templateExplainer(svc.titles, svc.ds.items, TEMPLATE_SEED);
    const t0 = performance.now();
    const texts = e.explain(cases);
    seconds[name] = (performance.now() - t0) / 1000;
    cases.forEach((c, i) => {
      const { metrics, rows } = scoreExplanations([c], [texts[i]], svc.catalogue, svc.metadata, 0);
      const row = rows[0];
      explanations[i][name] = {
        decision: row.decision as Decision | null,
        text: row.text,
        cited: citedTitles(row.text, svc.catalogue).items.map((item) => ({ item, title: svc.titles[item] })),
        aspects: [...coveredAspects(row.text, c, svc.catalogue)],
        checks: {
          agreement: row.decision === c.decision,
          hallucinated_titles: row.hallucinated,
          'attribution_p@3': row.precision,
          fact_accuracy: metrics.fact_accuracy,
          false_facts: row.false_facts,
          rule_judge: { rating: row.rating, reasons: row.reasons },
        },
      };
    });
  }
  return { predictions, explanations, seconds };
}
