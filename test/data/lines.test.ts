// The line reader: gzip by magic bytes, BOM and CRLF removal, strict UTF-8 with a hint, Latin-1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLines, type TextEncoding } from '../../src/data/lines.js';
import { DataError } from '../../src/engine/errors.js';
import { cleanTitle, decodeEntities } from '../../src/data/text.js';

const dir = mkdtempSync(join(tmpdir(), 'lines-'));

async function collect(path: string, encoding?: TextEncoding): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for await (const l of readLines(path, { encoding })) out.push([l.text, l.line]);
  return out;
}

test('plain and gzip (named .txt) give the same lines; BOM and CR removed; no final newline needed', async () => {
  const text = '\ufeffa,b\r\nc\n\nd';
  const plain = join(dir, 'p.txt');
  const gz = join(dir, 'g.txt');
  writeFileSync(plain, text);
  writeFileSync(gz, gzipSync(text));
  const want: [string, number][] = [
    ['a,b', 1],
    ['c', 2],
    ['', 3],
    ['d', 4],
  ];
  assert.deepEqual(await collect(plain), want);
  assert.deepEqual(await collect(gz), want);
});

test('invalid UTF-8 is a DataError naming file and line and suggesting latin1; latin1 decodes it', async () => {
  const p = join(dir, 'l1.txt');
  writeFileSync(p, Buffer.concat([Buffer.from('ok\n'), Buffer.from('Mis\xe9rables\n', 'latin1')]));
  await assert.rejects(
    collect(p),
    (e: Error) => e instanceof DataError && e.message.includes(`${p}:2`) && /--encoding latin1/.test(e.message),
  );
  assert.deepEqual(await collect(p, 'latin1'), [
    ['ok', 1],
    ['Misérables', 2],
  ]);
});

test('a missing file or a truncated gzip is a one-line DataError', async () => {
  await assert.rejects(collect(join(dir, 'nope.txt')), (e: Error) => e instanceof DataError && /not found/.test(e.message));
  const p = join(dir, 'cut.gz');
  writeFileSync(p, gzipSync('x\n'.repeat(10000)).subarray(0, 40));
  await assert.rejects(collect(p), (e: Error) => e instanceof DataError && e.message.startsWith(p) && /cannot read/.test(e.message));
});

test('titles: entities decoded, whitespace collapsed, empty → undefined', () => {
  assert.equal(decodeEntities('Tom &amp; Jerry &#39;s &#x263A;'), "Tom & Jerry 's ☺");
  assert.equal(cleanTitle('  The\tMatrix \n'), 'The Matrix');
  assert.equal(cleanTitle('   '), undefined);
  assert.equal(cleanTitle(null), undefined);
});
