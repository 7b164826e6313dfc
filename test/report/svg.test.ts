// SVG charts: round ticks, one bar per value, one panel per series, escaped text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barChart, lineChart, niceTicks } from '../../src/report/svg.js';

test('niceTicks covers the maximum with round steps', () => {
  assert.deepEqual(niceTicks(240), [0, 50, 100, 150, 200, 250]);
  assert.deepEqual(niceTicks(1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0), [0]);
});

test('barChart draws one bar per value and escapes labels', () => {
  const svg = barChart({ title: 'a < b', labels: ['x&y', 'z'], values: [3, 5], xLabel: 'k', yLabel: 'n' });
  assert.equal(svg.match(/<rect x=/g)?.length, 2);
  assert.match(svg, /a &lt; b/);
  assert.match(svg, /x&amp;y: 3/);
});

test('lineChart: a panel and a path per series', () => {
  const svg = lineChart({
    title: 't',
    xLabel: 'epoch',
    series: [
      {
        name: 'loss',
        points: [
          [1, 2],
          [2, 1],
        ],
      },
      { name: 'ndcg', points: [[2, 0.3]] },
    ],
  });
  assert.equal(svg.match(/<path /g)?.length, 2);
  assert.match(svg, /d="M344\.0,44\.0 L624\.0,224\.0"/); // x from 0 to 2, the max at the panel top
  assert.match(svg, />loss</);
  assert.match(svg, />ndcg</);
});
