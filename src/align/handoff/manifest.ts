// job.json: what `export-job` wrote into a job folder and `import-adapter` reads back — the mode and
// the reference's task_type, the target model and the fixed input scales its tables were multiplied
// by (so our projectors, which apply the scale themselves, read f's raw vectors), the connector
// names and sizes, the LoRA settings, the launch shape and the sample counts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UserError } from '../../engine/errors.js';
import type { RecSource } from '../../rec/source.js';
import type { Form } from '../../tasks/forms.js';

export const JOB_FORMAT = 'recexplainer-handoff/1';
export const JOB_FILE = 'job.json';

/** The reference's task_type for each of our modes: B trains no connector, but the reference builds them all the same. */
export const TASK_TYPE: Record<Form, 'behaviour' | 'intention' | 'both'> = { B: 'behaviour', I: 'intention', H: 'both' };

/** The reference's connector modules (LLM4Exp.py): Sequential(Linear(d, H/2), GELU, Linear(H/2, H)). */
export const CONNECTOR_MODULES = { user: 'user_connector', item: 'item_connector' } as const;

/** The modules the reference's sft_training.py puts LoRA on (hard-coded there for Llama). */
export const REFERENCE_TARGET_MODULES = ['q_proj', 'v_proj', 'k_proj', 'o_proj'];

export interface SplitCounts {
  entries: number;
  by_task: Record<string, number>; // "1".."7" → samples
  by_type: Record<string, number>; // the reference's sample type → samples
}

export interface JobManifest {
  format: typeof JOB_FORMAT;
  mode: Form;
  task_type: (typeof TASK_TYPE)[Form];
  tasks: string; // absolute
  rec: RecSource; // f (absolute paths), whose vectors the tables hold
  base_model: string; // as given: the GPU machine's name for it
  template: string;
  max_history: number;
  connector: { modules: typeof CONNECTOR_MODULES; in: number; scale: { user: number; item: number } };
  tables: { users: number; items: number; dim: number }; // rows of user_embedding / item_embedding (row 0: padding)
  lora: { r: number; alpha: number; dropout: number; target_modules: string[] };
  launch: { gpus: number; nodes: number; processes: number };
  counts: { train: SplitCounts; valid: SplitCounts };
}

/** <job>/job.json, checked for its format. */
export function readJobManifest(dir: string): JobManifest {
  const file = join(dir, JOB_FILE);
  if (!existsSync(file))
    throw new UserError(`${dir}: not an export-job folder (no ${JOB_FILE}); write one with \`recexplainer export-job\``);
  let m: JobManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as JobManifest;
  } catch {
    throw new DataError({ file }, 'is not valid JSON');
  }
  if (m.format !== JOB_FORMAT) throw new DataError({ file, field: 'format' }, `is ${JSON.stringify(m.format)}, expected "${JOB_FORMAT}"`);
  return m;
}
