// Configuration of the `tasks` stage: one typed object, defaults commented; CLI flags map 1:1
// (--max-history ↔ maxHistory, --task2-items ↔ task2Items). Written resolved to <out>/config.json.
import type { BackendChoice } from '../engine/backend.js';
import type { Form } from './forms.js';

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
};
