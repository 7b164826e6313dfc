// The run report's link to the data set's chart: into the run's own data folder, or to a copy beside
// report.md when --data lies outside the run folder (a report copied on must not point out of it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataChart } from '../../src/run/report.js';

test("dataChart: the run's own data folder is linked, a folder elsewhere is copied beside the report", () => {
  const root = mkdtempSync(join(tmpdir(), 'chart-'));
  const out = join(root, 'run');
  for (const d of [join(out, 'dataset'), join(root, 'games')]) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'sequence_lengths.svg'), `<svg>${d}</svg>`);
  }
  assert.equal(dataChart(out, join(out, 'dataset')), 'dataset/sequence_lengths.svg');
  assert.equal(dataChart(out, join(root, 'games')), 'sequence_lengths.svg');
  assert.equal(readFileSync(join(out, 'sequence_lengths.svg'), 'utf8'), `<svg>${join(root, 'games')}</svg>`);
});
