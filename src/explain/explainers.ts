// Who writes explanations for the test cases: a language model (aligned or not) answering the
// task-7 prompt of its form by greedy decoding (an aspect, when given, is appended to the prompt;
// with title spans, each <title> span it opens can only name one of the case's citable items, and
// with the fact guard no token may complete a theme or era the metadata contradicts, the text
// keeps to the training explanations' prose (guardProse), and each title stands only where that
// prose cites a title of its role: facts/title_roles.ts; with leadOrder, a second pass cites a
// text's leading history items in the order of the model's first choice: lead_order.ts),
// or the template-only baseline that never consults f (a coin-flip decision, two random shown
// items, the candidate's themes), the reference point of the distinction experiments.
import { citableItems, citableRoles, explanationConstraint, promptExample, type TitleSpans } from '../align/examples.js';
import type { Surrogate } from '../align/model.js';
import type { TextEngine } from '../lm/decode/text_engine.js';
import type { Item } from '../data/process.js';
import { DataError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';
import type { TaskRecord } from '../tasks/forms.js';
import type { ExplainCase } from './cases.js';
import { caseRoles, pairKey } from './cases.js';
import { firstChoiceOrder, leadPrefix } from './lead_order.js';
import { aspectSuffix } from '../facts/aspects.js';
import { themes } from '../facts/targets.js';
import { factGuard, guardTables, type GuardTables } from '../facts/fact_guard.js';
import { knownWords, prose, wordTables, type Prose, type TitleRole, type WordTables } from '../facts/known_words.js';
import { titleRoles } from '../facts/title_roles.js';
import { titleIds } from '../lm/tokenizer/chat.js';
import type { Catalogue } from '../facts/cite.js';
import { bothConstraints, type Constraint } from '../lm/decode/constraint.js';
import { factContext, type Metadata } from './evaluate.js';

export interface Explainer {
  name: string;
  explain(cases: readonly ExplainCase[]): string[];
}

export interface LmExplainerOptions {
  maxNewTokens: number;
  batchSize: number; // cases decoded together
  aspect?: string; // e.g. "genre", "era", or free text: appended to the prompt as what to focus on
  spans?: TitleSpans; // grounded decoding: what title spans may hold; none = free
  facts?: { catalogue: Catalogue; metadata: Metadata; prose: Prose }; // with spans: refuse tokens completing a false theme or era (fact_guard.ts), and any word or mark the training explanations' prose does not use (known_words.ts)
  engine?: TextEngine; // decodes instead of our model (text-only prompts: the B form)
  leadOrder?: boolean; // with spans: a second pass citing the lead's history items in the order of the model's first choice (lead_order.ts)
}

/** 200 new tokens: the longest training explanation of the default data set is 191 tokens with its title spans (120 cut 9 % of them, and 12 % of H's grounded texts, mid-word or mid-title). */
export const LM_EXPLAINER_DEFAULTS: LmExplainerOptions = { maxNewTokens: 200, batchSize: 16 };

/** What the fact guard keeps texts to: the prose of task-7 training records (the titles each may cite cut out, where each role stands). */
export function guardProse(records: readonly TaskRecord[], titles: readonly string[], maxHistory: number): Prose {
  return prose(
    records
      .filter((r) => r.task === 7)
      .map((r) => {
        const cited: Map<number, TitleRole | undefined> =
          citableRoles(r, maxHistory) ?? new Map([...citableItems(r, maxHistory).keys()].map((i) => [i, undefined]));
        return { text: r.response, titles: [...cited.keys()].map((i) => titles[i]), roles: [...cited.values()] };
      }),
  );
}

/** Each case's task-7 record (by pair key) among `records`; a case without one is a DataError naming `source`. */
export function caseRecords(records: readonly TaskRecord[], source: string): (c: ExplainCase) => TaskRecord {
  const byKey = new Map(records.filter((r) => r.task === 7).map((r) => [pairKey(r.id), r]));
  return (c) => {
    const r = byKey.get(c.key);
    if (!r)
      throw new DataError(
        { file: source },
        `no task-7 record for pair ${c.key}, which the I-form test file has (files of different task builds?)`,
      );
    return r;
  };
}

/** An LM explaining each case through the task-7 record of its own form with the same pair key. */
export function lmExplainer(
  name: string,
  s: Surrogate,
  records: readonly TaskRecord[],
  source: string,
  opts: LmExplainerOptions = LM_EXPLAINER_DEFAULTS,
): Explainer {
  const recordOf = caseRecords(records, source);
  let tables: GuardTables | undefined;
  let words: WordTables | undefined;
  const constraint = (r: TaskRecord, c: ExplainCase, order?: readonly number[]): Constraint | undefined => {
    if (!opts.spans) return undefined;
    const spans = explanationConstraint(r, s.tok, opts.spans, order);
    if (!opts.facts) return spans;
    const { catalogue, metadata, prose } = opts.facts;
    const textVocab = s.itemFirst ?? s.tok.vocabSize;
    tables ??= guardTables(s.tok, metadata.vocabulary, textVocab, prose.words, prose.follows);
    words ??= wordTables(s.tok, prose, textVocab);
    const guard = factGuard(s.tok, tables, factContext(catalogue, metadata, c));
    // the guard's tokens in the training prose's word order; where none is, in its words; where none is, the guard's
    const written = bothConstraints(bothConstraints(guard, knownWords(s.tok, words, false)), knownWords(s.tok, words));
    const { itemFirst, titles, maxHistory } = opts.spans;
    const roles = caseRoles(c);
    const cited = [...citableItems(r, maxHistory).keys()]
      .filter((i) => roles.has(i))
      .map((i) => ({ role: roles.get(i)!, ids: itemFirst === undefined ? titleIds(s.tok, titles[i]) : [itemFirst + i - 1] }));
    // each title only where the training prose cites one of its role
    return bothConstraints(bothConstraints(spans, titleRoles(s.tok, prose, cited, textVocab, itemFirst === undefined)), written);
  };
  return {
    name,
    explain(cases) {
      const rs = cases.map(recordOf);
      const prompts = rs.map((r) =>
        promptExample(opts.aspect ? { ...r, prompt: r.prompt + aspectSuffix(opts.aspect) } : r, s.tok, s.vectors, source),
      );
      /** The texts of the cases at `at`, each under its constraint (with its lead's order, when given). */
      const decode = (at: readonly number[], orders?: readonly (readonly number[] | undefined)[]) => {
        const out: string[] = [];
        for (let i = 0; i < at.length; i += opts.batchSize) {
          const ps = at.slice(i, i + opts.batchSize).map((k) => ({ ...prompts[k], constraint: constraint(rs[k], cases[k], orders?.[k]) }));
          out.push(...s.generate(ps, opts.maxNewTokens, opts.engine));
        }
        return out;
      };
      const texts = decode([...rs.keys()]);
      const spans = opts.spans;
      if (!opts.leadOrder || !spans || opts.engine) return texts;
      const orders = cases.map((c, k) => {
        if (!rs[k].soft.some((x) => x.kind === 'user')) return undefined; // no lead (the B form)
        const shown = [...new Set(c.shown)].filter((i) => i !== c.item);
        const prefix = leadPrefix(texts[k], shown, c.item, spans.titles);
        return prefix === undefined ? undefined : firstChoiceOrder(s, prompts[k], prefix, shown, spans.titles, spans.itemFirst);
      });
      // the second pass only where a lead has an order
      const again = [...rs.keys()].filter((k) => orders[k]);
      decode(again, orders).forEach((t, j) => (texts[again[j]] = t));
      return texts;
    },
  };
}

/** The template-only baseline: fluent, on-topic, and blind to f. */
export function templateExplainer(titles: readonly string[], items: readonly Item[], seed: number): Explainer {
  const rng = new Rng(seed);
  return {
    name: 'template',
    explain: (cases) =>
      cases.map((c) => {
        const picks = rng
          .shuffle([...new Set(c.shown)])
          .slice(0, 2)
          .map((i) => titles[i]);
        const kind =
          themes(items[c.item - 1])
            .slice(0, 2)
            .join(' and ')
            .toLowerCase() || 'varied';
        return rng.int(2) === 0
          ? `Yes. The user has watched ${picks.join(' and ')}, and ${titles[c.item]} is a ${kind} title they may like.`
          : `No. The user has watched ${picks.join(' and ')}, and ${titles[c.item]} is a ${kind} title they may not care for.`;
      }),
  };
}
