// The paper's Table 1 as the report prints it: the best RecExplainer figures over its data sets, one
// data set's column beside ours (N/A and methods we did not run as —), in the order of the paper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAPER_BEST, paperFigure, paperMarkdown } from '../../src/run/paper.js';
import type { MethodMetrics } from '../../src/eval/evaluate.js';

test("PAPER_BEST is the best RecExplainer-B/I/H figure of the paper's Table 1, per metric", () => {
  assert.deepEqual(PAPER_BEST, {
    'task1.hr@5': 0.9615, // Steam, I
    'task1.ndcg@5': 0.8242, // Steam, H
    'task2.ndcg@5': 0.9083, // Steam, I
    'task3.acc': 0.9904, // Steam, I
    'task6.hcr': 0.1461, // Movies and TV, H
  });
  assert.equal(paperFigure('games', 'popularity', 'task3.acc'), null); // N/A in the paper
  assert.equal(paperFigure('movies', 'recexplainer-b', 'task1.hr@5'), 0.8106);
});

test('paperMarkdown: ours beside the paper per metric, every paper row in its order, then our rows it has none of; — where either side has none', () => {
  const metrics = (t1: number): MethodMetrics =>
    ({
      task1: { 'hr@5': t1, 'ndcg@5': t1 / 2 },
      task2: { 'ndcg@5': 0.5 },
      task3: { acc: 0.75 },
      task6: { hcr: null },
    }) as unknown as MethodMetrics;
  const md = paperMarkdown('steam', { random: metrics(0.01), 'recexplainer-h+items': metrics(0.5), 'recexplainer-i': metrics(0.25) });
  const rows = md.filter((l) => l.startsWith('| ') && !l.startsWith('| method'));
  assert.deepEqual(
    rows.map((l) => l.split(' | ')[0].slice(2)),
    [
      'random',
      'popularity (not run)',
      'base-lm (not run)',
      'icl (not run)',
      'icl-llm (not run)',
      'sasrec-kd (not run)',
      'recexplainer-b (not run)',
      'recexplainer-i',
      'recexplainer-h (not run)',
      'recexplainer-h+items',
    ],
  );
  assert.equal(
    rows[9],
    '| recexplainer-h+items | 0.5000 | — | 0.2500 | — | 0.5000 | — | 0.7500 | — | — | — |',
    'ours alone, after the paper rows',
  );
  assert.equal(rows[0], '| random | 0.0100 | 0.0060 | 0.0050 | 0.0039 | 0.5000 | 0.6139 | 0.7500 | 0.4977 | — | — |');
  assert.equal(rows[7], '| recexplainer-i | 0.2500 | 0.9615 | 0.1250 | 0.8122 | 0.5000 | 0.9083 | 0.7500 | 0.9904 | — | 0.0659 |');
  assert.equal(rows[1], '| popularity (not run) | — | 0.0321 | — | 0.0201 | — | 0.7971 | — | — | — | — |');
  assert.match(md[0], /Steam/);
});
