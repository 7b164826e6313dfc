// `recexplainer tasks`: data set + target model → alignment samples for tasks 1–7 in the B / I / H
// forms (JSONL, one USER prompt and ASSISTANT response per line), with counts.json / counts.md.
import { Command, InvalidArgumentError } from 'commander';
import { BACKEND_CHOICES } from '../engine/backend.js';
import { formatDuration } from '../engine/progress.js';
import { buildTasks } from '../tasks/build.js';
import { TASKS_DEFAULTS, type TasksConfig } from '../tasks/config.js';
import { countsMarkdown } from '../tasks/counts.js';
import { FORMS, type Form } from '../tasks/forms.js';
import { teacherLine } from '../tasks/teacher.js';
import { choiceArg, floatArg, intArg, listArg } from './options.js';

/** "B,I,H" → the named forms, in canonical order. */
export function formsArg(v: string): Form[] {
  const named = listArg(v);
  for (const f of named) if (!(FORMS as readonly string[]).includes(f)) throw new InvalidArgumentError(`expected forms among ${FORMS.join(', ')}, got "${f}"`);
  if (named.length === 0) throw new InvalidArgumentError('name at least one of B, I, H');
  return FORMS.filter((f) => named.includes(f));
}

/** "N" (test = N/10, rounded up) or "TRAIN,TEST". */
export function task5Arg(v: string): [number, number] {
  const parts = v.split(',').map((s) => intArg(0)(s));
  if (parts.length === 1) return [parts[0], Math.ceil(parts[0] / 10)];
  if (parts.length === 2) return [parts[0], parts[1]];
  throw new InvalidArgumentError(`expected N or TRAIN,TEST, got "${v}"`);
}

export function tasksCommand(): Command {
  const d = TASKS_DEFAULTS;
  return new Command('tasks')
    .description('Generate the alignment tasks 1–7 (labels and explanations from the target model) in forms B, I and H')
    .requiredOption('--data <dir>', 'data set folder (from `recexplainer data`)')
    .requiredOption('--rec <dir>', 'target model folder (from `recexplainer train-rec`)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--forms <list>', 'forms to write: B (titles), I (embeddings), H (both)', formsArg, d.forms)
    .option('--max-history <n>', 'history items shown as titles (the most recent N)', intArg(1), d.maxHistory)
    .option('--prefixes <n>', 'training samples per user for tasks 1, 2, 6 (the N longest training prefixes)', intArg(1), d.prefixes)
    .option('--task5 <n>', 'general-text samples: N (test N/10) or TRAIN,TEST', task5Arg, d.task5)
    .option('--pos-top <x>', "task 3 positives: share of f's best-scored unseen items", floatArg(0, 1), d.posTop)
    .option('--neg-bottom <x>', "task 3 negatives: share of f's worst-scored unseen items", floatArg(0, 1), d.negBottom)
    .option('--task2-items <n>', 'task 2 candidates per sample', intArg(2), d.task2Items)
    .option('--similar-k <n>', 'task 4: similar items named per item (0 = no similar-item samples)', intArg(0), d.similarK)
    .option('--no-explanations', 'skip task 7 (f-grounded explanations of the task-3 pairs)')
    .option('--seed <n>', 'random seed', intArg(0), d.seed)
    .option('--templates <file>', 'prompt template file (default: templates/default.json)')
    .option('--sharegpt <file>', 'ShareGPT-format JSON for task 5 (default: the Brown corpus)')
    .option('--backend <b>', `tensor backend: ${BACKEND_CHOICES.join(', ')}`, choiceArg(BACKEND_CHOICES), d.backend)
    .option('--teacher-url <url>', 'OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) of a teacher LLM that rewrites the task-7 explanations and adds task-6 user summaries; API key from $OPENAI_API_KEY; replies cached in <out>/teacher.jsonl')
    .option('--teacher-model <name>', 'model name sent to the teacher endpoint', d.teacherModel)
    .option('--teacher-concurrency <n>', 'teacher requests in flight at once', intArg(1), d.teacherConcurrency)
    .option('--quiet', 'no progress bar', d.quiet)
    .action(async (flags: TasksConfig) => {
      const r = await buildTasks({ ...d, ...flags });
      console.log(countsMarkdown(r.counts).split('\n').slice(4).join('\n').trimEnd());
      if (r.teacher) console.log(teacherLine(r.teacher, flags.out));
      console.log(`written to ${flags.out} (counts.md, {train,test}.{${flags.forms.join(',')}}.jsonl) in ${formatDuration(r.seconds)}`);
    });
}
