// `recexplainer tasks`: data set + target model → alignment samples for tasks 1–7 in the B / I / H
// forms (JSONL, one USER prompt and ASSISTANT response per line), with counts.json / counts.md.
import { Command } from 'commander';
import { formatDuration } from '../engine/progress.js';
import { buildTasks } from '../tasks/build.js';
import { TASKS_SPEC, type TasksConfig } from '../tasks/config.js';
import { countsMarkdown } from '../tasks/counts.js';
import { teacherLine } from '../tasks/teacher.js';
import { addOptions } from './options.js';

export function tasksCommand(): Command {
  return addOptions(
    new Command('tasks').description(
      'Generate the alignment tasks 1–7 (labels and explanations from the target model) in forms B, I and H',
    ),
    TASKS_SPEC,
  ).action(async (flags: TasksConfig) => {
    const r = await buildTasks(flags);
    for (const line of r.skipped) console.log(line);
    console.log(countsMarkdown(r.counts).split('\n').slice(4).join('\n').trimEnd());
    if (r.teacher) console.log(teacherLine(r.teacher, flags.out));
    console.log(`written to ${flags.out} (counts.md, {train,test}.{${flags.forms.join(',')}}.jsonl) in ${formatDuration(r.seconds)}`);
  });
}
