// Training samples longer than the model's context (long titles under a small vocabulary, e.g. the
// quick profile on Amazon Video Games) and explanations whose citations the decoding constraint
// refuses (one title twice in a sentence, as two history items of one title made the tasks of
// Amazon Video Games write): align skips them and counts them in metrics.json (too_long, refused),
// training on the rest; when none is left it is a one-line error counting each cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { align, titleSpansOf } from '../../src/align/train.js';
import { citableItems, RefusedCitation, trainingExample } from '../../src/align/examples.js';
import { Surrogate } from '../../src/align/model.js';
import { UserError } from '../../src/engine/errors.js';
import type { TaskRecord } from '../../src/tasks/forms.js';
import { tinyAlign, tinyRun } from '../serve/fixture.js';

const run = await tinyRun();
const tmp = mkdtempSync(join(tmpdir(), 'context-'));
const trainFile = (tasks: string) => join(tasks, 'train.H.jsonl');
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

/** A copy of the tiny run's tasks whose H training file is `edit` of its records. */
function tasksWith(name: string, edit: (rs: TaskRecord[]) => TaskRecord[]): string {
  const tasks = join(tmp, name);
  cpSync(join(run, 'tasks'), tasks, { recursive: true });
  const rs = lines(trainFile(tasks)).map((l) => JSON.parse(l) as TaskRecord);
  writeFileSync(
    trainFile(tasks),
    edit(rs)
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  return tasks;
}
/** A text-only record (task 5) whose prompt runs far past 512 tokens. */
const long = (rs: TaskRecord[]): TaskRecord => {
  const r = rs.find((x) => x.soft.length === 0)!;
  return { ...r, id: `${r.id}-long`, prompt: Array.from({ length: 400 }, () => r.prompt).join(' ') };
};

/** An explanation (task 7) that cites one of its citable titles twice in a sentence. */
const twice = (rs: TaskRecord[], tasks: string): TaskRecord => {
  const r = rs.find((x) => x.task === 7)!;
  const spans = titleSpansOf(tasks);
  const t = spans.titles[[...citableItems(r, spans.maxHistory).keys()][0]];
  return { ...r, id: `${r.id}-twice`, response: `Yes. ${t} and ${t} weigh most in this record.` };
};

test('align skips samples longer than the context and refused citations, and counts them; the rest train as before', async () => {
  const plain = tasksWith('plain', (rs) => rs);
  const longer = tasksWith('longer', (rs) => [...rs, long(rs), twice(rs, plain)]);
  const metrics = async (tasks: string, out: string) => {
    await align(tinyAlign(run, join(tmp, out), { tasks, perTask: 0, maxSteps: 1 }));
    return JSON.parse(readFileSync(join(tmp, out, 'metrics.json'), 'utf8')) as {
      samples: Record<string, number>;
      too_long: number;
      refused: number;
    };
  };
  const a = await metrics(plain, 'a');
  const b = await metrics(longer, 'b');
  assert.equal(a.too_long, 0);
  assert.equal(a.refused, 0);
  assert.equal(b.too_long, 1);
  assert.equal(b.refused, 1);
  assert.deepEqual(b.samples, a.samples, 'neither sample is trained on');
  assert.ok(readFileSync(join(tmp, 'a', 'model.safetensors')).equals(readFileSync(join(tmp, 'b', 'model.safetensors'))));
});

test('align with every sample too long or refused is a one-line error counting each', async () => {
  const only = tasksWith('only', (rs) => [long(rs), twice(rs, join(run, 'tasks'))]);
  await assert.rejects(
    align(tinyAlign(run, join(tmp, 'c'), { tasks: only, perTask: 0, maxSteps: 1 })),
    (e: Error) =>
      e instanceof UserError &&
      /no training sample left: 1 longer than the model's 512 positions, 1 whose citations grounded decoding refuses/.test(e.message) &&
      !e.message.includes('\n'),
  );
});

test('an explanation citing one title twice in a sentence is a RefusedCitation naming the record and the place', async () => {
  const tasks = join(run, 'tasks');
  const s = await Surrogate.base(join(run, 'base'));
  const r = twice(
    lines(join(tasks, 'train.B.jsonl')).map((l) => JSON.parse(l) as TaskRecord),
    tasks,
  ); // form B: no soft tokens
  const spans = titleSpansOf(tasks);
  assert.doesNotThrow(() => trainingExample(r, s.tok, undefined, 'train.B.jsonl'), 'without title spans nothing is refused');
  assert.throws(
    () => trainingExample(r, s.tok, undefined, 'train.B.jsonl', spans),
    (e: Error) => e instanceof RefusedCitation && e.message.includes(r.id) && /refuses its explanation at "…/.test(e.message),
  );
  s.dispose();
});
