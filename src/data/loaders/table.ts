// Generic loaders: --input INTERACTIONS ITEMS as CSV/TSV (header row) or JSON Lines, read through opts.columns.
// Time: read by time_column.ts (--time-format, or the one format the column agrees on; UTC unless a zone is given).
// Metadata: CSV values with '|' become lists; JSONL keeps strings, numbers and string lists, and counts objects as skips.
import { DataError, UserError, type Where } from '../../engine/errors.js';
import { eachCsvRow, type CsvOptions } from '../csv.js';
import type { ItemMeta, MetaValue, RawLog } from '../rawlog.js';
import { cleanText, cleanTitle } from '../text.js';
import { eachLine, type EachLineOptions } from './common.js';
import { TimeColumn } from './time_column.js';
import type { ColumnMapping, LoadOptions, Loader } from './types.js';

type JsonObject = Record<string, unknown>;

export const loadCsv: Loader = async (opts, log) => {
  const { columns: c, interactions, items } = tableInputs('csv', opts);
  const read: CsvOptions = { encoding: opts.encoding, quiet: opts.quiet, delimiter: c.delimiter };
  const eventCols = c.time === undefined ? [c.user, c.item] : [c.user, c.item, c.time];
  const events = new TimeColumn(interactions, c.time, c.timeFormat, c.skipBadTimes);
  await eachCsvRow(interactions, read, eventCols, log, ([user, item, time], line) => events.add(user, item, time, line));
  events.addTo(log);
  await eachCsvRow(items, read, [c.itemId ?? c.item, c.title, ...c.meta], log, ([rawId, title, ...values], line) => {
    const id = rawId.trim();
    if (!log.hasItem(id)) return;
    const meta: ItemMeta = {};
    c.meta.forEach((col, k) => setMeta(meta, col, csvMeta(values[k])));
    log.setItem(id, cleanTitle(title), meta, { file: items, line });
  });
};

export const loadJsonl: Loader = async (opts, log) => {
  const { columns: c, interactions, items } = tableInputs('jsonl', opts);
  const read: EachLineOptions = { encoding: opts.encoding, quiet: opts.quiet };
  const events = new TimeColumn(interactions, c.time, c.timeFormat, c.skipBadTimes);
  await eachObject(interactions, read, log, (o, where) => {
    const user = idValue(o, c.user, where, log);
    if (user === undefined) return;
    const item = idValue(o, c.item, where, log);
    if (item === undefined) return;
    if (c.time !== undefined && isAbsent(o[c.time])) return log.skip('missing_field', { ...where, field: c.time });
    events.add(user, item, c.time === undefined ? undefined : o[c.time], where.line);
  });
  events.addTo(log);
  await eachObject(items, read, log, (o, where) => {
    const id = idValue(o, c.itemId ?? c.item, where, log);
    if (id === undefined || !log.hasItem(id)) return;
    if (!(c.title in o)) return log.skip('missing_field', { ...where, field: c.title });
    const meta: ItemMeta = {};
    for (const col of c.meta) setMeta(meta, col, jsonMeta(o[col], { ...where, field: col }, log));
    const title = o[c.title];
    log.setItem(id, cleanTitle(typeof title === 'number' ? String(title) : title), meta, where);
  });
};

function tableInputs(kind: string, opts: LoadOptions): { columns: ColumnMapping; interactions: string; items: string } {
  if (!opts.columns) throw new UserError(`${kind}: needs a column mapping (--user-col, --item-col, --title-col)`);
  if (opts.inputs.length !== 2)
    throw new UserError(`${kind}: --input takes two files, interactions then items (got ${opts.inputs.length})`);
  return { columns: opts.columns, interactions: opts.inputs[0], items: opts.inputs[1] };
}

function setMeta(meta: ItemMeta, key: string, value: MetaValue | undefined): void {
  if (value !== undefined) meta[key] = value;
}

/** A CSV cell: a list when it contains '|', else a string; empty → absent. */
function csvMeta(raw: string): MetaValue | undefined {
  if (raw.includes('|')) {
    const list = raw.split('|').map(cleanText).filter(Boolean);
    return list.length ? list : undefined;
  }
  return cleanText(raw) || undefined;
}

/** A JSON value: strings and booleans as text, numbers kept, lists of scalars as string lists; objects counted and dropped. */
function jsonMeta(v: unknown, where: Where, log: RawLog): MetaValue | undefined {
  if (isAbsent(v)) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' || typeof v === 'boolean') return cleanText(String(v)) || undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) {
    const list = v.map((x) => cleanText(String(x))).filter(Boolean);
    return list.length ? list : undefined;
  }
  log.skip('unsupported_meta_value', where, Array.isArray(v) ? 'a list holding non-scalar values' : 'an object');
  return undefined;
}

/** A user or item id: a string or number; missing → missing_field, anything else → malformed_line. */
function idValue(o: JsonObject, key: string, where: Where, log: RawLog): string | undefined {
  const v = o[key];
  if (isAbsent(v)) {
    log.skip('missing_field', { ...where, field: key });
    return undefined;
  }
  if (typeof v === 'string' || typeof v === 'number') return String(v).trim();
  log.skip('malformed_line', { ...where, field: key }, `expected a string or number, got ${JSON.stringify(v)}`);
  return undefined;
}

function isAbsent(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

/** Calls fn for each JSON object line; blank lines are ignored, other non-objects counted as malformed_line. */
async function eachObject(
  path: string,
  read: EachLineOptions,
  log: RawLog,
  fn: (o: JsonObject, where: Where & { line: number }) => void,
): Promise<void> {
  let records = 0;
  await eachLine(path, read, (l) => {
    const text = l.text.trim();
    if (!text) return;
    records++;
    const where = { file: path, line: l.line };
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      return log.skip('malformed_line', where, `not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return log.skip('malformed_line', where, 'not a JSON object');
    fn(v as JsonObject, where);
  });
  if (records === 0) throw new DataError({ file: path }, 'empty file');
}
