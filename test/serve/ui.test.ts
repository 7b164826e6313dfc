// The web UI in a real browser: Debian's Chromium (/usr/bin/chromium, installed by `npm run setup`)
// driven by playwright-core against the real server on loopback over the tiny run. Explore a user and
// an item (f's decision, attribution bars, five explainers with their checks), the Compare page's tables
// and chart, and a blind session rated with the keyboard — the ratings in the SQLite file and in the
// exports, still counted after a reload. Saves a screenshot of each page (to docs/screenshots/ with
// SCREENSHOTS=1, which the README shows; else to a temporary folder, so a test run leaves the tree clean). Also the
// highlighting of cited and hallucinated titles, which needs no browser.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tinyRun } from './fixture.js';
import { SERVE_DEFAULTS } from '../../src/serve/config.js';
import { startServer, type Server } from '../../src/serve/server.js';
import { disposeService, loadService, type Service } from '../../src/serve/service.js';
import { runs } from '../../src/serve/ui/highlight.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS =
  process.env.SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
    : mkdtempSync(join(tmpdir(), 'shots-'));
const EXPLAINERS = ['base-lm', 'recexplainer-b', 'recexplainer-h', 'recexplainer-i', 'template'];
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: \`npm run setup\` installs Debian's chromium`;

test('highlight: cited titles marked, hallucinated ones win a tie, earliest then longest match, any case', () => {
  const text = 'Yes: after Alien (1979) and alien (1979) you will like Aliens (1986), unlike Heat.';
  assert.deepEqual(runs(text, ['Alien (1979)', 'Aliens (1986)'], ['aliens (1986)', 'Heat']), [
    { text: 'Yes: after ', kind: 'plain' },
    { text: 'Alien (1979)', kind: 'cited' },
    { text: ' and ', kind: 'plain' },
    { text: 'alien (1979)', kind: 'cited' },
    { text: ' you will like ', kind: 'plain' },
    { text: 'Aliens (1986)', kind: 'hallucinated' },
    { text: ', unlike ', kind: 'plain' },
    { text: 'Heat', kind: 'hallucinated' },
    { text: '.', kind: 'plain' },
  ]);
  assert.deepEqual(runs('Star Wars: Episode IV', ['Star Wars', 'Star Wars: Episode IV'], []), [
    { text: 'Star Wars: Episode IV', kind: 'cited' },
  ]);
  assert.deepEqual(runs('nothing here', ['x'], ['']), [{ text: 'nothing here', kind: 'plain' }]);
});

let svc: Service;
let server: Server;
let browser: Browser;
let page: Page;
let dbFile: string;

before(async () => {
  if (skip) return;
  svc = await loadService(await tinyRun());
  dbFile = join(mkdtempSync(join(tmpdir(), 'ui-ratings-')), 'ratings.sqlite');
  server = await startServer(svc, { ...SERVE_DEFAULTS, port: 0, ratings: dbFile });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => assert.fail(`error in the page: ${e.message}`));
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  if (skip) return;
  await browser.close();
  await server.close();
  disposeService(svc);
});

const json = (path: string, body?: unknown): Promise<any> =>
  // any: the answers are compared field by field with what the page shows
  fetch(server.url + path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());

async function open(hash: string): Promise<void> {
  await page.goto(`${server.url}/${hash}`);
  await page.waitForSelector(`body[data-ready="${hash.slice(2)}"]`);
}

test(
  'Explore: a user, f’s top-k, then an item: f’s decision, attribution bars and five explainers with their checks',
  { skip },
  async () => {
    await open('#/explore');
    await page.fill('#user', '3');
    await page.press('#user', 'Enter');
    await page.waitForSelector('text=History of user 3');
    const hist = await json('/v1/history', { user: 3 });
    const shownHistory = await page.locator('ol.history .title').allTextContents();
    assert.deepEqual(
      shownHistory,
      hist.history.map((x: { title: string }) => x.title),
    );
    const top = (await json('/v1/recommend', { user: 3, k: 10 })).predictions[0].f;
    assert.deepEqual(
      await page.locator('#topk button').allTextContents(),
      top.map((x: { title: string }) => x.title),
    );
    await page.locator('#topk button').first().click();
    await page.waitForSelector('#explainers article.explainer >> nth=4');
    const cards = page.locator('#explainers article.explainer');
    assert.deepEqual((await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-explainer')))).sort(), EXPLAINERS);
    const r = await json('/v1/explain', { user: 3, item: top[0].item });
    const p = r.predictions[0];
    assert.equal(await page.locator('#decision h2').textContent(), p.title);
    assert.equal(await page.locator('#decision .badge').textContent(), p.decision);
    assert.match((await page.locator('#decision').textContent())!, new RegExp(`score ${p.score.toFixed(3)} · rank ${p.rank} of ${p.of}`));
    assert.equal(await page.locator('#decision .bar').count(), p.contributors.length);
    // each bar's length is its |effect| over the largest (the CSP refuses style attributes: set through the CSSOM)
    const widths = await page.locator('#decision .bar').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    const track = await page
      .locator('#decision .bar-track')
      .first()
      .evaluate((e) => e.getBoundingClientRect().width);
    const largest = Math.max(...p.contributors.map((c: { effect: number }) => Math.abs(c.effect)));
    p.contributors.forEach((c: { effect: number }, i: number) =>
      assert.ok(Math.abs(widths[i] - (track * Math.abs(c.effect)) / largest) < 1.5, `bar ${i}`),
    );
    const template = page.locator('article[data-explainer="template"]');
    assert.match(
      (await template.locator('dl.checks').textContent())!,
      new RegExp(`rule judge${r.explanations[0].template.checks.rule_judge.rating} / 3`),
    );
    assert.equal((await template.locator('mark.cited').count()) > 0, r.explanations[0].template.cited.length > 0);
    await page.screenshot({ path: join(SHOTS, 'explore.png'), fullPage: true });
  },
);

test('Compare: the report’s explanation table with the humans’ column, and the run’s chart', { skip }, async () => {
  await open('#/compare');
  const report = await json('/v1/report');
  assert.deepEqual(await page.locator('#explanations tbody th').allTextContents(), Object.keys(report.explanations));
  assert.deepEqual(await page.locator('#table1 tbody th').allTextContents(), Object.keys(report.methods));
  const img = page.locator('.charts img');
  assert.equal(await img.count(), 1);
  await page.waitForFunction(() => ((document.querySelector('.charts img') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
  await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
});

test(
  'Rate: a blind session rated with the keyboard lands in SQLite and the exports, and is still counted after a reload',
  { skip },
  async () => {
    await open('#/rate');
    await page.fill('#rater', 'tester');
    await page.fill('#cases', '1');
    await page.click('#start');
    await page.waitForSelector('#status[data-rated="0"]');
    assert.equal(await page.locator('article.blind').count(), EXPLAINERS.length);
    const names = await page.locator('#session').textContent();
    for (const n of EXPLAINERS) assert.ok(!names!.includes(n), `the blind session shows the name ${n}`);
    const keys = ['2', 'n', '3', 'n', 'n', '0', 'p', 'n', '1']; // slots 0, 1, 3 rated 2, 3, 1 (3 changed from 0)
    let rated = 0;
    for (const k of keys) {
      await page.keyboard.press(k);
      if (/\d/.test(k) && k !== '1') await page.waitForSelector(`#status[data-rated="${++rated}"]`);
    }
    await page.waitForSelector('article.blind[data-slot="3"] .rated >> text=rated 1');
    await page.reload();
    await page.waitForSelector('body[data-ready="rate"]');
    await page.waitForSelector('#status[data-rated="3"]');
    assert.match((await page.locator('#counts').textContent())!, /^3 ratings — tester: 3$/);
    await page.screenshot({ path: join(SHOTS, 'rate.png'), fullPage: true });

    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db.prepare('SELECT slot, rating, rater, "case" AS k, explainer, time FROM ratings ORDER BY slot').all() as any[];
      assert.deepEqual(
        rows.map((x) => [x.slot, x.rating, x.rater]),
        [
          [0, 2, 'tester'],
          [1, 3, 'tester'],
          [3, 1, 'tester'],
        ],
      );
      assert.equal(new Set(rows.map((x) => x.explainer)).size, 3);
      for (const x of rows) assert.ok(EXPLAINERS.includes(x.explainer) && !Number.isNaN(Date.parse(x.time)));
    } finally {
      db.close();
    }
    const csv = (await fetch(`${server.url}/v1/ratings.csv`).then((r) => r.text())).trimEnd().split('\r\n');
    assert.equal(csv.length, 4);
    const jsonl = (await fetch(`${server.url}/v1/ratings.jsonl`).then((r) => r.text())).trimEnd().split('\n');
    assert.deepEqual(
      jsonl.map((l) => JSON.parse(l).rating),
      [2, 3, 1],
    );
  },
);
