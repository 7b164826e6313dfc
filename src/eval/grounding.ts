// Catalogue-grounded decoding: per task the constraint (lm/decode/constraint.ts) under which an LM
// can only give a valid answer — task 1 a title outside the shown history, task 4 any title, task 2
// a permutation of the candidates, task 6 a list of distinct titles — on the ids training uses
// (listAnswerIds: a list of titles as the model writes it, item tokens for an item-token model;
// task 4 too when the model answers it by item token, else text).
import { listConstraint, type Constraint } from '../lm/decode/constraint.js';
import { TokenTrie } from '../lm/decode/trie.js';
import { responseIds } from '../lm/tokenizer/chat.js';
import type { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import { recentHistory } from '../data/text_forms.js';
import { listAnswerIds } from '../align/examples.js';
import type { TaskRecord } from '../tasks/forms.js';

export interface GroundingInputs {
  titles: readonly string[]; // normal title per item id (index 0 unused)
  histories: ReadonlyMap<number, readonly number[]>; // user → test history (what f's user vector reads)
  maxHistory: number; // history items a prompt shows
  itemFirst?: number; // an item-token model's first item token (Surrogate.itemFirst)
  itemTitle?: boolean; // task 4 answered by item token (Surrogate.itemTitle)
}

export interface Grounding {
  nextItem(r: TaskRecord): Constraint; // task 1
  ranking(r: TaskRecord): Constraint | undefined; // task 2; undefined past MAX_PERMUTED candidates
  title(): Constraint; // task 4
  history(): Constraint | undefined; // task 6; undefined when a list's ids are not its titles' ids joined
}

const MAX_PERMUTED = 6; // candidates whose every order is put in a trie (6! = 720 answers)

/** Every order of `xs`. */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

export function grounding(tok: Tokenizer, inputs: GroundingInputs): Grounding {
  const answer = listAnswerIds(tok, inputs.titles, inputs.itemFirst);
  const eosId = tok.special.eos;
  const distinct = [...new Set(inputs.titles.filter(Boolean))];
  const index = new Map(distinct.map((t, i) => [t, i]));
  const first = distinct.map((t) => answer([t]));
  const catalogue = new TokenTrie(first);
  const text = distinct.map((t) => responseIds(tok, t));
  const textCatalogue = text.every((ids, i) => String(ids) === String(first[i])) ? catalogue : new TokenTrie(text);
  const historyOf = (r: TaskRecord) => (r.user === null ? [] : (inputs.histories.get(r.user) ?? []));
  let lists: { rest: TokenTrie } | null | undefined; // null: lists do not concatenate
  const listTries = () => {
    if (lists !== undefined) return lists;
    if (distinct.length < 2) return (lists = null);
    const rest = distinct.map((t, i) => answer([distinct[i === 0 ? 1 : 0], t]).slice(first[i === 0 ? 1 : 0].length));
    const joined = distinct.every((t, i) => i === 0 || String(answer([distinct[i - 1], t])) === String([...first[i - 1], ...rest[i]]));
    return (lists = joined ? { rest: new TokenTrie(rest) } : null);
  };
  return {
    nextItem(r) {
      const shown = recentHistory(historyOf(r), inputs.maxHistory);
      return listConstraint({ first: catalogue, eosId, exclude: shown.map((i) => index.get(inputs.titles[i])!) });
    },
    ranking(r) {
      // the items a task-2 record names are its candidates and, in B and H, the shown history
      const seen = new Set(historyOf(r));
      const candidates = [...new Set(r.items.filter((i) => !seen.has(i)).map((i) => inputs.titles[i]))];
      if (candidates.length > MAX_PERMUTED) return undefined;
      return listConstraint({ first: new TokenTrie(permutations(candidates).map(answer)), eosId });
    },
    title: () => listConstraint({ first: inputs.itemTitle ? catalogue : textCatalogue, eosId }),
    history() {
      const l = listTries();
      return l ? listConstraint({ first: catalogue, rest: l.rest, maxItems: inputs.maxHistory, eosId }) : undefined;
    },
  };
}
