// Samples per task × split × form (the paper's Table B2, one column pair per form; task 7 =
// explanations): counts.json { "<form>": { "<split>": { "task1" … "task7", "total" } } } and a Markdown table.
import type { Split, TaskId } from './generate.js';
import type { Form, TaskRecord } from './forms.js';

export type Counts = Partial<Record<Form, Record<Split, Record<string, number>>>>;

const TASKS: readonly TaskId[] = [1, 2, 3, 4, 5, 6, 7];
const SPLITS: readonly Split[] = ['train', 'test'];

/** Counts one file's records. */
export function countRecords(records: readonly TaskRecord[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const t of TASKS) c[`task${t}`] = 0;
  for (const r of records) c[`task${r.task}`]++;
  c.total = records.length;
  return c;
}

export function countsMarkdown(counts: Counts): string {
  const forms = (Object.keys(counts) as Form[]).filter((f) => counts[f]);
  const cols = forms.flatMap((f) => SPLITS.map((s) => `${f} ${s}`));
  const fmt = (n: number) => n.toLocaleString('en-US');
  const row = (label: string, key: string) =>
    `| ${label} | ${forms.flatMap((f) => SPLITS.map((s) => fmt(counts[f]![s][key]))).join(' | ')} |`;
  return [
    '# Alignment task samples',
    '',
    'Samples per task, split and form (B: titles; I: `<user>`/`<item>` embeddings; H: both, and its training file also holds the B and I renderings).',
    '',
    `| task | ${cols.join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    ...TASKS.map((t) => row(t === 7 ? 'Task 7 (explanations)' : `Task ${t}`, `task${t}`)),
    row('Total', 'total'),
    '',
  ].join('\n');
}
