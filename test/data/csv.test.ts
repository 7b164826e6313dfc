// The streaming CSV reader: quoting, doubled quotes, newlines inside quotes (with start line numbers),
// TSV, gzip input, header-based tables, and the unterminated-quote error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError, UserError } from '../../src/engine/errors.js';
import { CsvParser, eachCsv, eachCsvRow, type CsvOptions, type CsvRecord } from '../../src/data/csv.js';
import { RawLog } from '../../src/data/rawlog.js';

const tmp = mkdtempSync(join(tmpdir(), 'csv-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

async function records(path: string, opts: CsvOptions = {}): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  const n = await eachCsv(path, { quiet: true, ...opts }, (r) => out.push(r));
  assert.equal(n, out.length);
  return out;
}

test('quoted fields with delimiters and doubled quotes', async () => {
  const p = write('q.csv', 'id,title,genres\n1,"Toy Story, The (1995)",Animation|Comedy\n2,"He said ""hi""",\n3,"",x\n');
  assert.deepEqual(await records(p), [
    { fields: ['id', 'title', 'genres'], line: 1 },
    { fields: ['1', 'Toy Story, The (1995)', 'Animation|Comedy'], line: 2 },
    { fields: ['2', 'He said "hi"', ''], line: 3 },
    { fields: ['3', '', 'x'], line: 4 },
  ]);
});

test('newlines inside quotes: one record, numbered by its first line; CRLF and blank lines', async () => {
  const p = write('nl.csv', 'a,b\r\n1,"line one\r\nline two\r\n""three"""\r\n\r\n2,z\r\n');
  assert.deepEqual(await records(p), [
    { fields: ['a', 'b'], line: 1 },
    { fields: ['1', 'line one\nline two\n"three"'], line: 2 },
    { fields: ['2', 'z'], line: 6 },
  ]);
});

test('a quoted field may open at the end of a line and hold empty lines', () => {
  const parser = new CsvParser('mem.csv', ',');
  assert.equal(parser.push('x,"', 7), undefined);
  assert.equal(parser.push('', 8), undefined);
  assert.deepEqual(parser.push('end",y', 9), { fields: ['x', '\n\nend', 'y'], line: 7 });
  parser.end();
});

test('TSV by file name, explicit delimiter, and gzip input', async () => {
  const tsv = write('t.tsv', 'u\ti\tt\nalice\t"a\tb"\t5\n');
  assert.deepEqual(await records(tsv), [
    { fields: ['u', 'i', 't'], line: 1 },
    { fields: ['alice', 'a\tb', '5'], line: 2 },
  ]);
  const semi = write('s.txt', 'a;"b;c"\n');
  assert.deepEqual(await records(semi, { delimiter: ';' }), [{ fields: ['a', 'b;c'], line: 1 }]);
  const gz = write('g.csv.gz', gzipSync('a,"b,c"\n'));
  assert.deepEqual(await records(gz), [{ fields: ['a', 'b,c'], line: 1 }]);
  assert.throws(() => new CsvParser('x', '::'), UserError);
});

test('unterminated quote at end of file → DataError naming the file and the line it opened on', async () => {
  const p = write('bad.csv', 'a,b\n1,ok\n2,"never\nclosed\n');
  await assert.rejects(records(p), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.deepEqual(err.where, { file: p, line: 3 });
    assert.match(err.message, /bad\.csv:3: unterminated quoted field/);
    return true;
  });
});

test('eachCsvRow picks columns by header name and counts rows of the wrong width', async () => {
  const p = write('table.csv', 'x,user,item\n1,u1,i1\n2,u2\n3,u3,i3\n');
  const log = new RawLog();
  const rows: [string[], number][] = [];
  await eachCsvRow(p, { quiet: true }, ['item', 'user'], log, (values, line) => rows.push([values, line]));
  assert.deepEqual(rows, [
    [['i1', 'u1'], 2],
    [['i3', 'u3'], 4],
  ]);
  assert.deepEqual(log.skipped, { malformed_line: 1 });
  assert.equal(log.skipExamples.malformed_line, `${p}:3: expected 3 fields like the header, got 2`);
});

test('eachCsvRow: missing column, empty file and header-only file are DataErrors', async () => {
  const drain = (path: string, cols: string[]) => eachCsvRow(path, { quiet: true }, cols, new RawLog(), () => {});
  const hdr = write('hdr.csv', 'user,item,time\n');
  await assert.rejects(drain(hdr, ['ts']), { name: 'DataError', message: `${hdr}:1: column "ts" not in header: user,item,time` });
  await assert.rejects(drain(hdr, ['user']), { name: 'DataError', message: `${hdr}: no rows after the header` });
  const empty = write('empty.csv', '');
  await assert.rejects(drain(empty, ['user']), { name: 'DataError', message: `${empty}: empty file` });
});
