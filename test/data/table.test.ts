// The generic csv/jsonl loaders through a column mapping: ISO and unix times (the formats themselves:
// test/data/time_format.test.ts), file order without a time column, metadata lists, the missing-column error, missing-key skips and strict mode.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { RawLog } from '../../src/data/rawlog.js';
import { logEvents, logItems } from './helpers.js';
import { loadCsv, loadJsonl } from '../../src/data/loaders/table.js';
import type { ColumnMapping } from '../../src/data/loaders/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'table-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

const T0 = Date.UTC(2020, 0, 2, 3, 4, 5) / 1000;

const csvEvents = write(
  'events.csv',
  'uid,iid,when\nu1,i1,2020-01-02T03:04:05Z\nu1,i2,2020-01-02 03:04:06\nu2,i1,2020-09-13T14:26:40+02:00\nu2,i3,2020-09-13 12:26:41\nu3,i1,yesterday\n',
);
const csvItems = write(
  'items.csv',
  'item_id,name,tags,price\ni1,"Half-Life, Episode One",action| shooter ,9.99\ni2,Portal &amp; friends,puzzle,\ni3,,,\ni9,Unused,x,1\n',
);
const csvColumns: ColumnMapping = {
  user: 'uid',
  item: 'iid',
  time: 'when',
  skipBadTimes: true, // "yesterday" is 1 of 5
  itemId: 'item_id',
  title: 'name',
  meta: ['tags', 'price'],
};

test('csv: mapped columns, ISO times with a zone and without (UTC), | lists in metadata', async () => {
  const log = new RawLog();
  await loadCsv({ inputs: [csvEvents, csvItems], columns: csvColumns, quiet: true }, log);
  assert.deepEqual(logEvents(log), [
    ['u1', 'i1', T0],
    ['u1', 'i2', T0 + 1],
    ['u2', 'i1', 1_600_000_000],
    ['u2', 'i3', 1_600_000_001],
  ]);
  assert.deepEqual(logItems(log), {
    i1: { title: 'Half-Life, Episode One', meta: { tags: ['action', 'shooter'], price: '9.99' } },
    i2: { title: 'Portal & friends', meta: { tags: 'puzzle' } },
    i3: { title: undefined, meta: {} },
  });
  assert.deepEqual(log.skipped, { bad_timestamp: 1 });
  assert.equal(log.skipExamples.bad_timestamp, `${csvEvents}:6 (field "when"): "yesterday"`);
});

test('csv: no time column → line numbers order the events; tsv by name', async () => {
  const ev = write('plain.tsv', 'user\titem\nb\tx\na\ty\n');
  const items = write('plain-items.tsv', 'item\ttitle\nx\tX\n');
  const log = new RawLog();
  await loadCsv({ inputs: [ev, items], columns: { user: 'user', item: 'item', title: 'title', meta: [] }, quiet: true }, log);
  assert.deepEqual(logEvents(log), [
    ['b', 'x', 2],
    ['a', 'y', 3],
  ]);
  assert.deepEqual(logItems(log), { x: { title: 'X', meta: {} }, y: undefined });
});

test('csv: a mapped column missing from the header names the file and the header', async () => {
  const ev = write('ev2.csv', 'user,item,time\n1,2,3\n');
  const columns: ColumnMapping = { user: 'user', item: 'item', time: 'ts', title: 'title', meta: [] };
  await assert.rejects(loadCsv({ inputs: [ev, csvItems], columns, quiet: true }, new RawLog()), {
    name: 'DataError',
    message: `${ev}:1: column "ts" not in header: user,item,time`,
  });
});

test('csv strict mode: the first skip throws a DataError with file and line', async () => {
  await assert.rejects(loadCsv({ inputs: [csvEvents, csvItems], columns: csvColumns, quiet: true }, new RawLog(true)), {
    name: 'DataError',
    message: `${csvEvents}:6 (field "when"): bad timestamp: "yesterday"`,
  });
});

const jsonEvents = write(
  'events.jsonl',
  [
    '{"user": "u1", "item": 10, "ts": 1620259200}',
    '{"user": "u1", "item": 11, "ts": "1620259200.123"}',
    '{"item": 12, "ts": 1}',
    '[1, 2]',
    '{"user": "u2", "item": 10}',
    '',
    '{"user": "u2", "item": 12, "ts": "1620259300"}',
  ].join('\n'),
);
const jsonItems = write(
  'items.jsonl',
  [
    '{"asin": 10, "title": "Alpha", "tags": ["a", "b"], "rank": 3, "details": {"x": 1}}',
    '{"asin": 11, "tags": "solo"}',
    '{"asin": 12, "title": null, "rank": "7", "tags": [1, "z"]}',
  ].join('\n'),
);
const jsonColumns: ColumnMapping = {
  user: 'user',
  item: 'item',
  time: 'ts',
  itemId: 'asin',
  title: 'title',
  meta: ['tags', 'rank', 'details'],
};

test('jsonl: mapped keys, missing keys counted with their field, lists/numbers kept, objects dropped', async () => {
  const log = new RawLog();
  await loadJsonl({ inputs: [jsonEvents, jsonItems], columns: jsonColumns, quiet: true }, log);
  assert.deepEqual(logEvents(log), [
    ['u1', '10', Date.UTC(2021, 4, 6) / 1000],
    ['u1', '11', 1_620_259_200.123],
    ['u2', '12', 1_620_259_300],
  ]);
  assert.deepEqual(logItems(log), {
    '10': { title: 'Alpha', meta: { tags: ['a', 'b'], rank: 3 } },
    '11': undefined,
    '12': { title: undefined, meta: { tags: ['1', 'z'], rank: '7' } },
  });
  assert.deepEqual(log.skipped, { missing_field: 3, malformed_line: 1, unsupported_meta_value: 1 });
  assert.equal(log.skipExamples.missing_field, `${jsonEvents}:3 (field "user")`);
  assert.equal(log.skipExamples.malformed_line, `${jsonEvents}:4: not a JSON object`);
  assert.equal(log.skipExamples.unsupported_meta_value, `${jsonItems}:1 (field "details"): an object`);
});

test('jsonl strict mode: a missing key throws a DataError with file and line', async () => {
  await assert.rejects(loadJsonl({ inputs: [jsonEvents, jsonItems], columns: jsonColumns, quiet: true }, new RawLog(true)), {
    name: 'DataError',
    message: `${jsonEvents}:3 (field "user"): missing field`,
  });
});

test('jsonl: an empty file is a DataError; a missing mapping or input is a UserError', async () => {
  const empty = write('empty.jsonl', '\n\n');
  await assert.rejects(loadJsonl({ inputs: [empty, jsonItems], columns: jsonColumns, quiet: true }, new RawLog()), {
    name: 'DataError',
    message: `${empty}: empty file`,
  });
  await assert.rejects(loadJsonl({ inputs: [jsonEvents, jsonItems], quiet: true }, new RawLog()), UserError);
  await assert.rejects(loadCsv({ inputs: [csvEvents], columns: csvColumns, quiet: true }, new RawLog()), UserError);
});

const DEALREC = fileURLToPath(new URL('../../../shared/data/amazon-video-games-dealrec/', import.meta.url));

test('jsonl with the real Amazon Video Games items.jsonl (DEALRec): entities decoded, categories kept', async (t) => {
  if (!existsSync(join(DEALREC, 'items.jsonl'))) return t.skip(`${DEALREC} not present`);
  // interactions: the first 300 users of the real training sequences, order = time
  const lines = readFileSync(join(DEALREC, 'sequential_train.txt'), 'utf8').split('\n').slice(0, 300);
  const rows = lines.flatMap((l) => {
    const [user, ...its] = l.trim().split(/\s+/);
    return its.map((item, k) => JSON.stringify({ user, item: Number(item), ts: k }));
  });
  const inter = write('dealrec.jsonl', rows.join('\n') + '\n');
  const log = new RawLog();
  const cols: ColumnMapping = { user: 'user', item: 'item', time: 'ts', itemId: 'item_id', title: 'title', meta: ['categories'] };
  await loadJsonl({ inputs: [inter, join(DEALREC, 'items.jsonl')], columns: cols, quiet: true }, log);
  assert.equal(log.size, rows.length);
  const items = logItems(log);
  const withMeta = Object.values(items).filter((i) => i !== undefined);
  assert.equal(withMeta.length, log.itemIds.length); // every sequence item has a record
  assert.ok(withMeta.every((i) => !i!.title || !i!.title.includes('&amp;')));
  assert.ok(withMeta.some((i) => i!.title === 'Beyond Good & Evil')); // '&amp;' in the file
  assert.deepEqual(items['1']?.meta.categories, ['Video Games', 'PC', 'Games']);
  assert.equal(items['1']?.title, 'X: Beyond the Frontier - PC');
});
