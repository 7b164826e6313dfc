// Source `sequences`: order-only interaction sequences with no timestamps, "user item item …" per line
// (white-space separated), in one or more files read in the order given — a user's line in a later
// file continues the sequence (DEALRec's sequential_train.txt, _valid.txt, _test.txt) — and one items
// file in JSON Lines ({"item_id" or "id", "title", …}; list and string values become metadata). The
// items file is told apart by its first line being an object. Events keep their order (time = rank).
import { UserError } from '../../engine/errors.js';
import { readLines } from '../lines.js';
import type { ItemMeta, RawLog } from '../rawlog.js';
import { cleanText, cleanTitle } from '../text.js';
import { eachLine } from './common.js';
import { idOf, putMeta, stripTags, textList } from './roles.js';
import type { Loader, LoadOptions } from './types.js';

const ID_KEYS = ['item_id', 'id'];

/** Whether the file's first non-blank line is a JSON object (the items file). */
async function isItemsFile(file: string, opts: LoadOptions): Promise<boolean> {
  for await (const { text } of readLines(file, { encoding: opts.encoding })) if (text.trim()) return text.trimStart().startsWith('{');
  return false;
}

export const loadSequences: Loader = async (opts, log) => {
  if (opts.inputs.length < 2) throw new UserError('sequences: pass the sequence file(s) and the items file (JSON Lines) with --input');
  const items: string[] = [];
  const sequences: string[] = [];
  for (const file of opts.inputs) ((await isItemsFile(file, opts)) ? items : sequences).push(file);
  if (items.length !== 1)
    throw new UserError(`sequences: expected one items file (JSON Lines), got ${items.length}: ${items.join(', ') || 'none'}`);
  if (sequences.length === 0) throw new UserError('sequences: no sequence file among the --input files');
  let rank = 0;
  for (const file of sequences) {
    await eachLine(file, opts, ({ text, line }) => {
      const [user, ...seq] = text.trim().split(/\s+/);
      if (!user) return;
      seq.forEach((item, i) => log.addEvent(user, item, rank++, { file, line, field: `item ${i + 1}` }));
    });
  }
  await readItems(items[0], opts, log);
};

async function readItems(file: string, opts: LoadOptions, log: RawLog): Promise<void> {
  await eachLine(file, opts, ({ text, line }) => {
    const where = { file, line };
    if (!text.trim()) return;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return log.skip('malformed_item_line', where, text.slice(0, 80));
    }
    const idKey = ID_KEYS.find((k) => idOf(r[k]) !== undefined);
    if (idKey === undefined) return log.skip('missing_item_id', { ...where, field: ID_KEYS.join(' or ') });
    const meta: ItemMeta = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === idKey || k === 'title') continue;
      if (Array.isArray(v)) putMeta(meta, k, textList(v));
      else if (typeof v === 'string') putMeta(meta, k, cleanText(stripTags(v)));
      else if (typeof v === 'number' && Number.isFinite(v)) meta[k] = v;
    }
    log.setItem(idOf(r[idKey])!, cleanTitle(typeof r.title === 'string' ? stripTags(r.title) : undefined), meta, where);
  });
}
