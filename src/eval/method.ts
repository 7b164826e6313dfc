// What every compared method (baselines, the base LM, aligned surrogates) offers the evaluator:
// batch answer functions per task, each optional (a method that cannot do a task leaves it out and
// its metrics are null). Records are the test samples of the method's form; labels stay unread.
import type { TaskRecord } from '../tasks/forms.js';

export const METHOD_NAMES = [
  'random',
  'popularity',
  'base-lm',
  'icl',
  'icl-llm',
  'sasrec-kd',
  'recexplainer-b',
  'recexplainer-i',
  'recexplainer-h',
  'recexplainer-i+items',
  'recexplainer-h+items',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Task 3 scores of one sample: of answering yes and of answering no, in full; an LM adds the same for the answers' first tokens alone (the reference implementation compares those logits). */
export type YesNoScores = readonly [yes: number, no: number] | readonly [yes: number, no: number, firstYes: number, firstNo: number];

export interface Method {
  name: MethodName;
  top5?(rs: readonly TaskRecord[]): string[][]; // task 1: up to 5 titles, best first
  rank?(rs: readonly TaskRecord[]): string[]; // task 2: the candidates' titles in the method's order, as text
  yesNo?(rs: readonly TaskRecord[], words: readonly [string, string]): YesNoScores[]; // task 3: scores of answering words[0] (yes) and words[1] (no)
  recall?(rs: readonly TaskRecord[]): string[]; // task 6: the user's history as a title list
  title?(rs: readonly TaskRecord[]): string[]; // task 4: an item's title
  dispose?(): void;
}
