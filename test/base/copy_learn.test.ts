// Acceptance of the copy curriculum (issue 18, lever 2): a tiny model trained on the curriculum's
// span windows copies held-out random 8-token spans exactly when its head is tied to its embeddings,
// and does not when untied (same shape, seed and steps: 2 layers of 64, 2,048 ids, 400 steps of 64
// windows). The two train side by side in child processes (copy_learn_child.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./copy_learn_child.ts', import.meta.url));

interface Run {
  span8: number;
  titles9: number;
  seconds: number;
}

function run(head: 'tied' | 'untied'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, head], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Run) : reject(new Error(`${head} run exited ${code}: ${err}`))));
  });
}

test('copy probe: a tiny tied model trained on the curriculum copies held-out spans (≥ 0.95); untied, it does not', async (t) => {
  const [tied, untied] = await Promise.all([run('tied'), run('untied')]);
  t.diagnostic(`tied ${JSON.stringify(tied)}; untied ${JSON.stringify(untied)}`);
  assert.ok(tied.span8 >= 0.95, `tied span8 ${tied.span8}`);
  assert.ok(untied.span8 < 0.5, `untied span8 ${untied.span8}`);
});
