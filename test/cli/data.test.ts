// The CLI as a user meets it: help, flag errors without stack traces, and `data` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.js';
import { findDslabsData } from '../../src/data/loaders/dslabs.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cli-'));

/** A small csv pair: 4 users × 4 items, user u3 also on a rare item z (1 event). */
function csvFixture(dir: string): string[] {
  const rows = ['user,item,ts'];
  let t = 1_600_000_000;
  for (const u of ['u0', 'u1', 'u2', 'u3']) for (const i of ['a', 'b', 'c', 'd']) rows.push(`${u},${i},${t++}`);
  rows.push(`u3,z,${t++}`, 'broken line without enough fields');
  writeFileSync(join(dir, 'inter.csv'), rows.join('\n') + '\n');
  writeFileSync(join(dir, 'items.csv'), 'item,name,genre\na,Alpha,x|y\nb,Beta,x\nc,"Gamma, the",y\nd,Delta,x\nz,Zed,y\n');
  return [
    '--source',
    'csv',
    '--input',
    join(dir, 'inter.csv'),
    '--input',
    join(dir, 'items.csv'),
    '--user-col',
    'user',
    '--item-col',
    'item',
    '--time-col',
    'ts',
    '--title-col',
    'name',
    '--meta-cols',
    'genre',
  ];
}

test('--help lists the subcommands; data --help lists every source', () => {
  const top = cli(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /\brun\b/);
  assert.match(top.stdout, /\bdata\b/);
  const data = cli(['data', '--help']);
  assert.equal(data.code, 0);
  for (const s of ['dslabs', 'movielens', 'amazon', 'steam', 'csv', 'jsonl']) assert.match(data.stdout, new RegExp(`^  ${s} `, 'm'));
});

test('unknown flags and wrong types are one-line errors without a stack trace', () => {
  const unknown = cli(['data', '--out', tmp(), '--frobnicate']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown option '--frobnicate'/);
  const wrong = cli(['data', '--out', tmp(), '--kcore', 'five']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /--kcore.*expected an integer, got "five"/);
  const source = cli(['data', '--out', tmp(), '--source', 'netflix']);
  assert.match(source.stderr, /expected one of dslabs, movielens/);
  for (const r of [unknown, wrong, source]) assert.doesNotMatch(r.stderr, /^\s+at /m);
});

test('a missing input file is a one-line error naming the file', () => {
  const r = cli(['data', '--source', 'movielens', '--input', '/nonexistent/ml-100k', '--out', tmp()]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^recexplainer: \/nonexistent\/ml-100k.*not found/m);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
});

test('data on a csv fixture: counts, skips, resolved config, 3-core', () => {
  const dir = tmp();
  const out = join(dir, 'out');
  const r = cli(['data', ...csvFixture(dir), '--kcore', '3', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /4 users, 4 items, 16 interactions/);
  const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
  assert.equal(stats.raw.interactions, 17);
  assert.equal(stats.skipped.malformed_line, 1);
  assert.match(stats.skipped_examples.malformed_line, /inter\.csv:19/);
  assert.equal(stats.filtered.kcore_removed_events, 1);
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.kcore, 3);
  assert.equal(cfg.columns.title, 'name');
  const items = readFileSync(join(out, 'items.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(items[2], { id: 3, title: 'Gamma, the', meta: { genre: 'y' } });
  assert.ok(existsSync(join(out, 'stats.md')) && existsSync(join(out, 'sequence_lengths.svg')));
});

test('--strict turns the malformed line into a one-line error with file and line', () => {
  const dir = tmp();
  const r = cli(['data', ...csvFixture(dir), '--kcore', '3', '--strict', '--out', join(dir, 'out'), '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /inter\.csv:19/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('filters that leave nobody are an error, not an empty data set', () => {
  const dir = tmp();
  const r = cli(['data', ...csvFixture(dir), '--kcore', '50', '--out', join(dir, 'out'), '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no user is left after filtering .* of 17 events read \(skipped malformed_line: 1\); loosen the filters/);
  assert.ok(!existsSync(join(dir, 'out', 'manifest.json')));
});

test('an item listed with two titles: counted in stats.json with examples (the first kept); --strict makes it an error', () => {
  const dir = tmp();
  const args = csvFixture(dir);
  writeFileSync(join(dir, 'items.csv'), readFileSync(join(dir, 'items.csv'), 'utf8') + 'b,Beta Two,x\n');
  writeFileSync(join(dir, 'inter.csv'), readFileSync(join(dir, 'inter.csv'), 'utf8').replace(/broken line.*\n/, '')); // --strict: no other fault
  const r = cli(['data', ...args, '--kcore', '3', '--out', join(dir, 'out'), '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const stats = JSON.parse(readFileSync(join(dir, 'out', 'stats.json'), 'utf8'));
  assert.deepEqual(stats.title_conflicts, {
    count: 1,
    examples: [`item b has the titles "Beta" and "Beta Two" (${join(dir, 'items.csv')}:7); the first is kept`],
  });
  const strict = cli(['data', ...args, '--kcore', '3', '--strict', '--out', join(dir, 'strict'), '--quiet']);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /items\.csv:7: item b has the titles "Beta" and "Beta Two"/);
  assert.equal(strict.stderr.trim().split('\n').length, 1);
});

test('data --source dslabs with defaults: the embedded MovieLens, 5-core', (t) => {
  if (!findDslabsData()) return t.skip('dslabs data not installed: run npm run setup');
  const out = join(tmp(), 'ds');
  const r = cli(['data', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
  // figures of BENCHMARKS.md's reference preprocessing (NA titles dropped, 5-core)
  assert.deepEqual([s.users, s.items, s.interactions], [671, 3496, 90072]);
  assert.deepEqual(s.raw, { users: 671, items: 9066, interactions: 100004 });
  assert.equal(s.skipped.items_without_title, 5);
  assert.equal(s.shared_titles, 0);
  const again = join(tmp(), 'ds');
  cli(['data', '--out', again, '--quiet']);
  assert.equal(readFileSync(join(again, 'sequences.jsonl'), 'utf8'), readFileSync(join(out, 'sequences.jsonl'), 'utf8'));
});

test('data --source dslabs with --users and --top-items: seeded, smaller', (t) => {
  if (!findDslabsData()) return t.skip('dslabs data not installed: run npm run setup');
  const run = (seed: number) => {
    const out = join(tmp(), 'ds');
    const r = cli(['data', '--users', '200', '--top-items', '1000', '--seed', String(seed), '--out', out, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(join(out, 'user_map.tsv'), 'utf8');
  };
  const a = run(1);
  assert.equal(a, run(1));
  assert.notEqual(a, run(2));
  assert.ok(a.trim().split('\n').length - 1 <= 200);
});
