// Dates never guessed: each --time-format read as UTC unless the value has a zone; auto-detection
// only for a column that agrees on one format, else a one-line error with two example values; the
// `data` command gives the same data set under TZ=UTC and TZ=Asia/Tokyo, and refuses a column with
// more than 1 % unreadable times unless --skip-bad-times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { detectTimeFormat, parseTimeAs } from '../../src/data/time_format.js';
import { cli } from '../cli/helpers.js';

const APR13 = Date.UTC(2016, 3, 13) / 1000;
const AT = Date.UTC(2016, 3, 13, 9, 5, 7) / 1000;

test('each format, with and without a time of day, as UTC unless the value has a zone', () => {
  assert.equal(parseTimeAs('dmy', '13/04/2016'), APR13);
  assert.equal(parseTimeAs('dmy', '13.04.2016 09:05:07'), AT);
  assert.equal(parseTimeAs('mdy', '4/13/2016'), APR13);
  assert.equal(parseTimeAs('mdy', '04/13/2016 9:05:07'), AT);
  assert.equal(parseTimeAs('ymd', '2016-04-13'), APR13);
  assert.equal(parseTimeAs('iso', '2016-04-13T09:05:07'), AT);
  assert.equal(parseTimeAs('iso', '2016-04-13T09:05:07Z'), AT);
  assert.equal(parseTimeAs('iso', '2016-04-13T18:05:07+09:00'), AT);
  assert.equal(parseTimeAs('iso', '2016-04-13T09:05:07.250Z'), AT + 0.25);
  assert.equal(parseTimeAs('unix-s', '1460538307'), 1460538307);
  assert.equal(parseTimeAs('unix-s', 1460538307), 1460538307);
  assert.equal(parseTimeAs('unix-ms', '1460538307500'), 1460538307.5);
  for (const [f, v] of [
    ['dmy', '31/02/2016'],
    ['mdy', '13/04/2016'],
    ['iso', '2016-13-01'],
    ['iso', '2016-04-13T25:00'],
    ['unix-s', 'soon'],
    ['iso', ''],
    ['dmy', '2016-04-13'],
  ] as const)
    assert.equal(parseTimeAs(f, v), undefined, `${f} ${v}`);
});

test('auto: one format when the whole column agrees, a one-line error with two examples when not', () => {
  assert.equal(detectTimeFormat(['01/02/2016', '13/04/2016', 'junk'], 'col'), 'dmy');
  assert.equal(detectTimeFormat(['01/02/2016', '04/13/2016'], 'col'), 'mdy');
  assert.equal(detectTimeFormat(['2016-04-13', '2016-04-13T09:05:07Z'], 'col'), 'ymd');
  assert.equal(detectTimeFormat([1460538307, '1460538308'], 'col'), 'unix-s');
  assert.equal(detectTimeFormat(['1460538307000'], 'col'), 'unix-ms');
  const refused = (values: unknown[], what: RegExp) =>
    assert.throws(
      () => detectTimeFormat(values, 'the time column "ts" of a.csv'),
      (e: Error) => e instanceof UserError && what.test(e.message) && /pass --time-format/.test(e.message) && !e.message.includes('\n'),
    );
  refused(['01/02/2016', '03/04/2016'], /every date reads as D\/M\/Y and as M\/D\/Y \(e\.g\. "01\/02\/2016" and "03\/04\/2016"\)/);
  refused(['13/04/2016', '04/13/2016'], /mix D\/M\/Y and M\/D\/Y \(e\.g\. "13\/04\/2016" and "04\/13\/2016"\)/);
  refused(['2016-04-13', '1460538307'], /mix ymd and unix-s times \(e\.g\. "2016-04-13" and "1460538307"\)/);
  refused(['1460538307', '1460538307000'], /mix unix-s and unix-ms/);
  refused(['yesterday', 'today'], /no value reads as a date or a unix time \(e\.g\. "yesterday" and "today"\)/);
});

function csvData(dir: string, times: string[], extra: string[] = []): string[] {
  const rows = ['user,item,when'];
  times.forEach((t, k) => rows.push(`u${k % 2},i${k},${t}`));
  writeFileSync(join(dir, 'ev.csv'), rows.join('\n') + '\n');
  writeFileSync(join(dir, 'items.csv'), 'item,title\n' + times.map((_, k) => `i${k},Item ${k}`).join('\n') + '\n');
  const cols = ['--user-col', 'user', '--item-col', 'item', '--time-col', 'when', '--title-col', 'title', '--kcore', '0'];
  return ['data', '--source', 'csv', '--input', join(dir, 'ev.csv'), '--input', join(dir, 'items.csv'), ...cols, '--quiet', ...extra];
}

test('data: D/M/Y dates read whole, the same under TZ=UTC and TZ=Asia/Tokyo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dates-'));
  const times = Array.from({ length: 30 }, (_, k) => `${String(1 + k).padStart(2, '0')}/04/2016 10:00`);
  const files: string[] = [];
  for (const TZ of ['UTC', 'Asia/Tokyo']) {
    const out = join(dir, TZ.replace('/', '-'));
    const r = cli([...csvData(dir, times), '--out', out], undefined, { TZ });
    assert.equal(r.code, 0, r.stderr);
    files.push(readFileSync(join(out, 'sequences.jsonl'), 'utf8'));
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')).skipped, {});
  }
  assert.equal(files[0], files[1]);
  assert.match(files[0], new RegExp(String(Date.UTC(2016, 3, 1, 10) / 1000)));
});

test('data: an ambiguous column asks for --time-format; more than 1 % unreadable is an error unless --skip-bad-times', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dates-'));
  const ambiguous = ['01/02/2016', '03/04/2016', '05/06/2016', '07/08/2016', '09/10/2016', '11/12/2016'];
  const amb = cli([...csvData(dir, ambiguous), '--out', join(dir, 'a')]);
  assert.equal(amb.code, 1);
  assert.match(
    amb.stderr,
    /^recexplainer: the time column "when" of .*ev\.csv: every date reads as D\/M\/Y and as M\/D\/Y .*pass --time-format/,
  );
  assert.equal(amb.stderr.trim().split('\n').length, 1);
  const given = cli([...csvData(dir, ambiguous, ['--time-format', 'mdy']), '--out', join(dir, 'b')]);
  assert.equal(given.code, 0, given.stderr);
  const some = [...Array.from({ length: 20 }, () => '2016-04-13'), 'soon'];
  const bad = cli([...csvData(dir, some, ['--time-format', 'iso']), '--out', join(dir, 'c')]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /1 of 21 values \(4\.8 %\) of the time column "when" .* do not read as iso \(line 22: "soon"\); .*--skip-bad-times/,
  );
  const skipped = cli([...csvData(dir, some, ['--time-format', 'iso', '--skip-bad-times']), '--out', join(dir, 'd')]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'd', 'stats.json'), 'utf8')).skipped, { bad_timestamp: 1 });
});
