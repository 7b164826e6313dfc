// run --jobs' child processes (src/run/jobs.ts): an align job made in a child writes the same model
// as align() in this process (same seed, other thread count) and reports its time and memory; a
// failing job is the child's one-line UserError, and the jobs queued behind it never start; a child
// started from the CLI run as `node -e` (the tests' way) drops the flags only a string script takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { align } from '../../src/align/train.js';
import { UserError } from '../../src/engine/errors.js';
import { childExecArgv, runJobs, type JobDone } from '../../src/run/jobs.js';
import { tinyAlign, tinyRun } from '../serve/fixture.js';

/** The model's weight files (safetensors, not the resume checkpoint, which holds its own paths) by name, as bytes. */
const weights = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.safetensors') && f !== 'checkpoint.safetensors')
      .sort()
      .map((f) => [f, readFileSync(join(dir, f))]),
  );

test('runJobs: an align job in a child process writes the same weights as align() here, with its time and peak RSS', async () => {
  const run = await tinyRun();
  const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
  await align(tinyAlign(run, join(dir, 'here')));
  const done: [string, JobDone][] = [];
  await runJobs([{ name: 'align_h', kind: 'align', cfg: tinyAlign(run, join(dir, 'child')) }], 2, (j, d) => done.push([j.name, d]));
  assert.equal(done.length, 1);
  assert.equal(done[0][0], 'align_h');
  assert.ok(done[0][1].seconds > 0 && done[0][1].peak_rss_mb > 0, JSON.stringify(done[0][1]));
  const here = weights(join(dir, 'here'));
  assert.ok(Object.keys(here).length > 0, 'align wrote safetensors');
  assert.deepEqual(weights(join(dir, 'child')), here);
});

test('runJobs: a failing job is its one-line UserError; the jobs queued behind it never start', async () => {
  const run = await tinyRun();
  const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
  const missing = join(dir, 'no-such-tasks');
  const bad = { name: 'align_bad', kind: 'align' as const, weight: 2, cfg: { ...tinyAlign(run, join(dir, 'bad')), tasks: missing } };
  const later = { name: 'align_later', kind: 'align' as const, weight: 1, cfg: tinyAlign(run, join(dir, 'later')) };
  await assert.rejects(
    runJobs([later, bad], 1, () => assert.fail('no job ends well')),
    (e: Error) => e instanceof UserError && e.message.includes(missing) && !e.message.includes('\n'),
  );
  assert.ok(!existsSync(join(dir, 'later')), 'the queued job did not start');
});

test('childExecArgv: a child keeps our loader flags, not those of a string script (the CLI run as node -e)', () => {
  assert.deepEqual(childExecArgv(['--import', 'tsx', '--input-type=module', '-e', 'await main()', '--max-old-space-size=512']), [
    '--import',
    'tsx',
    '--max-old-space-size=512',
  ]);
  assert.deepEqual(childExecArgv(['--eval', 'x', '-p', 'y', '--input-type', 'module', '--eval=z', '--print=w']), []);
});
