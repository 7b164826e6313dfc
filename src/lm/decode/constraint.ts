// Constraints on what a decoder may generate: per state the allowed next tokens (the end token
// exactly when the answer may end there), or none at all (free text). listConstraint reads answers
// that are lists of items given as token tries: one item, or up to maxItems distinct ones, each
// possibly excluded. spanConstraint leaves text free but holds each span between an opening and a
// closing token to one of the trie's sequences (each at most maxUses times). allowedAlong walks a constraint along a given
// answer: the allowed sets a decoder would apply at each of its tokens (the training-time mask).
import type { TokenTrie } from './trie.js';

/** How answers are decoded: grounded (under a constraint that admits only valid answers) or free (the paper's). */
export const DECODINGS = ['grounded', 'free'] as const;
export type Decoding = (typeof DECODINGS)[number];

/** Allowed continuations (undefined: any token); a state reached only through allowed tokens always allows at least one. */
export interface Constraint<S = unknown> {
  start(): S;
  allowed(s: S): readonly number[] | undefined;
  next(s: S, token: number): S;
}

export interface ListSpec {
  first: TokenTrie; // each item's ids at the start of the answer
  rest?: TokenTrie; // each item's ids after another one (separator first), the same item index as in `first`
  maxItems?: number; // default 1; more than one needs `rest`
  exclude?: readonly number[]; // item indices the answer may not name
  eosId: number;
}

interface ListState {
  trie: TokenTrie;
  node: number;
  depth: number;
  used: readonly number[]; // items named (and excluded), distinct
  items: number; // items begun, this one included
}

/** An answer naming items of the tries, each at most once, then the end token. */
export function listConstraint(spec: ListSpec): Constraint<ListState> {
  const maxItems = spec.maxItems ?? 1;
  if (maxItems > 1 && !spec.rest) throw new RangeError('listConstraint: more than one item needs the `rest` trie');
  /** Items below `node` (at `depth`) not yet used. */
  const free = (trie: TokenTrie, node: number, depth: number, used: readonly number[]) =>
    trie.count(node) - used.filter((u) => trie.nodeOf(u, depth) === node).length;
  const openChildren = (trie: TokenTrie, node: number, depth: number, used: readonly number[]) =>
    [...trie.children(node)].filter(([, c]) => free(trie, c, depth + 1, used) > 0);
  /** The item ending at the state's node when it may end there, else −1. */
  const ending = (s: ListState) => {
    const e = s.trie.endsAt(s.node);
    return e >= 0 && !s.used.includes(e) ? e : -1;
  };
  const canGoOn = (s: ListState, e: number) => s.items < maxItems && free(spec.rest!, 0, 0, [...s.used, e]) > 0;
  return {
    start() {
      const used = [...new Set(spec.exclude ?? [])];
      if (free(spec.first, 0, 0, used) <= 0) throw new RangeError('listConstraint: every item is excluded');
      return { trie: spec.first, node: 0, depth: 0, used, items: 1 };
    },
    allowed(s) {
      const out = new Set(openChildren(s.trie, s.node, s.depth, s.used).map(([t]) => t));
      const e = ending(s);
      if (e >= 0) {
        out.add(spec.eosId);
        if (canGoOn(s, e)) for (const [t] of openChildren(spec.rest!, 0, 0, [...s.used, e])) out.add(t);
      }
      return [...out];
    },
    next(s, token) {
      const c = s.trie.child(s.node, token);
      if (c >= 0 && free(s.trie, c, s.depth + 1, s.used) > 0) return { ...s, node: c, depth: s.depth + 1 };
      const e = ending(s);
      const used = [...s.used, e];
      const r = e >= 0 && canGoOn(s, e) ? spec.rest!.child(0, token) : -1;
      if (r < 0 || free(spec.rest!, r, 1, used) <= 0) throw new RangeError(`listConstraint: token ${token} is not allowed here`);
      return { trie: spec.rest!, node: r, depth: 1, used, items: s.items + 1 };
    },
  };
}

export interface SpanSpec {
  open: number; // the token that opens a span
  close: number; // the token that closes it
  spans: TokenTrie; // what a span may hold (e.g. the titles an explanation may cite)
  maxUses?: number | readonly number[]; // how often one sequence may be held, in all, or per sequence index (default: any number of times)
  vocab: number; // token ids are 0 … vocab − 1
  ends?: ReadonlySet<number>; // tokens that end a sentence (outside spans): a sequence is held at most once between two of them
  lead?: Lead; // what may be held before one sequence (the candidate an explanation is about)
}

/** Until `anchor` is held, only sequences (or counted tokens) of `before` may be, each once, at most `most` of them (with `order`, the k-th of them order[k]); once one is, the anchor waits until `most` are (or all of `before`). */
export interface Lead {
  anchor: number;
  before: ReadonlySet<number>;
  most: number;
  order?: readonly number[];
}

/** What may not be held now under a lead, of `all`, when `held` have been. */
function leadBlocks(lead: Lead | undefined, all: Iterable<number>, held: Iterable<number>): number[] {
  const done = new Set(held);
  if (!lead || done.has(lead.anchor)) return [];
  const full = done.size >= lead.most;
  const next = lead.order?.[done.size];
  const listing = done.size > 0 && done.size < Math.min(lead.most, lead.before.size); // a list begun: the anchor waits for its end
  return [...all].filter((e) =>
    e === lead.anchor ? listing : done.has(e) || full || !lead.before.has(e) || (lead.order !== undefined && e !== next),
  );
}

interface SpanState {
  node: number; // −1 outside a span, else the trie node
  depth: number;
  spent: readonly number[]; // sequences held maxUses times, or (with ends) already in this sentence
  uses: ReadonlyMap<number, number>; // sequence → times held
  sentence: readonly number[]; // with ends: the sequences held since the last end
}

/** Free text in which every span open … close holds one of `spans`' sequences, each at most maxUses times (and, with ends, once a sentence; with a lead, as it allows before its anchor). */
export function spanConstraint(spec: SpanSpec): Constraint<SpanState> {
  const { spans, close } = spec;
  const uses = spec.maxUses ?? Infinity;
  const max = (e: number) => (typeof uses === 'number' ? uses : (uses[e] ?? Infinity));
  if (spans.size === 0) throw new RangeError('spanConstraint: no sequence a span may hold');
  /** Sequences below `node` (at `depth`) that may still be held. */
  const open = (s: SpanState, node: number, depth: number) =>
    spans.count(node) - s.spent.filter((u) => spans.nodeOf(u, depth) === node).length;
  const ending = (s: SpanState) => {
    const e = spans.endsAt(s.node);
    return e >= 0 && !s.spent.includes(e) ? e : -1;
  };
  /** The state with what its lead does not allow yet counted as spent. */
  const anchored = (s: SpanState): SpanState => {
    const blocked = leadBlocks(spec.lead, [...Array(spans.size).keys()], s.uses.keys());
    return blocked.length ? { ...s, spent: [...new Set([...s.spent, ...blocked])] } : s;
  };
  return {
    start: () => ({ node: -1, depth: 0, spent: [], uses: new Map(), sentence: [] }),
    allowed(state) {
      const s = anchored(state);
      if (s.node < 0) return open(s, 0, 0) > 0 ? undefined : [...Array(spec.vocab).keys()].filter((t) => t !== spec.open); // all spent: no new span
      const out = [...spans.children(s.node)].filter(([, c]) => open(s, c, s.depth + 1) > 0).map(([t]) => t);
      if (ending(s) >= 0) out.push(close);
      return out;
    },
    next(s, token) {
      if (s.node < 0) {
        if (token === spec.open) return { ...s, node: 0, depth: 0 };
        if (!spec.ends?.has(token) || s.sentence.length === 0) return s;
        // a new sentence: what the last one held is free again, up to its uses
        const spent = s.spent.filter((e) => !s.sentence.includes(e) || (s.uses.get(e) ?? 0) >= max(e));
        return { ...s, spent, sentence: [] };
      }
      const e = ending(anchored(s));
      if (token === close && e >= 0) {
        const n = (s.uses.get(e) ?? 0) + 1;
        const uses = new Map(s.uses).set(e, n);
        if (spec.ends) return { node: -1, depth: 0, uses, spent: [...s.spent, e], sentence: [...s.sentence, e] };
        return { node: -1, depth: 0, uses, spent: n >= max(e) ? [...s.spent, e] : s.spent, sentence: [] };
      }
      const c = spans.child(s.node, token);
      if (c < 0 || open(anchored(s), c, s.depth + 1) <= 0)
        throw new RangeError(`spanConstraint: token ${token} is not allowed in this span`);
      return { ...s, node: c, depth: s.depth + 1 };
    },
  };
}

/** The same allowed tokens at every step. */
export function fixedConstraint(allowed: readonly number[]): Constraint<null> {
  if (allowed.length === 0) throw new RangeError('fixedConstraint: no token allowed');
  return { start: () => null, allowed: () => allowed, next: () => null };
}

/**
 * Free text (tokens 0 … text − 1) and the given tokens (e.g. item tokens), each at most its count of
 * times and, with `ends` (tokens that end a sentence), once between two of them, and with a `lead`
 * (of tokens), as it allows before its anchor; `state` is the tokens spent and those of this
 * sentence, each allowed set computed once.
 */
export function countedConstraint(
  text: number,
  counts: ReadonlyMap<number, number>,
  ends?: ReadonlySet<number>,
  lead?: Lead,
): Constraint<{ spent: readonly number[]; sentence: readonly number[] }> {
  const seen = new Map<string, readonly number[]>();
  return {
    start: () => ({ spent: [], sentence: [] }),
    allowed({ spent, sentence }) {
      const key = `${spent.join(',')}|${sentence.join(',')}`;
      let a = seen.get(key);
      if (!a) {
        const blocked = new Set(leadBlocks(lead, counts.keys(), spent));
        const left = [...counts]
          .filter(([t, n]) => n > spent.filter((u) => u === t).length && !sentence.includes(t) && !blocked.has(t))
          .map(([t]) => t);
        seen.set(key, (a = [...Array(text).keys(), ...left]));
      }
      return a;
    },
    next: (s, token) => {
      if (counts.has(token))
        return { spent: [...s.spent, token].sort((x, y) => x - y), sentence: ends ? [...s.sentence, token].sort((x, y) => x - y) : [] };
      return ends?.has(token) && s.sentence.length ? { ...s, sentence: [] } : s;
    },
  };
}

/** Both constraints at once: the tokens both allow (the first's alone, should they share none). */
export function bothConstraints<A, B>(a: Constraint<A>, b: Constraint<B>): Constraint<[A, B]> {
  return {
    start: () => [a.start(), b.start()],
    allowed([x, y]) {
      const p = a.allowed(x);
      const q = b.allowed(y);
      if (!p || !q) return p ?? q;
      const inQ = new Set(q);
      const both = p.filter((t) => inQ.has(t));
      return both.length ? both : p;
    },
    next: ([x, y], t) => [a.next(x, t), b.next(y, t)],
  };
}

/** A token of a walked sequence that its constraint does not allow where it stands (at: its index). */
export class NotAllowed extends RangeError {
  constructor(
    readonly token: number,
    readonly at: number,
  ) {
    super(`allowedAlong: token ${token} at ${at} is not allowed there`);
  }
}

/** The allowed set at each token of `ids` (undefined where any token may come), walking the constraint along them; a NotAllowed at the first token it refuses. */
export function allowedAlong<S>(c: Constraint<S>, ids: readonly number[]): (readonly number[] | undefined)[] {
  let s = c.start();
  return ids.map((t, j) => {
    const a = c.allowed(s);
    if (a && !a.includes(t)) throw new NotAllowed(t, j);
    s = c.next(s, t);
    return a;
  });
}
