// One generator per alignment task (paper §2.2–2.3, §3.2.1). Each is pure given f's scores
// for one history, the catalogue's normal titles, a picked template and (where it samples) an
// Rng; it returns form-free Source records that forms.ts renders as B, I or H prompts.
import type { Rng } from '../engine/rng.js';
import type { Picked } from './templates.js';
import { renderList } from '../data/text_forms.js';

export type Split = 'train' | 'test';
export type TaskId = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One sample before rendering. Item ids are 1..nItems; user ids are 1-based. */
export interface Source {
  task: TaskId;
  split: Split;
  key: string; // unique within task × split: "u12", "u12-p2", "u12-pos", "i7-genres", "n3"
  user: number | null;
  history: number[]; // the whole history behind the <user> token (f's user vector is computed on it)
  shown: number[]; // the part of it shown as titles (its last maxHistory items)
  candidates: number[]; // task 2: in prompt order
  item: number | null; // task 3 candidate, task 4 subject
  attribute: { key: string; name: string } | null; // task 4: metadata key and its name in prompts
  text: string | null; // task 5: the text the prompt carries
  template: Picked | null; // null: task 5 from a ShareGPT file (the prompt is the human turn)
  response: string;
  answer: number[]; // items the response names
}

/** One history of one user, with f's scores for it. */
export interface Context {
  user: number; // 1-based
  split: Split;
  key: string;
  prefix: number; // training samples: how many items were cut from the end of the training sequence; 0 otherwise
  history: number[];
  shown: number[];
  scores: Float32Array; // [nItems + 1], index = item id (f's scores for this history)
  avoid: ReadonlySet<number>; // items this sample's prompt may not name (a training sample: the user's test item)
}

/** Normal titles by item id (titles[0] unused). */
export type Titles = readonly string[];

function base(ctx: Context, task: TaskId, key: string, template: Picked): Omit<Source, 'response' | 'answer'> {
  return {
    task,
    split: ctx.split,
    key,
    user: ctx.user,
    history: ctx.history,
    shown: ctx.shown,
    candidates: [],
    item: null,
    attribute: null,
    text: null,
    template,
  };
}

const byScore = (scores: Float32Array) => (a: number, b: number) => scores[b] - scores[a] || a - b;

/** Items outside the history, best first by f (ties: lower id first). */
export function rankUnseen(scores: Float32Array, history: readonly number[]): number[] {
  const seen = new Set(history);
  const ids: number[] = [];
  for (let i = 1; i < scores.length; i++) if (!seen.has(i)) ids.push(i);
  return ids.sort(byScore(scores));
}

/** Task 1: f's top-1 item outside the history. */
export function nextItemTask(ctx: Context, titles: Titles, template: Picked): Source {
  const seen = new Set(ctx.history);
  let best = 0;
  for (let i = 1; i < ctx.scores.length; i++) {
    if (!seen.has(i) && (best === 0 || ctx.scores[i] > ctx.scores[best])) best = i;
  }
  return { ...base(ctx, 1, ctx.key, template), response: titles[best], answer: [best] };
}

/**
 * Task 2: k distinct items drawn uniformly from the catalogue minus the history and the
 * avoided items (drawn one by one, so the prompt order is a uniform shuffle); answer = f's
 * order. null when fewer than k items are eligible.
 */
export function rankingTask(ctx: Context, titles: Titles, k: number, rng: Rng, template: Picked): Source | null {
  const nItems = ctx.scores.length - 1;
  const banned = new Set([...ctx.history, ...ctx.avoid]);
  if (nItems - banned.size < k) return null;
  const candidates: number[] = [];
  while (candidates.length < k) {
    const i = 1 + rng.int(nItems);
    if (!banned.has(i)) {
      banned.add(i);
      candidates.push(i);
    }
  }
  const answer = [...candidates].sort(byScore(ctx.scores));
  return { ...base(ctx, 2, ctx.key, template), candidates, response: renderList(answer.map((i) => titles[i])), answer };
}

/**
 * Task 3: one positive drawn uniformly from f's top posTop share of the items outside the
 * history, one negative from its bottom negBottom share (avoided items left out of both).
 */
export function interestTask(
  ctx: Context,
  opts: { posTop: number; negBottom: number; yes: string; no: string },
  rng: Rng,
  pickTemplate: () => Picked,
): Source[] {
  const ranked = rankUnseen(ctx.scores, ctx.history);
  const n = ranked.length;
  const top = ranked.slice(0, Math.max(1, Math.floor(opts.posTop * n))).filter((i) => !ctx.avoid.has(i));
  const bottom = ranked.slice(n - Math.max(1, Math.floor(opts.negBottom * n))).filter((i) => !ctx.avoid.has(i));
  const out: Source[] = [];
  for (const [pool, label, answer] of [
    [top, 'pos', opts.yes],
    [bottom, 'neg', opts.no],
  ] as const) {
    if (pool.length === 0) continue;
    const item = pool[rng.int(pool.length)];
    out.push({ ...base(ctx, 3, `${ctx.key}-${label}`, pickTemplate()), item, response: answer, answer: [] });
  }
  return out;
}

/** Task 6: the titles of the shown history, oldest first. */
export function historyTask(ctx: Context, titles: Titles, template: Picked): Source {
  return { ...base(ctx, 6, ctx.key, template), response: renderList(ctx.shown.map((i) => titles[i])), answer: [...ctx.shown] };
}

/**
 * Task 7: an explanation of f's decision on a task-3 pair (same history and item), with its own
 * prompt; its answer is f's nearest item to the candidate, which the text may cite (so the record's
 * items, what an explanation may cite in title spans or item tokens, hold it).
 */
export function explanationTask(pair: Source, response: string, template: Picked, similar: number | null): Source {
  return { ...pair, task: 7, template, response, answer: similar === null ? [] : [similar] };
}

/** Task 4: one attribute of one item (training only, no user). */
export function itemTask(
  item: number,
  attribute: { key: string; name: string },
  response: string,
  answer: number[],
  template: Picked,
): Source {
  return {
    task: 4,
    split: 'train',
    key: `i${item}-${attribute.key}`,
    user: null,
    history: [],
    shown: [],
    candidates: [],
    item,
    attribute,
    text: null,
    template,
    response,
    answer,
  };
}

/** Task 5: a general text pair (template null: the text is the whole prompt). */
export function generalTask(split: Split, n: number, text: string, response: string, template: Picked | null): Source {
  return {
    task: 5,
    split,
    key: `n${n}`,
    user: null,
    history: [],
    shown: [],
    candidates: [],
    item: null,
    attribute: null,
    text,
    template,
    response,
    answer: [],
  };
}

/** L2 norms of the rows of an item table [nItems + 1, d] (0 → 1, so a zero row has cosine 0 with all). */
export function itemNorms(table: Float32Array, d: number): Float32Array {
  const n = table.length / d - 1;
  const norm = new Float32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += table[i * d + j] ** 2;
    norm[i] = Math.sqrt(s) || 1;
  }
  return norm;
}

/** The k items most cosine-similar to item a (itself excluded), most similar first, ties: lower id first. */
export function mostSimilar(table: Float32Array, d: number, norm: Float32Array, a: number, k: number): number[] {
  const n = table.length / d - 1;
  const best: number[] = [];
  const sims: number[] = [];
  for (let b = 1; b <= n; b++) {
    if (b === a) continue;
    let s = 0;
    for (let j = 0; j < d; j++) s += table[a * d + j] * table[b * d + j];
    s /= norm[a] * norm[b];
    if (best.length === k && s <= sims[k - 1]) continue;
    let p = best.length; // insertion point: after every item at least as similar
    while (p > 0 && sims[p - 1] < s) p--;
    best.splice(p, 0, b);
    sims.splice(p, 0, s);
    if (best.length > k) {
      best.pop();
      sims.pop();
    }
  }
  return best;
}

/** For each item 1..nItems, its k most cosine-similar other items under f's item table [nItems + 1, d]. */
export function similarItems(table: Float32Array, d: number, k: number): number[][] {
  const norm = itemNorms(table, d);
  return [[], ...Array.from({ length: norm.length - 1 }, (_, i) => mostSimilar(table, d, norm, i + 1, k))];
}
