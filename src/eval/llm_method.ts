// The icl-llm baseline as a compared method: the icl baseline's prompts (two solved training samples
// of the task, then the B-form test prompt) sent to an OpenAI-compatible endpoint for tasks 1, 2
// and 3; the replies are fetched first (tasks/icl_llm.ts, cached), then handed to the evaluator like
// any method's answers. Task 1 is the one reply (a single answer, not 5 beams: H@5 is a hit at rank
// 1); task 2 the reply as the order; task 3 the decision the reply states (facts/decision.ts) as
// scores [1, 0] or [0, 1], an unreadable reply a tie [0, 0] (the reference counts a tie as yes, acc_strict as wrong).
import { parseDecision } from '../facts/decision.js';
import type { TaskRecord } from '../tasks/forms.js';
import type { IclPicker } from '../tasks/icl.js';
import { askIclLlm, type IclLlmOptions, type IclLlmStats } from '../tasks/icl_llm.js';
import type { EvalSets } from './evaluate.js';
import type { Method, YesNoScores } from './method.js';

/** The tasks icl-llm answers (the others need f's embeddings: I form only). */
const TASKS = [1, 2, 3] as const;

/** Asks the endpoint for every task-1, 2 and 3 record of the (B-form) sets; the method answers from the replies. */
export async function iclLlmMethod(sets: EvalSets, shots: IclPicker, opts: IclLlmOptions): Promise<{ method: Method; stats: IclLlmStats }> {
  const records = TASKS.flatMap((t) => sets[t]);
  const { replies, stats } = await askIclLlm(records, shots, opts);
  const byId = new Map(records.map((r, i) => [r.id, replies[i]]));
  const reply = (r: TaskRecord) => byId.get(r.id) ?? null;
  const method: Method = {
    name: 'icl-llm',
    top5: (rs) =>
      rs.map((r) => {
        const text = reply(r)?.trim();
        return text ? [text] : [];
      }),
    rank: (rs) => rs.map((r) => reply(r) ?? ''),
    yesNo: (rs) =>
      rs.map((r): YesNoScores => {
        const d = parseDecision(reply(r) ?? '');
        return d === 'yes' ? [1, 0] : d === 'no' ? [0, 1] : [0, 0];
      }),
  };
  return { method, stats };
}
