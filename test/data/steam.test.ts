// The Steam loader on fixtures (reviews with and without user_id, games with and without id), and the real
// steam_games.json.gz when present: every line parses as a Python literal, with the parse speed reported.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from '../../src/engine/errors.js';
import { RawLog } from '../../src/data/rawlog.js';
import { logEvents, logItems } from './helpers.js';
import { parsePyLiteral } from '../../src/data/pylit.js';
import { dateSeconds, loadSteam } from '../../src/data/loaders/steam.js';

const REAL_GAMES = fileURLToPath(new URL('../../../shared/data/steam-mcauley-games-meta/steam_games.json.gz', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'steam-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, gzipSync(lines.join('\n') + '\n'));
  return path;
}

const REVIEWS = [
  `{u'username': u'Chaos Syren', u'hours': 0.1, u'products': 41, u'product_id': u'725280', u'page_order': 0, u'date': u'2017-12-17', u'text': u'This would not be acceptable as an entertainment even back in 1990\\'s', u'early_access': False, u'page': 1}`,
  `{u'username': u'freakfantom', u'hours': 0.1, u'products': 579, u'product_id': u'328100', u'page_order': 0, u'date': u'2017-12-27', u'text': u'Better than Minecraft \\u2764', u'early_access': False, u'page': 1, u'compensation': u'Product received for free', u'user_id': u'76561198069159152'}`,
  `{u'username': u'Chaos Syren', u'hours': 2.5, u'products': 41, u'product_id': u'328100', u'page_order': 1, u'date': u'2017-12-17', u'text': u'same day, later in the file', u'early_access': True, u'page': 1}`,
  `{u'username': u'x', u'product_id': u'725280', u'date': u'2017-02-30', u'text': u'no such day'}`,
  `{u'username': u'y', u'date': u'2017-01-01', u'text': u'no product'}`,
  `{u'username': u'z', u'product_id': u'725280', u'text': u'no date'}`,
  `{u'username': u'broken', u'text': u'unterminated}`,
];

const GAMES = [
  `{u'url': u'http://store.steampowered.com/', u'price': 19.99, u'discount_price': 14.99, u'early_access': False}`,
  `{u'publisher': u'Kotoshiro', u'genres': [u'Action', u'Casual', u'Indie'], u'app_name': u'Lost Summoner Kitty', u'title': u'Lost Summoner Kitty', u'url': u'http://store.steampowered.com/app/761140/', u'release_date': u'2018-01-04', u'tags': [u'Strategy', u'Action', u'Indie'], u'discount_price': 4.49, u'specs': [u'Single-player'], u'price': 4.99, u'early_access': False, u'id': u'725280', u'developer': u'Kotoshiro'}`,
  `{u'title': u'Beat &amp; Brawl', u'id': u'328100', u'release_date': u'Q1 2016', u'tags': [u"Beat 'em up", u'Action', u'Action'], u'genres': [], u'developer': u'Rocksteady Studios,Feral Interactive (Mac)'}`,
  `{u'app_name': u'Not reviewed', u'id': u'1', u'tags': [u'Indie']}`,
];

test('reviews (user_id, else username; date at UTC midnight; file order) and games, in either order', async () => {
  const reviews = write('steam_reviews.json.gz', REVIEWS);
  const games = write('steam_games.json.gz', GAMES);
  for (const inputs of [
    [reviews, games],
    [games, reviews],
  ]) {
    const log = new RawLog();
    await loadSteam({ inputs, quiet: true }, log);
    assert.deepEqual(logEvents(log), [
      ['Chaos Syren', '725280', 1513468800],
      ['76561198069159152', '328100', 1514332800],
      ['Chaos Syren', '328100', 1513468800],
    ]);
    assert.deepEqual(logItems(log), {
      '725280': {
        title: 'Lost Summoner Kitty',
        meta: { tags: ['Strategy', 'Action', 'Indie'], genres: ['Action', 'Casual', 'Indie'], developer: 'Kotoshiro', year: 2018 },
      },
      '328100': {
        title: 'Beat & Brawl', // no app_name: falls back to title
        meta: { tags: ["Beat 'em up", 'Action'], developer: 'Rocksteady Studios,Feral Interactive (Mac)', year: 2016 },
      },
    });
    assert.deepEqual(log.skipped, {
      bad_timestamp: 1,
      missing_field_product_id: 1,
      missing_field_date: 1,
      malformed_line: 1,
      missing_field_id: 1,
    });
    assert.equal(log.skipExamples.bad_timestamp, `${reviews}:4 (field "date")`);
    assert.match(log.skipExamples.malformed_line, new RegExp(`^${reviews}:7: unterminated string at offset \\d+$`));
    assert.equal(log.skipExamples.missing_field_id, `${games}:1 (field "id")`);
  }
});

test('strict mode, and a missing games file', async () => {
  const reviews = write('strict_reviews.json.gz', REVIEWS);
  const games = write('strict_games.json.gz', GAMES);
  await assert.rejects(
    loadSteam({ inputs: [reviews, games], quiet: true }, new RawLog(true)),
    (e: unknown) => e instanceof DataError && e.message === `${reviews}:4 (field "date"): bad timestamp`,
  );
  await assert.rejects(
    loadSteam({ inputs: [reviews], quiet: true }, new RawLog()),
    (e: unknown) => e instanceof DataError && /this is the steam reviews file; the games file is missing/.test(e.message),
  );
});

test('dateSeconds: YYYY-MM-DD at UTC midnight, NaN otherwise', () => {
  assert.equal(dateSeconds('2017-12-17'), 1513468800);
  assert.equal(dateSeconds('1970-01-01'), 0);
  assert.ok(Number.isNaN(dateSeconds('2017-13-01')));
  assert.ok(Number.isNaN(dateSeconds('2017-02-29')));
  assert.ok(Number.isNaN(dateSeconds('Dec 17, 2017')));
});

test('the real steam_games.json.gz: all 32,135 lines parse as Python literals', async (t) => {
  if (!existsSync(REAL_GAMES)) return t.skip(`${REAL_GAMES} not present`);
  const text = gunzipSync(readFileSync(REAL_GAMES)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const start = performance.now();
  let titled = 0;
  for (const line of lines) {
    const r = parsePyLiteral(line) as Record<string, unknown>;
    if ('title' in r) titled++;
  }
  const ms = performance.now() - start;
  assert.equal(lines.length, 32_135);
  assert.equal(titled, 30_085);
  t.diagnostic(
    `parsed ${lines.length} lines (${(text.length / 1e6).toFixed(1)} M chars) in ${ms.toFixed(0)} ms: ${(text.length / 1e6 / (ms / 1000)).toFixed(0)} M chars/s`,
  );

  const log = new RawLog();
  const reviews = write('real_reviews.json.gz', [`{u'username': u'a', u'product_id': u'761140', u'date': u'2018-01-05'}`]);
  await loadSteam({ inputs: [REAL_GAMES, reviews], quiet: true }, log);
  assert.equal(log.item(0)?.title, 'Lost Summoner Kitty');
  assert.equal(log.item(0)?.meta.year, 2018);
  assert.deepEqual(log.skipped, { missing_field_id: 2 });
});
