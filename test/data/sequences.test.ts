// The order-only `sequences` loader on fixtures (a user's sequence continued in a later file, the
// items file found by its content, metadata kept, bad lines counted, one-line errors), and on the
// real DEALRec Amazon Video Games files when present.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/engine/errors.js';
import { RawLog } from '../../src/data/rawlog.js';
import { loadSequences } from '../../src/data/loaders/sequences.js';
import { logEvents, logItems } from './helpers.js';

const GAMES = fileURLToPath(new URL('../../../shared/data/amazon-video-games-dealrec/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'sequences-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const train = write('train.txt', ['1 10 11 12', '2 11', '3']);
const valid = write('valid.txt', ['1 13', '2', '3 10']);
const items = write('items.jsonl', [
  '{"item_id": 10, "asin": "B01", "title": "Anno 2070 &amp; More", "categories": ["Video Games", "PC", "PC"]}',
  '{"item_id": 11, "title": "Halo - Xbox", "categories": ["Video Games", "Xbox"], "price": 19.5}',
  'not json',
  '{"title": "no id"}',
  '{"id": 13, "title": "Up"}',
]);

test('sequences continue across files in the order given; the items file is found by content and read', async () => {
  const log = new RawLog();
  await loadSequences({ inputs: [items, train, valid], quiet: true }, log);
  const events = logEvents(log);
  assert.deepEqual(
    events.map(([u, i]) => `${u}:${i}`),
    ['1:10', '1:11', '1:12', '2:11', '1:13', '3:10'],
  );
  assert.deepEqual(
    events.map(([, , t]) => t),
    [0, 1, 2, 3, 4, 5],
    'time is the event rank',
  );
  const it = logItems(log);
  assert.deepEqual(it['10'], { title: 'Anno 2070 & More', meta: { asin: 'B01', categories: ['Video Games', 'PC'] } });
  assert.deepEqual(it['11'], { title: 'Halo - Xbox', meta: { categories: ['Video Games', 'Xbox'], price: 19.5 } });
  assert.deepEqual(it['13'], { title: 'Up', meta: {} });
  assert.equal(it['12'], undefined); // no items record: dropped later as an item without a title
  assert.deepEqual(log.skipped, { malformed_item_line: 1, missing_item_id: 1 });
});

test('no items file, two items files, or no sequence file: one-line errors', async () => {
  const load = (inputs: string[]) => loadSequences({ inputs, quiet: true }, new RawLog());
  await assert.rejects(
    load([train, valid]),
    (e) => e instanceof UserError && /expected one items file \(JSON Lines\), got 0/.test(e.message),
  );
  await assert.rejects(load([items, items, train]), (e) => e instanceof UserError && /got 2/.test(e.message));
  await assert.rejects(load([items]), (e) => e instanceof UserError && /pass the sequence file\(s\) and the items file/.test(e.message));
});

test('the real DEALRec Games files: 342,329 events of 49,156 users, 17,332 titled items', async (t) => {
  if (!existsSync(GAMES)) return t.skip(`${GAMES} not present`);
  const log = new RawLog();
  const files = ['sequential_train.txt', 'sequential_valid.txt', 'sequential_test.txt', 'items.jsonl'].map((f) => join(GAMES, f));
  await loadSequences({ inputs: files, quiet: true }, log);
  assert.equal(log.size, 342329);
  assert.equal(log.userIds.length, 49156);
  const titled = Object.values(logItems(log)).filter((i) => i?.title).length;
  assert.ok(titled >= 17300 && titled <= 17332, `${titled} titled items`);
});
