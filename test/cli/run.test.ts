// `recexplainer run` (quick profile) end to end on the embedded data set: every stage, report.json
// in DESIGN.md §6's shape with every field present and finite (null only where a method cannot
// do a task, and the LLM judge CI has none of), RecExplainer-I above Random on task 3, grounded LM
// answers all valid with the free-decoding rows beside them, the icl-llm row null and "not run", the
// rating table, a second call reusing every finished stage; a third with --ablate 3 (one ablated H
// model, its stages, the ablation table and chart), human ratings in <run>/ratings.jsonl and a dead
// --llm-url (one-line error, exit 1, the rest of the run and its report intact).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.js';
import { findDslabsData } from '../../src/data/loaders/dslabs.js';

const METHODS = ['random', 'popularity', 'base-lm', 'icl', 'sasrec-kd', 'recexplainer-b', 'recexplainer-i', 'recexplainer-h'];
const NOT_RUN = 'icl-llm'; // no --llm-url: null, never zero
const LM_METHODS = ['base-lm', 'icl', 'recexplainer-b', 'recexplainer-i', 'recexplainer-h'];
// the tasks each method cannot do (its metrics are null)
const CANNOT: Record<string, string[]> = {
  popularity: ['task4'],
  'sasrec-kd': ['task4', 'task6'],
  'base-lm': ['task4', 'task6'],
  icl: ['task4', 'task6'],
  'recexplainer-b': ['task4', 'task6'],
};

/** Every number reachable in `v` is finite; nulls only at the listed paths. */
function checkFinite(v: unknown, path: string, nullOk: (p: string) => boolean): void {
  if (v === null) return assert.ok(nullOk(path), `${path} is null`);
  if (typeof v === 'number') return assert.ok(Number.isFinite(v), `${path} = ${v}`);
  if (typeof v === 'object') for (const [k, x] of Object.entries(v as object)) checkFinite(x, `${path}.${k}`, nullOk);
}

test('run --profile quick: every stage, a complete report, RecExplainer-I beats Random on task 3; then --ablate 3', async (t) => {
  if (!findDslabsData()) return t.skip('dslabs data not installed: run npm run setup');
  const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r');
  const r = cli(['run', '--profile', 'quick', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').pop(), `report: ${join(out, 'report.md')}`);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(Object.keys(report.methods), [...METHODS.slice(0, 4), NOT_RUN, ...METHODS.slice(4)]);
  assert.equal(report.methods[NOT_RUN], null);
  assert.equal(report.explanations[NOT_RUN], null);
  assert.match(report.notes.methods[NOT_RUN], /^not run: no --llm-url/);
  assert.match(report.notes.explanations[NOT_RUN], /^not run: no --llm-url/);
  for (const k of ['data', 'train_rec', 'distill', 'tasks', 'pretrain', 'align_b', 'align_i', 'align_h', 'eval', 'explain'])
    assert.ok(report.timings[k] > 0, k);
  assert.ok(report.peak_rss_mb > 0);
  // the default --jobs 0 (one per core): on more than one core the aligned models trained side by side
  const stages = JSON.parse(readFileSync(join(out, 'stages.json'), 'utf8'));
  for (const k of ['align_b', 'align_i', 'align_h'])
    assert.equal(stages[k].jobs, availableParallelism() > 1 ? Math.min(availableParallelism(), 3) : undefined, k);
  assert.equal(report.dataset.users, 150);
  const m = report.methods;
  for (const name of METHODS) {
    for (const task of ['task1', 'task2', 'task3', 'task4', 'task6']) assert.ok(task in m[name], `${name}.${task}`);
    for (const key of ['hr@5', 'ndcg@5']) assert.ok(key in m[name].task1);
    assert.ok('ndcg@5' in m[name].task2 && 'acc' in m[name].task3 && 'hcr' in m[name].task6);
  }
  checkFinite(report, 'report', (p) => {
    const [, part, ...rest] = p.split('.');
    if (p === `report.methods.${NOT_RUN}` || p === `report.explanations.${NOT_RUN}`) return true;
    if (part === 'ratings') return rest.includes('kappa') || rest.includes('rho'); // only with shared texts
    const noted = (name: string, key: string) =>
      key === 'llm_judge_mean' ||
      key === 'fact_accuracy' ||
      (['nonword_rate', 'garbled_rate', 'misplaced_rate'].includes(key) && !name.startsWith('recexplainer-')); // no LLM judge in CI; no stated fact; non-words, garbled texts and misplaced titles of aligned LMs only
    if (part === 'explanations') return noted(rest[0], rest[1]);
    if (part === 'free' && rest[0] === 'explanations') return noted(rest[1], rest[2]);
    const [name, task] = part === 'free' ? rest.slice(1) : rest;
    return (part === 'methods' || part === 'free') && (CANNOT[name] ?? []).includes(task);
  });
  for (const name of ['base-lm', 'template', 'recexplainer-b', 'recexplainer-i', 'recexplainer-h']) {
    for (const k of ['agreement', 'attribution_p@3', 'hallucination_rate', 'rule_judge_mean'])
      assert.ok(report.explanations[name][k] >= 0, `${name}.${k}`);
  }
  assert.equal(report.explanations.template.fact_accuracy, 1); // the f-grounded templates state only true facts
  assert.ok(report.distinction.discriminator_acc >= 0 && report.distinction.discriminator_acc <= 1);
  assert.deepEqual(Object.keys(report.distinction.score_mse), [
    'base-lm',
    'template',
    'recexplainer-b',
    'recexplainer-i',
    'recexplainer-h',
  ]);
  assert.ok(
    m['recexplainer-i'].task3.acc > m.random.task3.acc,
    `task 3: recexplainer-i ${m['recexplainer-i'].task3.acc}, random ${m.random.task3.acc}`,
  );
  assert.deepEqual(Object.keys(report.free.methods), LM_METHODS);
  for (const name of LM_METHODS) {
    assert.equal(m[name].task1.invalid_rate, 0, `${name}: grounded task-1 answers are titles`);
    assert.equal(m[name].task2.parsed_rate, 1, `${name}: grounded task-2 answers name every candidate`);
    assert.ok(m[name].task4.invalid_rate === null || m[name].task4.invalid_rate === 0, name);
    const free = report.free.methods[name];
    assert.ok(free.valid_rate >= 0 && free.valid_rate <= 1 && report.timings[`eval_${name}_free`] > 0, name);
    const rows = readFileSync(join(out, 'eval', 'answers', 'free', `${name}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    assert.equal(
      rows.length,
      Object.values(free.samples as Record<string, number>).reduce((x, y) => x + y, 0),
      name,
    );
  }
  // the rating table: the rule judge rated every explainer's texts; no LLM judge, no human ratings yet
  assert.deepEqual(Object.keys(report.ratings.explainers), ['base-lm', 'template', 'recexplainer-b', 'recexplainer-i', 'recexplainer-h']);
  for (const [name, by] of Object.entries(
    report.ratings.explainers as Record<string, { rule: { n: number; mean: number; counts: number[] } }>,
  )) {
    assert.deepEqual(Object.keys(by), ['rule'], name);
    assert.equal(by.rule.n, report.explanations[name].samples, name);
    assert.ok(Math.abs(by.rule.mean - report.explanations[name].rule_judge_mean) < 1e-12, name);
    assert.equal(
      by.rule.counts.reduce((a, b) => a + b, 0),
      by.rule.n,
      name,
    );
  }
  assert.deepEqual(report.ratings.agreement, []);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /\| recexplainer-h \|/);
  if (availableParallelism() > 1) assert.match(md, /\| align_b ∥ \| [\d.]+ \|[^]*∥: trained in a child process of its own/);
  assert.match(md, /\| icl-llm \(not run\) \| — \|/);
  assert.match(md, /### Ratings by judge[\s\S]*\| recexplainer-i \| rule \| 60 \|/);
  assert.match(md, /free decoding \(the paper's\)[\s\S]*\| recexplainer-i \|/);
  assert.match(md, /!\[alignment\]\(alignment\.svg\)/);
  for (const name of METHODS) {
    // every scored answer kept, one row per sample, enough to recompute the metrics without a model
    const rows = readFileSync(join(out, 'eval', 'answers', `${name}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const samples = Object.values(m[name].samples as Record<string, number>).reduce((x, y) => x + y, 0);
    assert.equal(rows.length, samples, name);
    assert.ok(
      rows.every((x) => typeof x.id === 'string' && 'output' in x && 'parsed' in x && typeof x.label === 'string'),
      name,
    );
  }

  assert.equal(report.paper, undefined);
  assert.doesNotMatch(md, /Beside the paper/);
  // again with the paper's Games column: every stage kept, our figures beside the paper's
  const again = cli(['run', '--profile', 'quick', '--out', out, '--quiet', '--paper', 'games']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((again.stdout.match(/done before/g) ?? []).length, 10);
  const withPaper = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(withPaper.methods, report.methods);
  assert.equal(withPaper.paper.dataset, 'Amazon Video Games');
  assert.equal(withPaper.paper.methods['recexplainer-h']['task1.hr@5'], 0.8057);
  const h = m['recexplainer-h'];
  const mdPaper = readFileSync(join(out, 'report.md'), 'utf8');
  assert.ok(
    mdPaper.includes(
      `| recexplainer-h | ${h.task1['hr@5'].toFixed(4)} | 0.8057 | ${h.task1['ndcg@5'].toFixed(4)} | 0.6922 | ${h.task2['ndcg@5'].toFixed(4)} | 0.8458 |`,
    ),
    mdPaper,
  );
  assert.match(mdPaper, /\| icl-llm \(not run\) \| — \| 0\.1105 \|/);

  // Table 1 on fewer test users: its own folder and stage, the profile's one untouched
  const fewer = cli(['run', '--profile', 'quick', '--out', out, '--quiet', '--eval-users', '20']);
  assert.equal(fewer.code, 0, fewer.stderr);
  assert.match(fewer.stdout, /^\[9\/10\] eval-u20: every method on the test samples/m);
  const f20 = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.equal(f20.command, 'recexplainer run --profile quick --eval-users 20');
  for (const name of METHODS) assert.equal(f20.methods[name].samples.task1, 20, name);
  assert.deepEqual(f20.explanations, report.explanations, 'the explanations are kept');
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /^## Alignment: .* \(20 test users\)$/m);
  const kept = JSON.parse(readFileSync(join(out, 'eval', 'methods.json'), 'utf8'));
  assert.deepEqual(kept.methods['recexplainer-h'], report.methods['recexplainer-h'], "the profile's Table 1 is kept");

  // --ablate 3 with human ratings in the run folder and a dead icl-llm endpoint
  const rows = readFileSync(join(out, 'explain', 'explanations', 'recexplainer-h.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { key: string; rating: number });
  writeFileSync(
    join(out, 'ratings.jsonl'),
    rows
      .slice(0, 4)
      .map((x) => JSON.stringify({ case: x.key, explainer: 'recexplainer-h', rater: 'ann', rating: x.rating }))
      .join('\n') + '\n',
  );
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const dead = `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  const abl = cli(['run', '--profile', 'quick', '--out', out, '--quiet', '--ablate', '3', '--llm-url', dead]);
  assert.equal(abl.code, 1, abl.stderr);
  assert.equal(
    abl.stderr,
    `recexplainer: icl-llm: no reply from ${dead} (fetch failed: ECONNREFUSED) (the rest of the run is in the report; run again to retry)\n`,
  );
  assert.equal((abl.stdout.match(/done before/g) ?? []).length, 10);
  assert.match(abl.stdout, /^\[11\/13\] icl_llm: the icl-llm baseline/m);
  assert.match(abl.stdout, /^\[12\/13\] align_h_no3: /m);
  assert.match(abl.stdout, /^\[13\/13\] ablate_h_no3: /m);
  assert.ok(existsSync(join(out, 'lm-H-no3', 'metrics.json')));
  const a = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(a.methods['recexplainer-i'], report.methods['recexplainer-i'], 'the rest of the run is intact');
  assert.equal(a.methods[NOT_RUN], null);
  assert.match(a.notes.methods[NOT_RUN], /^failed: icl-llm: no reply from/);
  const aligned = JSON.parse(readFileSync(join(out, 'lm-H-no3', 'metrics.json'), 'utf8'));
  const full = JSON.parse(readFileSync(join(out, 'lm-H', 'metrics.json'), 'utf8'));
  assert.equal(aligned.samples.task3, undefined, 'no task-3 sample in the ablated model');
  assert.deepEqual({ ...aligned.samples, task3: full.samples.task3 }, full.samples, 'every other task keeps its samples');
  assert.equal(a.ablation.profile, 'quick');
  assert.deepEqual(Object.keys(a.ablation.tasks), ['3']);
  const t3 = a.ablation.tasks['3'];
  for (const k of ['task1', 'task2', 'task3', 'task6', 'explanations']) assert.ok(k in t3, k);
  assert.ok(t3.task3.acc >= 0 && t3.task3.acc <= 1 && t3.explanations.agreement >= 0 && t3.explanations.rule_judge_mean >= 0);
  assert.equal(t3.explanations.samples, report.explanations['recexplainer-h'].samples);
  assert.equal(a.ratings.human_raters[0], 'ann');
  assert.deepEqual(a.ratings.explainers['recexplainer-h'].human.n, 4);
  const pair = a.ratings.agreement.find((g: { a: string; b: string }) => g.a === 'rule' && g.b === 'human:ann');
  assert.deepEqual([pair.shared, pair.kappa], [4, 1]); // ann copied the rule judge's ratings
  const amd = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(amd, /## Task ablation[\s\S]*\| RecExplainer-H \(all tasks\) \|[\s\S]*\| without task 3 \(interest \(yes\/no\)\) \|/);
  assert.match(amd, /!\[task ablation\]\(ablation\.svg\)/);
  assert.match(readFileSync(join(out, 'ablation.svg'), 'utf8'), /<title>no task 3 · T3 ACC: /);
  assert.match(amd, /\| icl-llm \(failed\) \|/);

  // a smaller ablation beside it: its own reference H, named by its settings, the finished one untouched
  const small = cli(['run', '--profile', 'quick', '--out', out, '--quiet', '--ablate', '3', '--ablate-steps', '12', '--ablate-users', '8']);
  assert.equal(small.code, 0, small.stderr);
  assert.match(small.stdout, /^\[11\/14\] align_h_ref-s12-u8: RecExplainer-H on every task/m);
  assert.match(small.stdout, /^\[14\/14\] ablate_h_no3-s12-u8: /m);
  for (const lm of ['lm-H-ref-s12-u8', 'lm-H-no3-s12-u8'])
    assert.equal(JSON.parse(readFileSync(join(out, lm, 'metrics.json'), 'utf8')).steps, 12, `${lm}: --ablate-steps`);
  const b = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual([b.ablation.steps, b.ablation.users], [12, 8]);
  assert.equal(b.command, 'recexplainer run --profile quick --ablate 3 --ablate-steps 12 --ablate-users 8');
  assert.deepEqual(Object.keys(b.ablation.tasks), ['3']);
  assert.equal(b.ablation.reference.explanations.samples, 8, 'the reference row is its own, scored on --ablate-users pairs');
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'lm-H-no3', 'metrics.json'), 'utf8')), aligned, 'the finished ablation is untouched');
  assert.notDeepEqual(b.ablation.tasks['3'], t3, 'the smaller no-3 model is another model');
  assert.equal(b.ablation.tasks['3'].explanations.samples, 8);
  assert.match(
    readFileSync(join(out, 'report.md'), 'utf8'),
    /at most 12 optimizer steps[\s\S]*8 test users and 8 explanation pairs[\s\S]*trained and scored the same way/,
  );
});

test('run --data DIR: the given folder is the data set (no data stage), and a folder that is none is named in one line', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'run-data-'));
  const notData = join(tmp, 'not-a-data-set');
  mkdirSync(notData);
  const r = cli(['run', '--data', notData, '--out', join(tmp, 'r'), '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^\\[1/10\\] data: given \\(--data ${notData}\\)$`, 'm'));
  assert.equal(
    r.stderr.trim(),
    `recexplainer: ${notData}: not a data set folder (no manifest.json); create one with \`recexplainer data\``,
  );
});
