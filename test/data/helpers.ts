// Shared by the loader tests: read a RawLog back as plain values.
import type { RawItem, RawLog } from '../../src/data/rawlog.js';

/** Every event as [raw user, raw item, time], in insertion order. */
export function logEvents(log: RawLog): [string, string, number][] {
  const { users, items, times } = log.columns();
  return Array.from(users, (u, k) => [log.userIds[u], log.itemIds[items[k]], times[k]]);
}

/** Raw item id → its title and metadata (undefined when no metadata record was read). */
export function logItems(log: RawLog): Record<string, RawItem | undefined> {
  return Object.fromEntries(log.itemIds.map((id, k) => [id, log.item(k)]));
}
