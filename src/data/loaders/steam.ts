// Kang & McAuley's Steam dumps: steam_reviews.json(.gz) and steam_games.json(.gz), Python dict literals,
// two --input files in any order (told apart by their first record). Events are (user_id, else username;
// product_id; date at UTC midnight in seconds), in file order; games give title, tags, genres, developer, year.
import { parseRecord } from '../pylit.js';
import type { ItemMeta, RawLog } from '../rawlog.js';
import { cleanText, cleanTitle } from '../text.js';
import { assignRoles, idOf, putMeta, textList, type FirstRecord } from './roles.js';
import { eachLine } from './common.js';
import type { Loader, LoadOptions } from './types.js';

type SteamRole = 'reviews' | 'games';

const REVIEW_KEYS = ['product_id', 'user_id', 'username', 'hours', 'page_order'];
const GAME_KEYS = ['id', 'app_name', 'title', 'tags', 'genres', 'developer', 'publisher', 'release_date', 'specs', 'url'];

function classifySteam({ record }: FirstRecord): SteamRole | undefined {
  if (!record) return undefined;
  if (REVIEW_KEYS.some((k) => k in record)) return 'reviews';
  return GAME_KEYS.some((k) => k in record) ? 'games' : undefined;
}

export const loadSteam: Loader = async (opts, log) => {
  const files = await assignRoles('steam', opts, ['reviews', 'games'] as const, classifySteam);
  await readReviews(files.reviews.file, opts, log);
  await readGames(files.games.file, opts, log);
};

/** Calls fn with each non-blank line's dict; counts lines that do not parse as one. */
async function eachRecord(
  file: string,
  opts: LoadOptions,
  log: RawLog,
  fn: (r: Record<string, unknown>, where: { file: string; line: number }) => void,
): Promise<void> {
  await eachLine(file, opts, ({ text, line }) => {
    if (!text.trim()) return;
    let r: Record<string, unknown>;
    try {
      r = parseRecord(text);
    } catch (e) {
      return log.skip('malformed_line', { file, line }, (e as Error).message);
    }
    fn(r, { file, line });
  });
}

async function readReviews(file: string, opts: LoadOptions, log: RawLog): Promise<void> {
  await eachRecord(file, opts, log, (r, where) => {
    const user = idOf(r.user_id) ?? idOf(r.username);
    if (!user) return log.skip('missing_field_username', { ...where, field: 'username' });
    const item = idOf(r.product_id);
    if (!item) return log.skip('missing_field_product_id', { ...where, field: 'product_id' });
    if (typeof r.date !== 'string') return log.skip('missing_field_date', { ...where, field: 'date' });
    log.addEvent(user, item, dateSeconds(r.date), { ...where, field: 'date' });
  });
}

/** "YYYY-MM-DD" as unix seconds at UTC midnight; NaN when it is not a real date. */
export function dateSeconds(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  if (!m) return NaN;
  const [y, mo, d] = [m[1], m[2], m[3]].map(Number);
  if (mo < 1 || mo > 12) return NaN;
  const ms = Date.UTC(y, mo - 1, d);
  return new Date(ms).getUTCDate() === d ? ms / 1000 : NaN; // rejects 2017-02-30
}

async function readGames(file: string, opts: LoadOptions, log: RawLog): Promise<void> {
  await eachRecord(file, opts, log, (r, where) => {
    const id = idOf(r.id);
    if (!id) return log.skip('missing_field_id', { ...where, field: 'id' });
    if (log.hasItem(id)) log.setItem(id, cleanTitle(r.app_name) ?? cleanTitle(r.title), gameMeta(r), where);
  });
}

function gameMeta(r: Record<string, unknown>): ItemMeta {
  const meta: ItemMeta = {};
  putMeta(meta, 'tags', textList(r.tags));
  putMeta(meta, 'genres', textList(r.genres));
  putMeta(meta, 'developer', typeof r.developer === 'string' ? cleanText(r.developer) : undefined);
  const year = typeof r.release_date === 'string' ? /\b(1[89]\d\d|20\d\d)\b/.exec(r.release_date) : null;
  if (year) meta.year = Number(year[1]);
  return meta;
}
