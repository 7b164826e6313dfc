// The Amazon loader on small fixtures of each release: 2014 (JSON reviews + Python-literal metadata, plain
// and gzipped), 2018 (JSON pair), the ratings-only CSV; skips with file:line, strict mode, and role errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/engine/errors.js';
import { RawLog } from '../../src/data/rawlog.js';
import { logEvents, logItems } from './helpers.js';
import { loadAmazon } from '../../src/data/loaders/amazon.js';

const tmp = mkdtempSync(join(tmpdir(), 'amazon-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, lines: string[], gzip = false): string {
  const path = join(tmp, name);
  const text = lines.join('\n') + '\n';
  writeFileSync(path, gzip ? gzipSync(text) : text);
  return path;
}

async function load(inputs: string[], log = new RawLog()): Promise<RawLog> {
  await loadAmazon({ inputs, quiet: true }, log);
  return log;
}

function oneLineDataError(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => err instanceof DataError && !err.message.includes('\n') && pattern.test(err.message);
}

const REVIEWS_2014 = [
  `{"reviewerID": "A2SUAM1J3GNN3B", "asin": "0000013714", "reviewerName": "J. McDonald", "helpful": [2, 3], "reviewText": "I bought this for my husband.", "overall": 5.0, "summary": "Heavenly", "unixReviewTime": 1393545600, "reviewTime": "02 28, 2014"}`,
  `{"reviewerID": "A14VAT5EAX3D9S", "asin": "0000031852", "overall": 4.0, "unixReviewTime": 1393632000, "reviewTime": "03 1, 2014"}`,
  `{"reviewerID": "A2SUAM1J3GNN3B", "asin": "0000031852", "overall": 3.0, "reviewTime": "03 02, 2014"}`,
  `{"reviewerID": "A9", "asin": "00000`,
  `{"asin": "0000031852", "overall": 1.0, "unixReviewTime": 1393632000}`,
  ``,
  `{"reviewerID": "A3", "asin": "B000XYZ", "overall": 2.0}`,
  `{"reviewerID": "A3", "asin": "0000013714", "overall": 2.0, "unixReviewTime": 1400000000}`,
];

const META_2014 = [
  `{'asin': '0000031852', 'title': 'Girls Ballet Tutu Zebra Hot Pink', 'price': 3.17, 'imUrl': 'http://ecx.images-amazon.com/images/I/51fAmVkTbyL._SY300_.jpg', 'related': {'also_bought': ['B00JHONN1S', 'B002BZX8Z6'], 'bought_together': ['B002BZX8Z6']}, 'salesRank': {'Toys & Games': 211836}, 'brand': 'Coxlure', 'categories': [['Sports & Outdoors', 'Other Sports', 'Dance'], ['Clothing', 'Girls', 'Dance']], 'description': u'A <b>tutu</b> &amp; more\\nfor \\xe9t\\xe9'}`,
  `{'description': 'compare "asin": "ZZZ"', 'asin': '0000013714', 'related': {'also_viewed': ['B0001']}, 'salesRank': {'Books': 6334800}, 'categories': [['Books']]}`,
  `{'asin': 'UNREVIEWED', 'title': 'Never reviewed'}`,
  `{'asin': '0000031852', 'title': 'A second record for the tutu'}`,
];

test('2014: JSON reviews + Python-literal metadata, plain and gzipped, in either order', async () => {
  const plain = [write('reviews_2014.json', REVIEWS_2014), write('meta_2014.json', META_2014)];
  const gz = [write('meta_2014.json.gz', META_2014, true), write('reviews_2014.json.gz', REVIEWS_2014, true)];
  for (const inputs of [plain, gz]) {
    const log = await load(inputs);
    assert.deepEqual(logEvents(log), [
      ['A2SUAM1J3GNN3B', '0000013714', 1393545600],
      ['A14VAT5EAX3D9S', '0000031852', 1393632000],
      ['A2SUAM1J3GNN3B', '0000031852', 1393718400], // from reviewTime, as unixReviewTime is absent
      ['A3', '0000013714', 1400000000],
    ]);
    assert.deepEqual(logItems(log), {
      '0000013714': { title: undefined, meta: { categories: ['Books'], description: 'compare "asin": "ZZZ"' } },
      '0000031852': {
        title: 'Girls Ballet Tutu Zebra Hot Pink',
        meta: {
          brand: 'Coxlure',
          categories: ['Sports & Outdoors', 'Other Sports', 'Dance', 'Clothing', 'Girls'],
          description: 'A tutu & more for été',
        },
      },
    });
    assert.deepEqual(log.skipped, {
      malformed_line: 1,
      missing_field_reviewerID: 1,
      missing_field_unixReviewTime: 1,
      duplicate_item_record: 1,
    });
    const reviews = inputs.find((f) => f.includes('reviews'));
    const meta = inputs.find((f) => f.includes('meta'));
    assert.match(log.skipExamples.malformed_line, new RegExp(`^${reviews}:4: .*offset`));
    assert.equal(log.skipExamples.missing_field_reviewerID, `${reviews}:5 (field "reviewerID")`);
    assert.equal(log.skipExamples.duplicate_item_record, `${meta}:4`);
  }
});

test('strict mode: the first malformed line throws a DataError naming file and line', async () => {
  const inputs = [write('strict_reviews.json', REVIEWS_2014), write('strict_meta.json', META_2014)];
  await assert.rejects(load(inputs, new RawLog(true)), oneLineDataError(/strict_reviews\.json:4: malformed line: .*offset/));
});

const REVIEWS_2018 = [
  `{"overall": 5.0, "verified": true, "reviewTime": "10 17, 2015", "reviewerID": "A1HP7NVNPFMA4N", "asin": "0700026657", "style": {"Format:": " Hardcover"}, "reviewerName": "Ambrosia075", "reviewText": "This game is a bit hard.", "summary": "but when you do it's great.", "unixReviewTime": 1445040000}`,
  `{"overall": 4.0, "verified": false, "reviewTime": "01 2, 2016", "reviewerID": "A1JGAP0185YJI6", "asin": "B00LONG", "unixReviewTime": 1451692800, "vote": "2"}`,
];

const LONG = 'word '.repeat(400);
const META_2018 = [
  `{"category": ["Video Games", "PC", "Games", "</span></span></span>"], "tech1": "", "description": ["<b>Great</b> game.", "Second &amp; para."], "fit": "", "title": "Anno 2070", "also_buy": [], "brand": "by\\n    \\n    Ubisoft", "feature": ["<li>Fast</li>", "", "Fun &amp; games"], "rank": [">#1 in Games"], "main_cat": "Video Games", "price": "$9.99", "asin": "0700026657"}`,
  `{"category": [], "description": ["${LONG}"], "title": "", "brand": "", "feature": [], "asin": "B00LONG"}`,
];

test('2018: JSON reviews + JSON metadata with lists, HTML and a capped description', async () => {
  const log = await load([write('meta_2018.json', META_2018), write('reviews_2018.json', REVIEWS_2018)]);
  assert.deepEqual(logEvents(log), [
    ['A1HP7NVNPFMA4N', '0700026657', 1445040000],
    ['A1JGAP0185YJI6', 'B00LONG', 1451692800],
  ]);
  const all = logItems(log);
  assert.deepEqual(all['0700026657'], {
    title: 'Anno 2070',
    meta: {
      brand: 'by Ubisoft',
      categories: ['Video Games', 'PC', 'Games'],
      description: 'Great game. Second & para.',
      feature: ['Fast', 'Fun & games'],
    },
  });
  const long = all['B00LONG'];
  assert.equal(long?.title, undefined);
  assert.deepEqual(Object.keys(long?.meta ?? {}), ['description']);
  const description = String(long?.meta.description);
  assert.ok(description.length <= 1000, `length ${description.length}`);
  assert.match(description, /^(word )+word…$/);
  assert.deepEqual(log.skipped, {});
});

test('ratings-only CSV (item,user,rating,timestamp) with the 2018 metadata', async () => {
  const csv = write('ratings.csv', [
    '0700026657,A1HP7NVNPFMA4N,5.0,1445040000',
    'B00LONG,A1JGAP0185YJI6,4.0,1451692800',
    'B00LONG,only,three',
    'B00LONG,A2,1.0,',
  ]);
  const log = await load([csv, write('meta_2018b.json', META_2018)]);
  assert.deepEqual(logEvents(log), [
    ['A1HP7NVNPFMA4N', '0700026657', 1445040000],
    ['A1JGAP0185YJI6', 'B00LONG', 1451692800],
  ]);
  assert.equal(log.item(log.itemIds.indexOf('0700026657'))?.title, 'Anno 2070');
  assert.deepEqual(log.skipped, { malformed_line: 1, missing_field_timestamp: 1 });
  assert.equal(log.skipExamples.malformed_line, `${csv}:3: expected 4 comma-separated fields (item,user,rating,timestamp), got 3`);

  const headed = write('ratings_header.csv', ['item,user,rating,timestamp', '0700026657,A1,5.0,1445040000']);
  const log2 = await load([headed, write('meta_2018c.json', META_2018)]);
  assert.deepEqual(logEvents(log2), [['A1', '0700026657', 1445040000]]);
  assert.deepEqual(log2.skipped, {});
});

test('role errors: one file only, two of a kind, or an unknown file → one-line DataError', async () => {
  const reviews = write('only_reviews.json', REVIEWS_2014);
  const meta = write('only_meta.json', META_2014);
  await assert.rejects(load([meta]), oneLineDataError(/only_meta\.json: this is the amazon metadata file; the reviews file is missing/));
  await assert.rejects(
    load([reviews]),
    oneLineDataError(/only_reviews\.json: this is the amazon reviews file; the metadata file is missing/),
  );
  await assert.rejects(load([reviews, reviews]), oneLineDataError(/a second amazon reviews file/));
  const odd = write('odd.json', ['{"foo": 1, "bar": 2}']);
  await assert.rejects(
    load([odd, meta]),
    oneLineDataError(
      /odd\.json: cannot tell whether this is the amazon reviews or the metadata file \(its first record has keys: foo, bar\)/,
    ),
  );
  const garbage = write('garbage.json', ['{not a record', '{nor this']);
  await assert.rejects(load([reviews, garbage]), oneLineDataError(/garbage\.json: cannot tell .*no parsable line/));
  await assert.rejects(load([reviews, join(tmp, 'missing.json')]), oneLineDataError(/missing\.json: input file not found/));
});
