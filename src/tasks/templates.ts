// Prompt templates as data (templates/default.json, or a user's file with the same keys):
// loading with one-line DataErrors naming the file and key, slot filling that keeps soft
// tokens in order of appearance, and an even, seeded rotation over each task's templates.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../engine/errors.js';
import { repoRoot } from '../engine/paths.js';
import type { Rng } from '../engine/rng.js';

export const TEMPLATES_FORMAT = 'recexplainer-templates';

export const SLOT = { user: '{USER HISTORY}', items: '{ITEMS}', item: '{ITEM}', attribute: '{ATTRIBUTE}', text: '{TEXT}' } as const;
export type Slot = (typeof SLOT)[keyof typeof SLOT];

/** The slots each template list must use (and the only ones it may use). */
export const TASK_SLOTS = {
  t1: [SLOT.user],
  t2: [SLOT.user, SLOT.items],
  t3: [SLOT.user, SLOT.item],
  t4: [SLOT.item, SLOT.attribute],
  t5: [SLOT.text],
  t6: [SLOT.user],
  t7: [SLOT.user, SLOT.item],
  t6s: [SLOT.user], // task 6 preference summaries, written by a teacher LLM
} as const;
export type TemplateKey = keyof typeof TASK_SLOTS;
export const TEMPLATE_KEYS = Object.keys(TASK_SLOTS) as TemplateKey[];
/** Keys a file may leave out (their list is then empty): only a teacher run needs them. */
const OPTIONAL_KEYS: ReadonlySet<TemplateKey> = new Set(['t6s']);

export interface Templates {
  file: string;
  prompts: Record<TemplateKey, string[]>;
  attributes: Record<string, string>; // metadata key → its name in a task 4 prompt
  answers: { yes: string; no: string }; // task 3 responses
}

export function defaultTemplatesPath(): string {
  return join(repoRoot(), 'templates', 'default.json');
}

export function loadTemplates(file = defaultTemplatesPath()): Templates {
  if (!existsSync(file)) throw new DataError({ file }, 'template file not found');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new DataError({ file }, `invalid JSON: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new DataError({ file }, 'expected a JSON object of template lists');
  if (raw.format !== undefined && raw.format !== TEMPLATES_FORMAT)
    throw new DataError({ file, field: 'format' }, `expected "${TEMPLATES_FORMAT}", got ${JSON.stringify(raw.format)}`);
  const prompts = {} as Record<TemplateKey, string[]>;
  for (const key of TEMPLATE_KEYS) {
    const list = raw[key];
    if (list === undefined && OPTIONAL_KEYS.has(key)) {
      prompts[key] = [];
      continue;
    }
    if (!Array.isArray(list) || list.length === 0)
      throw new DataError({ file, field: key }, `missing: task ${key.slice(1)} needs a non-empty array of template strings`);
    prompts[key] = list.map((t, i) => checkTemplate(file, `${key}[${i}]`, t, TASK_SLOTS[key]));
  }
  const attributes = stringRecord(file, 'attributes', raw.attributes ?? {});
  const answers = stringRecord(file, 'answers', raw.answers);
  for (const k of ['yes', 'no']) if (!answers[k]) throw new DataError({ file, field: `answers.${k}` }, 'missing: the task 3 answer text');
  return { file, prompts, attributes, answers: { yes: answers.yes, no: answers.no } };
}

function checkTemplate(file: string, field: string, t: unknown, slots: readonly Slot[]): string {
  if (typeof t !== 'string' || !t.trim()) throw new DataError({ file, field }, 'missing: expected a non-empty template string');
  for (const s of slots) if (!t.includes(s)) throw new DataError({ file, field }, `missing slot ${s}`);
  for (const m of t.match(/\{[^{}]*\}/g) ?? []) {
    if (!(slots as readonly string[]).includes(m))
      throw new DataError({ file, field }, `slot ${m} is not allowed here (allowed: ${slots.join(', ')})`);
  }
  return t;
}

function stringRecord(file: string, field: string, v: unknown): Record<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new DataError({ file, field }, 'missing: expected an object of strings');
  for (const [k, s] of Object.entries(v))
    if (typeof s !== 'string') throw new DataError({ file, field: `${field}.${k}` }, 'expected a string');
  return v as Record<string, string>;
}

/** A slot's filling: its text and the soft tokens that text contains, in order. */
export interface Piece<S> {
  text: string;
  soft: S[];
}

/** Fills every slot of a template; soft tokens come out in order of appearance in the text. */
export function fillTemplate<S>(template: string, values: Partial<Record<Slot, Piece<S>>>): Piece<S> {
  const soft: S[] = [];
  const text = template.replace(/\{[^{}]*\}/g, (slot) => {
    const v = values[slot as Slot];
    if (!v) throw new RangeError(`fillTemplate: no value for ${slot}`);
    soft.push(...v.soft);
    return v.text;
  });
  return { text, soft };
}

/** A template picked for one sample: its id ("t1.3", 1-based) and text. */
export interface Picked {
  id: string;
  text: string;
}

/**
 * Even rotation: each stream (a task, or task 4 per attribute) walks a seeded random
 * permutation of its templates and reshuffles when it runs out, so counts differ by ≤ 1 per stream.
 */
export class TemplatePicker {
  private readonly queues = new Map<string, number[]>();

  constructor(
    private readonly templates: Templates,
    private readonly rng: Rng,
  ) {}

  pick(key: TemplateKey, stream: string = key): Picked {
    const list = this.templates.prompts[key];
    let q = this.queues.get(stream);
    if (!q || q.length === 0) {
      q = this.rng.shuffle(list.map((_, i) => i));
      this.queues.set(stream, q);
    }
    const i = q.pop()!;
    return { id: `${key}.${i + 1}`, text: list[i] };
  }
}
