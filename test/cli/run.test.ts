// `recexplainer run`: the stages implemented so far (data, train-rec, tasks), report.json in DESIGN.md
// §6's shape, and the report's path printed last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.js';
import { findDslabsData } from '../../src/data/loaders/dslabs.js';

test('run writes report.json and report.md and ends by printing where the report is', (t) => {
  if (!findDslabsData()) return t.skip('dslabs data not installed: run npm run setup');
  const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r');
  const r = cli(['run', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const last = r.stdout.trim().split('\n').pop()!;
  assert.equal(last, `report: ${join(out, 'report.md')}`);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.equal(report.dataset.users, 671);
  assert.equal(typeof report.timings.data, 'number');
  assert.equal(typeof report.timings.train_rec, 'number');
  assert.equal(typeof report.timings.tasks, 'number');
  assert.equal(report.tasks.B.test.task1, 671); // one task-1 test sample per user
  assert.equal(report.tasks.I.train.task6, 671);
  // the recommender learned: far above a random ranking (NDCG@10 ≈ 0.003 over 3,496 items)
  assert.ok(report.recommender.full['ndcg@10'] > 0.02, JSON.stringify(report.recommender.full));
  assert.ok(report.peak_rss_mb > 0);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| dslabs \| 671 \| 3,496 \| 90,072 \|/);
});
