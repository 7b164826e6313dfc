// McAuley's Amazon review dumps, 2014 and 2018 releases: two --input files in any order, told apart by
// their first record — reviews (JSON lines, or the ratings-only CSV item,user,rating,timestamp) and
// metadata (2014: Python dict literals; 2018: JSON). Events are (reviewerID, asin, unixReviewTime).
import type { Where } from '../../engine/errors.js';
import { parseRecord } from '../pylit.js';
import type { ItemMeta, RawLog } from '../rawlog.js';
import { cleanText, cleanTitle } from '../text.js';
import { eachLine } from './common.js';
import { assignRoles, idOf, putMeta, stripTags, textList, type FirstRecord, type RoleFile } from './roles.js';
import type { Loader, LoadOptions } from './types.js';

const DESCRIPTION_MAX = 1000;

type AmazonRole = 'reviews' | 'metadata';

function classifyAmazon(first: FirstRecord): AmazonRole | undefined {
  const r = first.record;
  if (!r) return isRatingRow(first.text.split(',')) ? 'reviews' : undefined;
  if ('reviewerID' in r || 'unixReviewTime' in r || 'overall' in r) return 'reviews';
  return 'asin' in r ? 'metadata' : undefined;
}

/** item,user,rating,timestamp with a numeric rating (a header row has words there). */
function isRatingRow(f: string[]): boolean {
  return f.length === 4 && f[0] !== '' && f[1] !== '' && (Number.isFinite(Number(f[2])) || f[2].trim() === 'rating');
}

export const loadAmazon: Loader = async (opts, log) => {
  const files = await assignRoles('amazon', opts, ['reviews', 'metadata'] as const, classifyAmazon);
  await readReviews(files.reviews, opts, log);
  await readMetadata(files.metadata.file, opts, log);
};

/** Reviews as JSON lines, or as the ratings-only CSV when the first record is not a dict. */
async function readReviews({ file, first }: RoleFile, opts: LoadOptions, log: RawLog): Promise<void> {
  const csv = first.record === undefined;
  await eachLine(file, opts, ({ text, line }) => {
    const where = { file, line };
    if (!text.trim()) return;
    if (csv) return ratingRow(text, where, log);
    let r: Record<string, unknown>;
    try {
      r = parseRecord(text);
    } catch (e) {
      return log.skip('malformed_line', where, (e as Error).message);
    }
    const user = idOf(r.reviewerID);
    if (!user) return log.skip('missing_field_reviewerID', { ...where, field: 'reviewerID' });
    const item = idOf(r.asin);
    if (!item) return log.skip('missing_field_asin', { ...where, field: 'asin' });
    const time = reviewTime(r);
    if (time === undefined) return log.skip('missing_field_unixReviewTime', { ...where, field: 'unixReviewTime' });
    log.addEvent(user, item, time, where);
  });
}

/** One row of the ratings-only CSV: item,user,rating,timestamp (a header on line 1 is skipped). */
function ratingRow(text: string, where: Where & { line: number }, log: RawLog): void {
  const f = text.split(',');
  if (f.length !== 4)
    return log.skip('malformed_line', where, `expected 4 comma-separated fields (item,user,rating,timestamp), got ${f.length}`);
  const ts = f[3].trim();
  if (where.line === 1 && !/^[\d.]+$/.test(ts)) return; // header row
  if (!ts) return log.skip('missing_field_timestamp', { ...where, field: 'timestamp' });
  log.addEvent(f[1].trim(), f[0].trim(), Number(ts), where);
}

/** unixReviewTime (seconds), else reviewTime "MM DD, YYYY" at UTC midnight; undefined when neither is usable. */
function reviewTime(r: Record<string, unknown>): number | undefined {
  const u = r.unixReviewTime;
  if (typeof u === 'number' && Number.isFinite(u)) return u;
  if (typeof u === 'string' && /^\d+$/.test(u.trim())) return Number(u);
  const m = typeof r.reviewTime === 'string' ? /^(\d{1,2}) (\d{1,2}), (\d{4})$/.exec(r.reviewTime.trim()) : null;
  return m ? Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2])) / 1000 : undefined;
}

const ASIN_CANDIDATE = /["']asin["']\s*:\s*u?["']([^"'\\]+)["']/g;

async function readMetadata(file: string, opts: LoadOptions, log: RawLog): Promise<void> {
  await eachLine(file, opts, ({ text, line }) => {
    const where = { file, line };
    if (!text.trim() || !mayMention(text, log)) return;
    let r: Record<string, unknown>;
    try {
      r = parseRecord(text);
    } catch (e) {
      return log.skip('malformed_line', where, (e as Error).message);
    }
    const asin = idOf(r.asin);
    if (!asin) return log.skip('missing_field_asin', { ...where, field: 'asin' });
    if (log.hasItem(asin))
      log.setItem(asin, cleanTitle(typeof r.title === 'string' ? stripTags(r.title) : undefined), amazonMeta(r), where);
  });
}

/**
 * Cheap pre-filter before the full parse: false only when every "asin": "…" in the raw text names an
 * item no review mentions. A line with no such match (odd quoting) is parsed to be sure.
 */
function mayMention(text: string, log: RawLog): boolean {
  let any = false;
  for (const m of text.matchAll(ASIN_CANDIDATE)) {
    if (log.hasItem(m[1])) return true;
    any = true;
  }
  return !any;
}

/** brand, categories (2014 nested lists or 2018 category), description (capped), feature (2018). */
function amazonMeta(r: Record<string, unknown>): ItemMeta {
  const meta: ItemMeta = {};
  putMeta(meta, 'brand', typeof r.brand === 'string' ? cleanText(stripTags(r.brand)) : undefined);
  putMeta(meta, 'categories', textList(r.categories ?? r.category));
  putMeta(meta, 'description', capText(textList(r.description).join(' ')));
  putMeta(meta, 'feature', textList(r.feature));
  return meta;
}

/** Cuts text to at most DESCRIPTION_MAX characters, at a word boundary when one is near, marking the cut with '…'. */
function capText(s: string): string {
  if (s.length <= DESCRIPTION_MAX) return s;
  let cut = s.lastIndexOf(' ', DESCRIPTION_MAX - 1);
  if (cut < DESCRIPTION_MAX * 0.8) cut = DESCRIPTION_MAX - 1;
  if (/[\uD800-\uDBFF]/.test(s[cut - 1])) cut--; // never split a surrogate pair
  return s.slice(0, cut).trimEnd() + '…';
}
