// Configuration of the `tasks` stage: one typed object, defaults commented; CLI flags map 1:1
// (--max-history ↔ maxHistory, --task2-items ↔ task2Items). Written resolved to <out>/config.json
// (the teacher's settings only when a teacher was used, its key never).
import type { BackendChoice } from '../engine/backend.js';
import type { Form } from './forms.js';
import type { TeacherStats } from './teacher.js';

export interface TasksConfig {
  data: string; // data set folder (from `recexplainer data`)
  rec: string; // target model folder (from `recexplainer train-rec`)
  out: string; // output folder
  forms: Form[]; // which files to write; default B, I, H
  maxHistory: number; // history items shown as titles (the last N); default 9 (paper: 9–16)
  prefixes: number; // training samples per user for tasks 1, 2, 6: the N longest prefixes of the training sequence; default 1
  task5: [number, number]; // general-text samples [train, test]; default [1000, 100]
  posTop: number; // task 3 positives: f's top share of the unseen items; default 0.2
  negBottom: number; // task 3 negatives: f's bottom share; default 0.5
  task2Items: number; // task 2 candidates per sample; default 5
  similarK: number; // task 4 "most similar item": how many, by cosine of f's item vectors; default 1
  explanations: boolean; // task 7: an f-grounded explanation for every task-3 pair; default true
  seed: number; // default 42
  templates?: string; // template file; default templates/default.json in the package
  sharegpt?: string; // ShareGPT-format file for task 5; default: the Brown corpus
  backend: BackendChoice; // tensor backend for f; default auto
  quiet: boolean; // no progress bar; default false
  teacherUrl?: string; // an OpenAI-compatible endpoint whose model rewrites task 7 and adds task-6 user summaries; default none
  teacherModel: string; // model name sent to it; default "gpt-4o-mini"
  teacherKey?: string; // its API key; default $OPENAI_API_KEY; never written to config.json
  teacherConcurrency: number; // requests in flight at once; default 4
}

export const TASKS_DEFAULTS: Omit<TasksConfig, 'data' | 'rec' | 'out'> = {
  forms: ['B', 'I', 'H'],
  maxHistory: 9,
  prefixes: 1,
  task5: [1000, 100],
  posTop: 0.2,
  negBottom: 0.5,
  task2Items: 5,
  similarK: 1,
  explanations: true,
  seed: 42,
  backend: 'auto',
  quiet: false,
  teacherModel: 'gpt-4o-mini',
  teacherConcurrency: 4,
};

/** What config.json holds: the resolved config with the template file's path; the teacher's settings and counts only when one was used, its key never. */
export function configRecord(cfg: TasksConfig, templates: string, teacher: TeacherStats | undefined): Record<string, unknown> {
  const { teacherKey, teacherModel, teacherConcurrency, ...rest } = cfg;
  return teacher === undefined ? { ...rest, templates } : { ...rest, teacherModel, teacherConcurrency, templates, teacher };
}
