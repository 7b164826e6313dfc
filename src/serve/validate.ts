// Reading a JSON request body field by field: an object with only the allowed keys, and each value of
// the type asked for, else a 400 HttpError naming the field (its path, e.g. instances[2].item), what
// it must be and what it got. A name outside a route's choices is a 422; whether an id exists is for
// the caller (422 too).
import { badRequest, unprocessable } from './http_error.js';

export type Json = Record<string, unknown>;

/** What a value is, in words ("a string", "null", "an array"), for error messages. */
function got(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'number') return `${v}`;
  return `${typeof v === 'object' ? 'an' : 'a'} ${typeof v}`;
}

/** `v` as an object whose keys are all in `allowed`. */
export function object(v: unknown, allowed: readonly string[], path = 'body'): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`${path} must be a JSON object, got ${got(v)}`);
  const unknown = Object.keys(v).find((k) => !allowed.includes(k));
  if (unknown !== undefined)
    throw badRequest(`${path === 'body' ? '' : `${path}: `}unknown field "${unknown}" (this route takes ${allowed.join(', ')})`);
  return v as Json;
}

const at = (path: string, key: string) => (path === 'body' ? `"${key}"` : `"${path}.${key}"`);

/** An integer field in [min, max], or undefined when absent. */
export function int(o: Json, key: string, path = 'body', min = -Infinity, max = Infinity): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${at(path, key)} must be an integer, got ${got(v)}`);
  if (v < min || v > max) throw badRequest(`${at(path, key)} must be in ${min}..${max}, got ${v}`);
  return v;
}

/** A list of integers, or undefined when absent. */
export function ints(o: Json, key: string, path = 'body'): number[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest(`${at(path, key)} must be a list of integers, got ${got(v)}`);
  const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isInteger(x));
  if (bad >= 0) throw badRequest(`${at(path, key)}[${bad}] must be an integer, got ${got(v[bad])}`);
  return v as number[];
}

/** A string of at most `max` characters, or undefined when absent. */
export function str(o: Json, key: string, max: number, path = 'body'): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`${at(path, key)} must be a string, got ${got(v)}`);
  if (v.length > max) throw badRequest(`${at(path, key)} has ${v.length} characters, at most ${max}`);
  return v;
}

/** A boolean, or undefined when absent. */
export function bool(o: Json, key: string, path = 'body'): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${at(path, key)} must be true or false, got ${got(v)}`);
  return v;
}

/** A list of names, each one of `choices`, or undefined when absent. */
export function names(o: Json, key: string, choices: readonly string[], path = 'body'): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw badRequest(`${at(path, key)} must be a list of names among ${choices.join(', ')}, got ${got(v)}`);
  const bad = (v as string[]).find((x) => !choices.includes(x));
  if (bad !== undefined) throw unprocessable(`${at(path, key)}: unknown name "${bad}" (this run has ${choices.join(', ')})`);
  if (v.length === 0) throw badRequest(`${at(path, key)} is empty: name at least one of ${choices.join(', ')}`);
  return [...new Set(v as string[])];
}

/** A list of objects (at least 1, at most `max`), or undefined when absent. */
export function objects(o: Json, key: string, max: number, path = 'body'): unknown[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest(`${at(path, key)} must be a list, got ${got(v)}`);
  if (v.length === 0 || v.length > max) throw badRequest(`${at(path, key)} must hold 1..${max} entries, got ${v.length}`);
  return v;
}
