// The in-memory raw log every loader fills: interned user/item ids, events in compact typed
// arrays (about 16 bytes each), item titles and metadata, counted skips, and items listed with
// conflicting titles (the first kept; an error in strict mode).
// Loaders read interactions first, then keep metadata only for items that occur in them.
import { DataError, formatWhere, type Where } from '../engine/errors.js';

/** Metadata values kept per item: strings, numbers, or lists of strings. */
export type MetaValue = string | number | string[];
export type ItemMeta = Record<string, MetaValue>;

export interface RawItem {
  title: string | undefined;
  meta: ItemMeta;
}

/** Items listed again with another title: how many, and the first few. */
export interface TitleConflicts {
  count: number;
  examples: string[]; // 'i42: "Alpha" (kept) vs "Beta" at items.csv:9'
}

const CONFLICT_EXAMPLES = 5;

export class RawLog {
  readonly userIds: string[] = []; // internal user index → raw id
  readonly itemIds: string[] = []; // internal item index → raw id
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly itemData = new Map<number, RawItem>();

  private users = new Int32Array(1024);
  private items = new Int32Array(1024);
  private times = new Float64Array(1024);
  private n = 0;

  readonly skipped: Record<string, number> = {};
  readonly skipExamples: Record<string, string> = {}; // reason → first place it happened
  readonly titleConflicts: TitleConflicts = { count: 0, examples: [] };

  /** strict: a skip throws a DataError instead of being counted. */
  constructor(readonly strict = false) {}

  get size(): number {
    return this.n;
  }

  /** Counts a skipped record; throws in strict mode. */
  skip(reason: string, where?: Where, detail?: string): void {
    if (this.strict && where) throw new DataError(where, `${reason.replace(/_/g, ' ')}${detail ? `: ${detail}` : ''}`);
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
    if (where && !(reason in this.skipExamples)) {
      this.skipExamples[reason] = formatWhere(where) + (detail ? `: ${detail}` : '');
    }
  }

  /** Records that `count` records were dropped for `reason` by a processing step. */
  count(reason: string, count: number): void {
    if (count > 0) this.skipped[reason] = (this.skipped[reason] ?? 0) + count;
  }

  /** Adds one interaction. time is any increasing number (unix seconds, or a line index). */
  addEvent(user: string, item: string, time: number, where?: Where): void {
    if (!user) return this.skip('missing_user', where);
    if (!item) return this.skip('missing_item', where);
    if (!Number.isFinite(time)) return this.skip('bad_timestamp', where);
    if (this.n === this.users.length) this.grow();
    this.users[this.n] = intern(user, this.userIds, this.userIndex);
    this.items[this.n] = intern(item, this.itemIds, this.itemIndex);
    this.times[this.n] = time;
    this.n++;
  }

  /** True when an interaction mentions this raw item id (so its metadata is worth keeping). */
  hasItem(item: string): boolean {
    return this.itemIndex.has(item);
  }

  /** Sets an item's title and metadata; the first record for an item wins (another title is counted). Unknown items are ignored. */
  setItem(item: string, title: string | undefined, meta: ItemMeta, where?: Where): void {
    const idx = this.itemIndex.get(item);
    if (idx === undefined) return;
    const first = this.itemData.get(idx);
    if (first) {
      if (title !== undefined && first.title !== undefined && title !== first.title) this.conflict(item, first.title, title, where);
      return this.skip('duplicate_item_record', where);
    }
    this.itemData.set(idx, { title, meta });
  }

  private conflict(item: string, kept: string, other: string, where?: Where): void {
    const text = `item ${item} has the titles ${JSON.stringify(kept)} and ${JSON.stringify(other)}`;
    if (this.strict) throw new DataError(where ?? { file: 'items' }, `${text} (without --strict the first is kept)`);
    this.titleConflicts.count++;
    if (this.titleConflicts.examples.length < CONFLICT_EXAMPLES)
      this.titleConflicts.examples.push(`${text}${where ? ` (${formatWhere(where)})` : ''}; the first is kept`);
  }

  item(index: number): RawItem | undefined {
    return this.itemData.get(index);
  }

  /** Columns of the events, trimmed to size (views, not copies). */
  columns(): { users: Int32Array; items: Int32Array; times: Float64Array } {
    return {
      users: this.users.subarray(0, this.n),
      items: this.items.subarray(0, this.n),
      times: this.times.subarray(0, this.n),
    };
  }

  private grow(): void {
    const cap = this.users.length * 2;
    const u = new Int32Array(cap);
    u.set(this.users);
    const i = new Int32Array(cap);
    i.set(this.items);
    const t = new Float64Array(cap);
    t.set(this.times);
    this.users = u;
    this.items = i;
    this.times = t;
  }
}

function intern(id: string, ids: string[], index: Map<string, number>): number {
  let k = index.get(id);
  if (k === undefined) {
    k = ids.length;
    ids.push(id);
    index.set(id, k);
  }
  return k;
}
