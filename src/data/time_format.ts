// Timestamps of a csv/jsonl time column (--time-format): ISO 8601 / Y-M-D, unix seconds or
// milliseconds, M/D/Y or D/M/Y, each with or without a time of day; read as UTC unless the value
// carries a zone (Z, +02:00). 'auto' picks a format only when the whole column agrees on one.
import { UserError } from '../engine/errors.js';

export const TIME_FORMATS = ['auto', 'iso', 'ymd', 'unix-s', 'unix-ms', 'mdy', 'dmy'] as const;
export type TimeFormat = (typeof TIME_FORMATS)[number];

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const CLOCK = String.raw`(?:[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$`;
const YMD = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})` + CLOCK, 'i');
const SLASHED = new RegExp(String.raw`^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})` + CLOCK, 'i');

/** Seconds since the epoch of a UTC calendar time with an optional zone; undefined when a field is out of range. */
function utc(y: number, mo: number, d: number, m: RegExpMatchArray, at: number): number | undefined {
  const [hh, mm, ss] = [m[at], m[at + 1], m[at + 2]].map((x) => (x === undefined ? 0 : Number(x)));
  const frac = m[at + 3] === undefined ? 0 : Number(m[at + 3]);
  const ms = Date.UTC(y, mo - 1, d, hh, mm, ss);
  const back = new Date(ms);
  if (mo < 1 || mo > 12 || back.getUTCDate() !== d || hh > 23 || mm > 59 || ss > 59) return undefined;
  const zone = m[at + 4];
  let offset = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = zone.replace(':', '');
    offset = (zone[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
  }
  return (ms - offset * 60_000) / 1000 + frac;
}

/** Seconds since the epoch of `raw` read as `format` (not 'auto'); undefined when it is not one. */
export function parseTimeAs(format: Exclude<TimeFormat, 'auto'>, raw: unknown): number | undefined {
  if (format === 'unix-s' || format === 'unix-ms') {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && NUMERIC.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isFinite(n)) return undefined;
    return format === 'unix-ms' ? n / 1000 : n;
  }
  if (typeof raw !== 'string') return undefined;
  const s = raw.trim();
  if (format === 'iso' || format === 'ymd') {
    const m = s.match(YMD);
    return m ? utc(Number(m[1]), Number(m[2]), Number(m[3]), m, 4) : undefined;
  }
  const m = s.match(SLASHED);
  if (!m) return undefined;
  const [a, b, y] = [Number(m[1]), Number(m[3]), Number(m[4])];
  return format === 'mdy' ? utc(y, a, b, m, 5) : utc(y, b, a, m, 5);
}

/** What one value looks like, for detection. */
function shape(raw: unknown): 'unix-s' | 'unix-ms' | 'ymd' | 'dmy' | 'mdy' | 'slashed' | undefined {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (NUMERIC.test(s)) return Math.abs(Number(s)) > 1e11 ? 'unix-ms' : 'unix-s';
  if (YMD.test(s)) return 'ymd';
  const m = s.match(SLASHED);
  if (!m) return undefined;
  if (Number(m[1]) > 12) return 'dmy';
  if (Number(m[3]) > 12) return 'mdy';
  return 'slashed';
}

/**
 * The one format every readable value of a column agrees on; a UserError naming the column
 * (`what`) and two example values when it is ambiguous (only dates like 03/04/2016) or mixed.
 */
export function detectTimeFormat(values: readonly unknown[], what: string): Exclude<TimeFormat, 'auto'> {
  const seen = new Map<string, unknown>(); // shape → its first value
  for (const v of values) {
    const s = shape(v);
    if (s && !seen.has(s)) seen.set(s, v);
  }
  const example = (k: string) => JSON.stringify(typeof seen.get(k) === 'number' ? seen.get(k) : String(seen.get(k)));
  const kinds = [...seen.keys()];
  const ask = (why: string, a: string, b: string) =>
    new UserError(`${what}: ${why} (e.g. ${a} and ${b}); pass --time-format (${TIME_FORMATS.slice(1).join(', ')})`);
  if (kinds.length === 0) {
    const [a, b] = values.slice(0, 2).map((v) => JSON.stringify(v));
    throw ask('no value reads as a date or a unix time', a ?? '""', b ?? a ?? '""');
  }
  const dated = kinds.filter((k) => k === 'dmy' || k === 'mdy' || k === 'slashed');
  if (dated.length === kinds.length) {
    if (seen.has('dmy') && seen.has('mdy')) throw ask('the dates mix D/M/Y and M/D/Y', example('dmy'), example('mdy'));
    if (seen.has('dmy')) return 'dmy';
    if (seen.has('mdy')) return 'mdy';
    const slashed = values.filter((v) => shape(v) === 'slashed').slice(0, 2);
    throw ask('every date reads as D/M/Y and as M/D/Y', JSON.stringify(slashed[0]), JSON.stringify(slashed[1] ?? slashed[0]));
  }
  if (kinds.length > 1) throw ask(`the values mix ${kinds[0]} and ${kinds[1]} times`, example(kinds[0]), example(kinds[1]));
  return kinds[0] as 'unix-s' | 'unix-ms' | 'ymd';
}
