// Configuration of the `tasks` stage, one spec (src/engine/options.ts) for the config, its defaults
// and its flags (--max-history ↔ maxHistory, --task2-items ↔ task2Items), and the check of its
// combinations. Written resolved to <out>/config.json (the teacher's settings only when a teacher
// was used, its key never).
import { BACKEND_CHOICES } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import {
  choice,
  defaultsOf,
  flag,
  float,
  int,
  list,
  maybe,
  opt,
  req,
  text,
  type ArgType,
  type ConfigOf,
  type Spec,
} from '../engine/options.js';
import { chatSource } from '../openai/backend.js';
import { recSource, recSpec } from '../rec/source.js';
import { FORMS, type Form } from './forms.js';

/** "B,I,H" → the named forms, in canonical order; at least one. */
const forms: ArgType<Form[]> = {
  arg: '<list>',
  parse(v) {
    const named = list(FORMS).parse(v, undefined);
    if (named.length === 0) throw new UserError('name at least one of B, I, H');
    return FORMS.filter((f) => named.includes(f));
  },
};

/** "N" (test = N/10, rounded up) or "TRAIN,TEST". */
const trainTest: ArgType<[number, number]> = {
  arg: '<n>',
  parse(v) {
    const parts = v.split(',').map((s) => int(0).parse(s, undefined));
    if (parts.length === 1) return [parts[0], Math.ceil(parts[0] / 10)];
    if (parts.length === 2) return [parts[0], parts[1]];
    throw new UserError(`expected N or TRAIN,TEST, got "${v}"`);
  },
};

/** How many of f's leave-one-out contributors a task-7 explanation cites (the shown items it names before the candidate). */
export const CITED_CONTRIBUTORS = 3;

export const TASKS_SPEC = {
  data: req(text('<dir>'), 'data set folder (from `recexplainer data`)'),
  ...recSpec(' (from `recexplainer train-rec`), or --rec-onnx / --rec-embeddings'),
  out: req(text('<dir>'), 'output folder'),
  forms: opt(['B', 'I', 'H'], forms, 'forms to write: B (titles), I (embeddings), H (both)'),
  maxHistory: opt(9, int(1), 'history items shown as titles (the most recent N; paper: 9–16)'),
  prefixes: opt(1, int(1), 'training samples per user for tasks 1, 2, 6 (the N longest training prefixes)'),
  task5: opt([1000, 100], trainTest, 'general-text samples: N (test N/10) or TRAIN,TEST'),
  posTop: opt(0.2, float(0, 1), "task 3 positives: share of f's best-scored unseen items"),
  negBottom: opt(0.5, float(0, 1), "task 3 negatives: share of f's worst-scored unseen items"),
  task2Items: opt(5, int(2), 'task 2 candidates per sample'),
  similarK: opt(1, int(0), "task 4: similar items named per item, by cosine of f's item vectors (0 = no similar-item samples)"),
  explanations: flag('skip task 7 (f-grounded explanations of the task-3 pairs)', true),
  seed: opt(42, int(0), 'random seed'),
  templates: maybe(text('<file>'), 'prompt template file (default: templates/default.json)'),
  sharegpt: maybe(text('<file>'), 'ShareGPT-format JSON for task 5 (default: the Brown corpus)'),
  backend: opt('auto', choice(BACKEND_CHOICES, '<b>'), `tensor backend: ${BACKEND_CHOICES.join(', ')}`),
  teacherUrl: maybe(
    text('<url>'),
    'OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) of a teacher LLM that rewrites the task-7 explanations and adds task-6 user summaries; API key from $OPENAI_API_KEY; replies cached in <out>/teacher.jsonl',
  ),
  teacherModel: opt('gpt-4o-mini', text('<name>'), 'model name sent to the teacher endpoint'),
  teacherGguf: maybe(
    text('<file>'),
    'instead of --teacher-url: a GGUF chat model run in-process through llama.cpp as the teacher (replies cached the same way)',
  ),
  teacherConcurrency: opt(4, int(1), 'teacher requests in flight at once'),
  quiet: flag('no progress bar'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export interface TasksConfig extends ConfigOf<typeof TASKS_SPEC> {
  teacherKey?: string; // the teacher's API key; default $OPENAI_API_KEY; never written to config.json
}

export const TASKS_DEFAULTS = defaultsOf(TASKS_SPEC);

/** Combinations the flags' own checks cannot see, as one-line UserErrors naming the flags. */
export function validateTasksConfig(cfg: TasksConfig): void {
  if (cfg.posTop <= 0 || cfg.negBottom <= 0 || cfg.posTop + cfg.negBottom > 1) {
    throw new UserError(
      `--pos-top (${cfg.posTop}) and --neg-bottom (${cfg.negBottom}) must be positive and add up to at most 1, or the two pools overlap`,
    );
  }
  if (cfg.forms.length === 0) throw new UserError('--forms: name at least one of B, I, H');
  recSource(cfg);
  chatSource(cfg, 'teacherUrl', 'teacherGguf');
}

/** What config.json holds: the resolved config with the template file's path; the teacher's settings and counts only when one was used, its key never; what f could not give (skipped), when anything. */
export function configRecord(
  cfg: TasksConfig,
  templates: string,
  teacher: object | undefined,
  skipped: readonly string[],
): Record<string, unknown> {
  const { teacherKey, teacherModel, teacherConcurrency, ...rest } = cfg;
  const base = { ...rest, ...(skipped.length ? { skipped } : {}) };
  return teacher === undefined ? { ...base, templates } : { ...base, teacherModel, teacherConcurrency, templates, teacher };
}
