// A language model as a compared method: an aligned surrogate (recexplainer-b/-i/-h), the base
// model unaligned (base-lm) or with two solved training samples before the prompt (icl). Task 1 by
// beam search (5 beams), tasks 2/4/6 by greedy decoding (task 2 grounded optionally by beams), task 3 by comparing the likelihoods of the
// two answers. With a grounding (grounding.ts) decoding can only give valid answers (beams scored by Σ log p).
// With a text-only engine (llama.cpp; B-form prompts, which carry no soft tokens) it decodes and scores instead of our model.
import { tf } from '../engine/tf.js';
import { beamSearch } from '../lm/decode/search.js';
import { renderChat } from '../lm/tokenizer/chat.js';
import { injectSoftTokens } from '../lm/model/llama.js';
import { promptExample, softSlots, type SoftSlot } from '../align/examples.js';
import type { Surrogate } from '../align/model.js';
import type { TaskRecord } from '../tasks/forms.js';
import type { Constraint } from '../lm/decode/constraint.js';
import type { TextEngine } from '../lm/decode/text_engine.js';
import type { Grounding } from './grounding.js';
import type { Method, MethodName, YesNoScores } from './method.js';

export interface LmMethodOptions {
  beams: number; // beam width for task 1
  maxNewTokens: Record<'title' | 'list', number>; // a single title / a list of titles
  batchSize: number; // prompts decoded together
  icl?: (r: TaskRecord) => TaskRecord[]; // solved examples to put before the prompt (the icl baseline)
  grounding?: Grounding; // catalogue-grounded decoding; none = free
  rankBeams?: number; // task 2 under grounding: the best of this many beams over the candidates' orders (0 or absent: greedy)
  engine?: TextEngine; // decodes and scores instead of our model (text-only: a model with projectors is refused)
}

export const LM_METHOD_DEFAULTS: LmMethodOptions = { beams: 5, maxNewTokens: { title: 40, list: 200 }, batchSize: 16 };

interface Prepared {
  ids: number[];
  soft: SoftSlot[];
  constraint?: Constraint;
}

export function lmMethod(name: MethodName, s: Surrogate, source: string, opts: LmMethodOptions = LM_METHOD_DEFAULTS): Method {
  const { tok, model } = s;
  const engine = opts.engine;
  if (engine && Object.keys(s.projectors).length) throw new RangeError(`${name}: a text-only engine cannot fill soft tokens`);
  const eosId = tok.special.eos;
  const maxPos = s.maxPositions(engine);
  /** The solved examples that fit before a prompt of `len` tokens with `want` tokens to generate (longest dropped first). */
  const shotIds = (r: TaskRecord, len: number, want: number): number[] => {
    const shots = (opts.icl?.(r) ?? []).map((x) => renderChat(tok, x.prompt, x.response).ids);
    while (shots.length && shots.reduce((n, x) => n + x.length, len + want) > maxPos)
      shots.splice(shots.indexOf(shots.reduce((a, b) => (b.length > a.length ? b : a))), 1);
    return shots.flat();
  };
  const prepare = (r: TaskRecord, want: number, constraint?: Constraint): Prepared => {
    const p = promptExample(r, tok, s.vectors, source);
    const prefix = shotIds(r, p.ids.length, want);
    return { ids: [...prefix, ...p.ids], soft: p.soft.map((x) => ({ ...x, pos: x.pos + prefix.length })), constraint };
  };
  const g = opts.grounding;
  const text = (ids: readonly number[]) => tok.decode(ids).trim();
  const greedy = (rs: readonly TaskRecord[], want: number, constraint: (r: TaskRecord) => Constraint | undefined): string[] => {
    const out: string[] = [];
    for (let i = 0; i < rs.length; i += opts.batchSize) {
      out.push(
        ...s.generate(
          rs.slice(i, i + opts.batchSize).map((r) => prepare(r, want, constraint(r))),
          want,
          engine,
        ),
      );
    }
    return out;
  };
  /** Beam search on r's prompt under `constraint`: the beams' texts, best first (scores: Σ log p when grounded). */
  const beams = (r: TaskRecord, want: number, k: number, constraint: Constraint | undefined): string[] => {
    const p = prepare(r, want, constraint);
    const soft = s.softTokens([p.soft]);
    const maxNewTokens = Math.max(1, Math.min(want, maxPos - p.ids.length));
    const found = beamSearch(engine ?? model, p, { beams: k, maxNewTokens, eosId, lengthPenalty: g ? 0 : undefined }, soft);
    soft?.vectors.dispose();
    return found.map((b) => text(b.ids));
  };
  const rankBeams = g ? (opts.rankBeams ?? 0) : 0;
  return {
    name,
    top5: (rs) => rs.map((r) => beams(r, opts.maxNewTokens.title, opts.beams, g?.nextItem(r))),
    rank: (rs) =>
      rankBeams > 0
        ? rs.map((r) => beams(r, opts.maxNewTokens.list, rankBeams, g!.ranking(r))[0])
        : greedy(rs, opts.maxNewTokens.list, (r) => g?.ranking(r)),
    recall: (rs) => greedy(rs, opts.maxNewTokens.list, () => g?.history()),
    title: (rs) => greedy(rs, opts.maxNewTokens.title, () => g?.title()),
    yesNo: (rs, words) => {
      const seqs = rs.flatMap((r) =>
        words.map((w) => {
          const c = renderChat(tok, r.prompt, w);
          const prefix = shotIds(r, c.ids.length, 0);
          const soft = softSlots(c.ids, r, tok, s.vectors, source).map((x) => ({ ...x, pos: x.pos + prefix.length }));
          return { ids: [...prefix, ...c.ids], mask: [...prefix.map(() => 0), ...c.lossMask], soft };
        }),
      );
      const lp = engine ? engine.logProbs(seqs) : sequenceLogProbs(s, seqs, opts.batchSize * 2);
      // answers that open with the same token share their first term (an engine scoring them apart may round it apart, flipping the tie)
      return rs.map((_, i): YesNoScores => {
        const [y, n] = [lp[2 * i], lp[2 * i + 1]];
        return [y.sum, n.sum, y.first, sameFirst(seqs[2 * i], seqs[2 * i + 1]) ? y.first : n.first];
      });
    },
    dispose: () => s.dispose(),
  };
}

/** Whether two scored sequences agree up to and including their first masked token (the same first term). */
function sameFirst(
  a: { ids: readonly number[]; mask: readonly number[] },
  b: { ids: readonly number[]; mask: readonly number[] },
): boolean {
  const first = a.mask.findIndex((v, t) => t > 0 && v === 1);
  return first > 0 && b.mask.findIndex((v, t) => t > 0 && v === 1) === first && a.ids.slice(0, first + 1).every((t, k) => t === b.ids[k]);
}

/**
 * Per sequence (soft tokens filled): sum = Σ log p(ids[t] | ids[<t]) over the positions t with
 * mask[t] = 1, and first = that term at the first such position alone (−Infinity when none).
 */
export function sequenceLogProbs(
  s: Surrogate,
  seqs: readonly { ids: readonly number[]; mask: readonly number[]; soft: readonly SoftSlot[] }[],
  batchSize: number,
): { sum: number; first: number }[] {
  const out: { sum: number; first: number }[] = [];
  for (let i = 0; i < seqs.length; i += batchSize) {
    const batch = seqs.slice(i, i + batchSize);
    const B = batch.length;
    const T = Math.max(...batch.map((q) => q.ids.length));
    const ids = new Int32Array(B * T);
    const rows: number[] = [];
    const targets: number[] = [];
    const owner: number[] = [];
    batch.forEach((q, b) => {
      ids.set(q.ids, b * T);
      for (let t = 1; t < q.ids.length; t++) if (q.mask[t]) (rows.push(b * T + t - 1), targets.push(q.ids[t]), owner.push(b));
    });
    const soft = s.softTokens(batch.map((q) => q.soft));
    const picked = tf.tidy(() => {
      let x = s.model.embed(ids, B, T);
      if (soft)
        x = injectSoftTokens(
          x,
          Int32Array.from(soft.slots, ([b, p]) => b * T + p),
          soft.vectors,
          soft.connector,
        );
      const h = tf.gather(tf.reshape(s.model.forward(x), [B * T, -1]), tf.tensor1d(rows, 'int32'));
      const lp = tf.logSoftmax(s.model.logits(h)); // [N,V]
      const V = s.model.headWeight.shape[0];
      return tf.gather(
        tf.reshape(lp, [-1]),
        tf.tensor1d(
          targets.map((t, k) => k * V + t),
          'int32',
        ),
      );
    });
    soft?.vectors.dispose();
    const vals = picked.dataSync();
    picked.dispose();
    const scores = Array.from({ length: B }, () => ({ sum: 0, first: -Infinity }));
    owner.forEach((b, k) => {
      if (scores[b].first === -Infinity) scores[b].first = vals[k];
      scores[b].sum += vals[k];
    });
    out.push(...scores);
  }
  return out;
}
