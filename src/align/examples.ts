// Task records → token sequences the LM trains and is evaluated on: the chat layout of
// src/lm/tokenizer/chat.ts, loss on the response only, and each soft-token position paired with the
// vector of the record's soft entry in the same order. With title spans, an explanation (task 7)
// cites titles in <title>…</title> spans that may hold only the record's citable items (the shown
// history and the items the record names); training restricts the loss inside spans to what the
// decoding constraint allows there, so both see the same allowed sets. With item tokens (E4SRec-style
// output head), the titles a task 1, 2, 6 or 7 answer names are single item tokens instead (item id
// i is token itemFirst + i − 1), as is a task-4 title answer with itemTitle; an explanation may use
// any text token or a citable item's; a task-2 answer's items are each restricted to the candidates
// not yet named, as decoding restricts them.
import { DataError } from '../engine/errors.js';
import { recentHistory, renderList } from '../data/text_forms.js';
import { allowedAlong, countedConstraint, NotAllowed, type Constraint } from '../lm/decode/constraint.js';
import { sentenceEnds, titleSpanConstraint } from '../lm/decode/title_spans.js';
import { MAX_CITES, markTitles, promptIds, renderChat, responseIds, softTokenPositions } from '../lm/tokenizer/chat.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import type { LmExample } from '../lm/train/train.js';
import { isTitleRecord, type TaskRecord } from '../tasks/forms.js';
import { CITED_CONTRIBUTORS } from '../tasks/config.js';
import type { TitleRole } from '../facts/known_words.js';
import type { SoftVectors } from './soft.js';

export type SoftSlot = { pos: number; kind: 'user' | 'item'; vector: Float32Array };

/** Soft slots for the ids of a record's prompt; a count or kind mismatch names the record. */
export function softSlots(
  ids: readonly number[],
  r: TaskRecord,
  tok: Tokenizer,
  vectors: SoftVectors | undefined,
  source: string,
): SoftSlot[] {
  const positions = softTokenPositions(tok, ids);
  if (positions.length !== r.soft.length) {
    throw new DataError({ file: source, field: r.id }, `prompt has ${positions.length} soft token(s), the record lists ${r.soft.length}`);
  }
  if (positions.length === 0) return [];
  if (!vectors) throw new DataError({ file: source, field: r.id }, 'has soft tokens, but no target model was given to fill them');
  return positions.map((p, i) => {
    const s = r.soft[i];
    if (s.token !== p.token)
      throw new DataError({ file: source, field: `${r.id}.soft[${i}]` }, `is ${s.token}, the prompt has ${p.token} there`);
    return { pos: p.position, kind: s.kind, vector: vectors.vector(s) };
  });
}

/** What title spans may hold: titles[id] is item id's normal title; the shown history is the user's last maxHistory items. */
export interface TitleSpans {
  titles: readonly string[];
  maxHistory: number;
  itemFirst?: number; // item tokens: item id i is token itemFirst + i − 1 (the text vocabulary's size)
  rankMask?: boolean; // item tokens: a task-2 answer's items restricted as decoding restricts them (rankingAllowed); default true
  itemTitle?: boolean; // item tokens: a task-4 title question answered by the item's token; default false (text)
}

/** The tasks whose answers name items by item token in an item-token model. */
const ITEM_TASKS: ReadonlySet<number> = new Set([1, 2, 6, 7]);

/**
 * The items a record's explanation may cite, each with how often: the shown history behind its
 * <user> token once each (a text lists them, it does not repeat them), then every other item it
 * names (the candidate, f's nearest item) up to MAX_CITES times.
 */
export function citableItems(r: TaskRecord, maxHistory: number): Map<number, number> {
  const shown = r.soft.flatMap((s) => (s.kind === 'user' ? recentHistory(s.history, maxHistory) : []));
  return new Map([...r.items.map((i): [number, number] => [i, MAX_CITES]), ...shown.map((i): [number, number] => [i, 1])]);
}

/**
 * What each item a record's explanation may cite is to it, with a <user> token (forms I and H):
 * the shown history items (cited once each), the candidate (the first other item) and f's nearest
 * item; undefined without (a B-form record names its history as text only).
 */
export function citableRoles(
  r: TaskRecord,
  maxHistory: number,
  items: ReadonlyMap<number, number> = citableItems(r, maxHistory),
): Map<number, TitleRole> | undefined {
  if (!r.soft.some((x) => x.kind === 'user')) return undefined;
  const citable = [...items];
  const candidate = citable.find(([, n]) => n > 1)?.[0];
  return new Map(citable.map(([i, n]): [number, TitleRole] => [i, n === 1 ? 'history' : i === candidate ? 'candidate' : 'other']));
}

/** The titles of citable items, each with how often it may be cited (the most of the items bearing it). */
function citableTitles(citable: ReadonlyMap<number, number>, titles: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [i, n] of citable) out.set(titles[i], Math.max(n, out.get(titles[i]) ?? 0));
  return out;
}

/**
 * The decoding constraint of a record's explanation: each title span (or item token) names one of
 * its citable items, none twice in a sentence; with a <user> token (forms I and H), before the
 * candidate (the first item it names that is not shown) only shown history items, at most
 * CITED_CONTRIBUTORS, the candidate first or after them — as every training text cites (three
 * contributors, then the candidate; or the candidate first); with `order` (item ids), the k-th of
 * them order[k]. Without it a model writes a history item or f's nearest item where the candidate
 * belongs. A B-form record names its history as text only, so it has no such lead.
 */
export function explanationConstraint(r: TaskRecord, tok: Tokenizer, spans: TitleSpans, order?: readonly number[]): Constraint {
  const citable = citableItems(r, spans.maxHistory);
  const roles = [...(citableRoles(r, spans.maxHistory, citable) ?? [])];
  const shown = roles.flatMap(([i, role]) => (role === 'history' ? [i] : []));
  const candidate = shown.length ? roles.find(([, role]) => role === 'candidate')?.[0] : undefined;
  /** The lead with items named as the constraint names them (item tokens or titles). */
  const leadAs = <T>(as: (i: number) => T) =>
    candidate === undefined
      ? undefined
      : { anchor: as(candidate), before: new Set(shown.map(as)), most: CITED_CONTRIBUTORS, ...(order ? { order: order.map(as) } : {}) };
  if (spans.itemFirst !== undefined) {
    const token = (i: number) => spans.itemFirst! + i - 1;
    const counts = new Map([...citable].map(([i, n]) => [token(i), n]));
    return countedConstraint(spans.itemFirst, counts, sentenceEnds(tok, spans.itemFirst), leadAs(token));
  }
  const title = (i: number) => spans.titles[i];
  return titleSpanConstraint(tok, citableTitles(citable, spans.titles), leadAs(title));
}

/** The ids of an answer that lists titles, as a model writes it: text, or item tokens (the lowest id with each title) in an item-token model. */
export function listAnswerIds(tok: Tokenizer, titles: readonly string[], itemFirst?: number): (list: readonly string[]) => number[] {
  if (itemFirst === undefined) return (list) => responseIds(tok, renderList(list));
  const ids = new Map<string, number>();
  titles.forEach((t, i) => i > 0 && !ids.has(t) && ids.set(t, i));
  return (list) => responseIds(tok, markTitles(renderList(list), list), (t) => [itemFirst + ids.get(t)! - 1]);
}

/** The item token of each title a record names (the first citable item with that title). */
function itemTokenOf(r: TaskRecord, spans: TitleSpans & { itemFirst: number }): (title: string) => number[] {
  const ids = new Map<string, number>();
  for (const i of citableItems(r, spans.maxHistory).keys()) if (!ids.has(spans.titles[i])) ids.set(spans.titles[i], i);
  return (title) => [spans.itemFirst + ids.get(title)! - 1];
}

/**
 * A task-2 answer in item tokens, as the grounded decoding's permutation constraint allows it: each
 * item token of the answer among the candidates not yet named (the answer's item tokens from there
 * on), every other token free. The loss of an ordering is then the Plackett–Luce likelihood of f's.
 */
function rankingAllowed(ids: readonly number[], lossMask: ArrayLike<number>, itemFirst: number): (readonly number[] | undefined)[] {
  const answer = ids.flatMap((id, t) => (lossMask[t] && id >= itemFirst ? [t] : []));
  return ids.map((_, t) => {
    const k = answer.indexOf(t);
    return k < 0 ? undefined : answer.slice(k).map((j) => ids[j]);
  });
}

/** A task-7 text whose citations the decoding constraint refuses (e.g. one title twice in a sentence): align skips and counts it. */
export class RefusedCitation extends DataError {
  override name = 'RefusedCitation';
}

/** The allowed sets along an explanation's response ids, as its decoding constraint gives them; a RefusedCitation where it refuses one. */
function citedAlong(
  r: TaskRecord,
  tok: Tokenizer,
  spans: TitleSpans,
  tail: readonly number[],
  source: string,
): (readonly number[] | undefined)[] {
  try {
    return allowedAlong(explanationConstraint(r, tok, spans), tail);
  } catch (e) {
    if (!(e instanceof NotAllowed)) throw e;
    const at = tok.decode(tail.slice(0, e.at + 1));
    throw new RefusedCitation({ file: source, field: r.id }, `the citation rule refuses its explanation at "…${at.slice(-60)}"`);
  }
}

/**
 * A training example: prompt + response + end token, loss on the last two; with spans, a task-7
 * answer cites in spans, masked as decoding masks them (item tokens: the titles of a task 1, 2, 6
 * or 7 answer, and with itemTitle of a task-4 title answer, become item tokens, unmasked but for
 * task 2: rankingAllowed).
 */
export function trainingExample(
  r: TaskRecord,
  tok: Tokenizer,
  vectors: SoftVectors | undefined,
  source: string,
  spans?: TitleSpans,
): LmExample {
  const items = spans?.itemFirst !== undefined && (ITEM_TASKS.has(r.task) || (spans.itemTitle === true && isTitleRecord(r)));
  if (!spans || (r.task !== 7 && !items)) {
    const { ids, lossMask } = renderChat(tok, r.prompt, r.response);
    return { ids, lossMask, soft: softSlots(ids, r, tok, vectors, source) };
  }
  const response = markTitles(r.response, citableTitles(citableItems(r, spans.maxHistory), spans.titles));
  if (items) {
    const { ids, lossMask } = renderChat(tok, r.prompt, response, itemTokenOf(r, { ...spans, itemFirst: spans.itemFirst! }));
    const soft = softSlots(ids, r, tok, vectors, source);
    return r.task === 2 && spans.rankMask !== false
      ? { ids, lossMask, soft, allowed: rankingAllowed(ids, lossMask, spans.itemFirst!) }
      : { ids, lossMask, soft };
  }
  const { ids, lossMask } = renderChat(tok, r.prompt, response);
  const tail = [...responseIds(tok, response), tok.special.eos];
  const allowed = [...ids.slice(0, ids.length - tail.length).map(() => undefined), ...citedAlong(r, tok, spans, tail, source)];
  return { ids, lossMask, soft: softSlots(ids, r, tok, vectors, source), allowed };
}

/** The prompt of a record ready for generation ("… ASSISTANT:"), with its soft slots. */
export function promptExample(
  r: TaskRecord,
  tok: Tokenizer,
  vectors: SoftVectors | undefined,
  source: string,
): { ids: number[]; soft: SoftSlot[] } {
  const ids = promptIds(tok, r.prompt);
  return { ids, soft: softSlots(ids, r, tok, vectors, source) };
}
