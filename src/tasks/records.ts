// Task samples as `recexplainer tasks` wrote them (<tasks>/<split>.<form>.jsonl, one TaskRecord a
// line), read whole with one-line errors naming file:line:field, and the tasks folder's config.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DataError, UserError } from '../engine/errors.js';
import { recSource, recSpec, type RecFlags, type RecSource } from '../rec/source.js';
import type { Form, TaskRecord } from './forms.js';
import type { Split } from './generate.js';

export function taskFile(dir: string, split: Split, form: Form): string {
  return join(dir, `${split}.${form}.jsonl`);
}

/** Every record of one task file; a malformed line is a DataError naming the file and line. */
export function readTaskRecords(file: string): TaskRecord[] {
  if (!existsSync(file)) throw new UserError(`${file}: no such task file (run \`recexplainer tasks\` with this form)`);
  const out: TaskRecord[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '') return;
      const at = { file, line: i + 1 };
      let r: TaskRecord;
      try {
        r = JSON.parse(text) as TaskRecord;
      } catch {
        throw new DataError(at, 'is not valid JSON');
      }
      if (typeof r !== 'object' || r === null) throw new DataError(at, 'is not a JSON object');
      for (const k of ['id', 'prompt', 'response'] as const)
        if (typeof r[k] !== 'string') throw new DataError({ ...at, field: k }, 'missing or not a string');
      if (![1, 2, 3, 4, 5, 6, 7].includes(r.task)) throw new DataError({ ...at, field: 'task' }, `unknown task ${JSON.stringify(r.task)}`);
      if (!Array.isArray(r.soft) || !Array.isArray(r.items))
        throw new DataError({ ...at, field: Array.isArray(r.soft) ? 'items' : 'soft' }, 'missing or not a list');
      out.push(r);
    });
  return out;
}

/** The target model f and data-set folder the tasks were built from, the shown-history length and task 3's positive share (from <tasks>/config.json). */
export function tasksSources(dir: string): { rec: RecSource; data: string; maxHistory: number; posTop: number } {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) throw new UserError(`${dir}: not a tasks folder (no config.json); build one with \`recexplainer tasks\``);
  let cfg: { data?: unknown; maxHistory?: unknown; posTop?: unknown } & Record<string, unknown>;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8')) as typeof cfg;
  } catch {
    throw new DataError({ file }, 'is not valid JSON');
  }
  if (typeof cfg.data !== 'string') throw new DataError({ file, field: 'data' }, 'missing or not a string');
  const data = isAbsolute(cfg.data) ? cfg.data : resolve(cfg.data);
  const flags: Record<string, unknown> = {};
  for (const k of Object.keys(recSpec())) {
    const v = cfg[k];
    if (v === undefined) continue;
    if (typeof v !== (k === 'onnxMaxLen' ? 'number' : 'string')) throw new DataError({ file, field: k }, 'has the wrong type');
    flags[k] = v;
  }
  let rec: RecSource;
  try {
    rec = recSource(flags as RecFlags);
  } catch (e) {
    throw e instanceof UserError ? new DataError({ file }, e.message) : e;
  }
  if (!Number.isInteger(cfg.maxHistory) || (cfg.maxHistory as number) < 1)
    throw new DataError({ file, field: 'maxHistory' }, 'missing or not a positive integer');
  const posTop = typeof cfg.posTop === 'number' && cfg.posTop > 0 && cfg.posTop < 1 ? cfg.posTop : 0.2;
  return { rec, data, maxHistory: cfg.maxHistory as number, posTop };
}
