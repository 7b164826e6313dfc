// The icl-llm explainer: each case's B-form task-7 prompt, after two solved training explanations of
// other users (the icl prompts, tasks/icl.ts), sent to an OpenAI-compatible endpoint; the replies are
// fetched first (cached, tasks/icl_llm.ts) and scored like every explainer's texts. A request that
// got no reply leaves an empty text (no decision: rated 0). An --aspect is appended to the prompt.
import type { TaskRecord } from '../tasks/forms.js';
import type { IclPicker } from '../tasks/icl.js';
import { askIclLlm, type IclLlmOptions, type IclLlmStats } from '../tasks/icl_llm.js';
import type { ExplainCase } from './cases.js';
import { caseRecords, type Explainer } from './explainers.js';
import { aspectSuffix } from '../facts/aspects.js';

export async function iclLlmExplainer(
  cases: readonly ExplainCase[],
  records: readonly TaskRecord[], // the B-form test records (or --pairs records) holding each case's task-7 prompt
  source: string,
  shots: IclPicker,
  opts: IclLlmOptions,
  aspect?: string, // appended to each prompt as the LM explainers get it
): Promise<{ explainer: Explainer; stats: IclLlmStats }> {
  const recordOf = caseRecords(records, source);
  const asked = cases.map((c) => {
    const r = recordOf(c);
    return aspect ? { ...r, prompt: r.prompt + aspectSuffix(aspect) } : r;
  });
  const { replies, stats } = await askIclLlm(asked, shots, opts);
  const byCase = new Map(cases.map((c, i) => [c.key, replies[i]?.trim() ?? '']));
  return { explainer: { name: 'icl-llm', explain: (cs) => cs.map((c) => byCase.get(c.key) ?? '') }, stats };
}
