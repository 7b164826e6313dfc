// Shared by the two-file loaders (amazon, steam): tell each --input's role from its first
// parsable record, and small helpers that turn loosely typed record values into item metadata.
import { DataError, UserError } from '../../engine/errors.js';
import { readLines, type TextEncoding } from '../lines.js';
import { parseRecord } from '../pylit.js';
import type { ItemMeta } from '../rawlog.js';
import { cleanText } from '../text.js';
import type { LoadOptions } from './types.js';

const SNIFF_LINES = 50;

/** The first record of a file that parses, as the role classifier sees it. */
export interface FirstRecord {
  text: string;
  record: Record<string, unknown> | undefined; // undefined when the line is not a dict (e.g. a CSV row)
}

/** An input file and the first record it starts with. */
export interface RoleFile {
  file: string;
  first: FirstRecord;
}

/**
 * Reads each input's first parsable line and lets classify name its role; returns one file per role.
 * Throws a DataError when an input's role cannot be told, a role is given twice, or one is missing.
 */
export async function assignRoles<R extends string>(
  source: string,
  opts: LoadOptions,
  roles: readonly R[],
  classify: (first: FirstRecord) => R | undefined,
): Promise<Record<R, RoleFile>> {
  if (opts.inputs.length === 0) throw new UserError(`${source}: pass the ${roles.join(' and ')} files with --input`);
  const found = new Map<R, RoleFile>();
  for (const file of opts.inputs) {
    const first = await firstRecord(file, opts.encoding);
    const role = first ? classify(first) : undefined;
    if (!first || !role)
      throw new DataError({ file }, `cannot tell whether this is the ${source} ${roles.join(' or the ')} file${describe(first)}`);
    const other = found.get(role);
    if (other)
      throw new DataError(
        { file },
        `a second ${source} ${role} file (the first is ${other.file}); expected one ${roles.join(' and one ')} file`,
      );
    found.set(role, { file, first });
  }
  const missing = roles.filter((r) => !found.has(r));
  if (missing.length) {
    const [role, { file }] = [...found][0];
    throw new DataError(
      { file },
      `this is the ${source} ${role} file; the ${missing.join(' and ')} file is missing (pass each with --input)`,
    );
  }
  return Object.fromEntries(found) as Record<R, RoleFile>;
}

function describe(first: FirstRecord | undefined): string {
  if (!first) return ` (no parsable line among the first ${SNIFF_LINES})`;
  if (first.record) return ` (its first record has keys: ${Object.keys(first.record).slice(0, 12).join(', ')})`;
  return ` (its first line is ${JSON.stringify(first.text.slice(0, 80))})`;
}

/** The first non-blank line among the first SNIFF_LINES that is a dict or a comma-separated row. */
async function firstRecord(file: string, encoding: TextEncoding | undefined): Promise<FirstRecord | undefined> {
  for await (const { text, line } of readLines(file, { encoding })) {
    if (line > SNIFF_LINES) break;
    if (!text.trim()) continue;
    if (!text.trimStart().startsWith('{')) return { text, record: undefined };
    try {
      return { text, record: parseRecord(text) };
    } catch {
      // malformed: the load pass counts it; keep looking for a parsable one
    }
  }
  return undefined;
}

/** A non-empty id string (numbers are accepted and stringified). */
export function idOf(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** Cleaned, unique, non-empty strings from a string or a (nested) list of strings. */
export function textList(v: unknown): string[] {
  const out = new Set<string>();
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (typeof x === 'string') {
      const t = cleanText(stripTags(x));
      if (t) out.add(t);
    }
  };
  visit(v);
  return [...out];
}

/** Sets meta[key] only when the value is a non-empty string or list. */
export function putMeta(meta: ItemMeta, key: string, v: string | string[] | undefined): void {
  if (v !== undefined && v.length > 0) meta[key] = v;
}

/** Removes HTML tags (a '<' followed by a letter or '/'), leaving their text; other '<' are kept. */
export function stripTags(s: string): string {
  return s.includes('<') ? s.replace(/<\/?[a-zA-Z][^>]*>/g, ' ') : s;
}
