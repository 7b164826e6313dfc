// The `tasks` stage end to end on a small trained SASRec: labels recomputed independently
// from f, no test item in training prompts, even template use, B/I/H composition, counts,
// ShareGPT input, flag errors, and byte-identical output for the same seed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/helpers.js';
import { trainedRing } from '../rec/fixture.js';
import { readDataset } from '../../src/data/dataset.js';
import { coveredAspects, knownAspect } from '../../src/facts/aspects.js';
import { parseDecision } from '../../src/facts/decision.js';
import { citedTitles } from '../../src/facts/cite.js';
import { leaveOneOut } from '../../src/data/process.js';
import { Recommender } from '../../src/rec/recommender.js';
import { loadTemplates } from '../../src/tasks/templates.js';
import { parseList } from '../../src/data/text_forms.js';
import type { Soft, TaskRecord } from '../../src/tasks/forms.js';
import { MARKER, readMarker } from '../../src/engine/out_folder.js';

const { data, rec: recDir } = await trainedRing();
const tmp = mkdtempSync(join(tmpdir(), 'tasks-'));
const out = join(tmp, 'a');
const ARGS = ['--data', data, '--rec', recDir, '--prefixes', '2', '--task5', '40,10', '--backend', 'wasm', '--quiet'];
const ds = readDataset(data);
const split = ds.sequences.map((s) => leaveOneOut(s.items)); // index = user − 1
const idOf = new Map(ds.items.map((i) => [i.title, i.id]));
let rec: Recommender;

const read = (dir: string, name: string): TaskRecord[] =>
  readFileSync(join(dir, name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TaskRecord);
const userSoft = (r: TaskRecord) => r.soft.find((s): s is Extract<Soft, { kind: 'user' }> => s.kind === 'user')!;
const itemSoft = (r: TaskRecord) => r.soft.filter((s): s is Extract<Soft, { kind: 'item' }> => s.kind === 'item').map((s) => s.item);

before(async () => {
  const r = cli(['tasks', ...ARGS, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\| Task 1 \|/);
  rec = await Recommender.load(recDir, 'wasm');
});

test('soft histories are the training prefix (train) or the full training sequence (test)', () => {
  for (const split_ of ['train', 'test'] as const) {
    for (const r of read(out, `${split_}.I.jsonl`).filter((r) => r.user !== null)) {
      const sp = split[r.user! - 1];
      const h = userSoft(r).history;
      if (split_ === 'test') assert.deepEqual(h, [...sp.train, sp.valid], r.id);
      else assert.deepEqual(h, sp.train.slice(0, r.id.endsWith('-p2') ? -1 : undefined), r.id);
    }
  }
});

test('task 1 = argmax of f over the items outside the history (recomputed)', () => {
  for (const name of ['train.I.jsonl', 'test.I.jsonl']) {
    const t1 = read(out, name).filter((r) => r.task === 1);
    assert.ok(t1.length >= 200);
    for (const r of t1) {
      const h = userSoft(r).history;
      const s = rec.scoreAll(h);
      let best = -1;
      for (let i = 1; i <= rec.nItems; i++) if (!h.includes(i) && (best < 0 || s[i] > s[best])) best = i;
      assert.equal(idOf.get(r.response), best, r.id);
    }
  }
});

test('task 2 = the candidates in f’s order; the B rendering carries the same answer', () => {
  const b = new Map(read(out, 'train.B.jsonl').map((r) => [r.id.replace('-B-', '-'), r]));
  for (const r of [...read(out, 'train.I.jsonl'), ...read(out, 'test.I.jsonl')].filter((r) => r.task === 2)) {
    const h = userSoft(r).history;
    const cand = itemSoft(r);
    assert.equal(cand.length, 5);
    assert.ok(
      cand.every((i) => !h.includes(i)),
      r.id,
    );
    const s = rec.scoreAll(h);
    const answer = parseList(r.response).map((t) => idOf.get(t)!);
    assert.deepEqual(
      [...answer].sort((x, y) => x - y),
      [...cand].sort((x, y) => x - y),
      r.id,
    );
    for (let k = 1; k < answer.length; k++) assert.ok(s[answer[k - 1]] >= s[answer[k]], r.id);
    if (r.split === 'train') assert.equal(b.get(r.id.replace('-I-', '-'))!.response, r.response);
  }
});

test('task 3 positives lie in f’s top 20 %, negatives in its bottom 50 %, one of each per user', () => {
  for (const name of ['train.I.jsonl', 'test.I.jsonl']) {
    const t3 = read(out, name).filter((r) => r.task === 3);
    assert.equal(t3.length, 2 * ds.sequences.length);
    for (const r of t3) {
      const h = userSoft(r).history;
      const s = rec.scoreAll(h);
      const [item] = itemSoft(r);
      const others = Array.from({ length: rec.nItems }, (_, i) => i + 1).filter((i) => !h.includes(i));
      const above = others.filter((i) => s[i] > s[item]).length;
      const below = others.filter((i) => s[i] < s[item]).length;
      if (r.response === 'Yes') assert.ok(above < Math.floor(0.2 * others.length), `${r.id}: ${above} of ${others.length} above`);
      else assert.ok(below < Math.floor(0.5 * others.length), `${r.id}: ${below} of ${others.length} below`);
    }
  }
});

test('no user’s test item appears in any training prompt or soft history', () => {
  for (const form of ['B', 'I', 'H']) {
    for (const r of read(out, `train.${form}.jsonl`).filter((r) => r.user !== null)) {
      const target = split[r.user! - 1].test;
      const title = ds.items[target - 1].title;
      assert.ok(!new RegExp(`${title}(?!\\d)`).test(r.prompt), `${r.id} names ${title}`);
      for (const s of r.soft) assert.ok(s.kind === 'user' ? !s.history.includes(target) : s.item !== target, r.id);
    }
  }
});

test('templates are used about equally (χ² below the 0.1 % critical value) and all of them', () => {
  const t = loadTemplates();
  const crit: Record<number, number> = { 5: 20.52, 7: 24.32, 8: 26.12 }; // χ² 0.999 quantiles by degrees of freedom
  const records = read(out, 'train.I.jsonl');
  const groups: [string, TaskRecord[], number][] = [
    ['t1', records.filter((r) => r.task === 1), t.prompts.t1.length],
    ['t2', records.filter((r) => r.task === 2), t.prompts.t2.length],
    ['t3', records.filter((r) => r.task === 3), t.prompts.t3.length],
    ['t6', records.filter((r) => r.task === 6), t.prompts.t6.length],
    ['t4 title', records.filter((r) => r.id.endsWith('-title')), t.prompts.t4.length],
    ['t4 similar', records.filter((r) => r.id.endsWith('-similar')), t.prompts.t4.length],
    ['t5', records.filter((r) => r.task === 5), t.prompts.t5.length],
  ];
  for (const [name, rs, k] of groups) {
    const counts = new Map<string, number>();
    for (const r of rs) counts.set(r.template!, (counts.get(r.template!) ?? 0) + 1);
    assert.equal(counts.size, k, name);
    const e = rs.length / k;
    const chi2 = [...counts.values()].reduce((a, o) => a + (o - e) ** 2 / e, 0);
    assert.ok(chi2 < crit[k - 1], `${name}: χ² ${chi2.toFixed(2)} with ${rs.length} samples`);
  }
});

test('H training = B + I + H renderings; task 6 only from the embedding; soft tokens match the prompt', () => {
  const B = read(out, 'train.B.jsonl');
  const I = read(out, 'train.I.jsonl');
  const H = read(out, 'train.H.jsonl');
  assert.ok(!B.some((r) => r.task === 6) && !read(out, 'test.B.jsonl').some((r) => r.task === 6));
  assert.ok(I.some((r) => r.task === 6));
  const strip = ({ id, form, variant, ...rest }: TaskRecord) =>
    JSON.stringify({ id: id.replace(`-${form}-`, '-').replace(`-${variant}`, ''), ...rest });
  const hb = H.filter((r) => r.variant === 'B' || (r.task === 5 && r.variant === 'H'));
  assert.deepEqual(hb.map(strip), B.map(strip));
  assert.deepEqual(H.filter((r) => r.variant === 'I').map(strip), I.filter((r) => r.task !== 5).map(strip));
  const native = H.filter((r) => r.variant === 'H' && r.task !== 5);
  assert.ok(native.length > 0 && native.every((r) => r.task !== 6 && r.prompt.includes('<')));
  for (const r of [...H, ...read(out, 'test.H.jsonl')]) {
    const tokens = r.prompt.match(/<user>|<item>/g) ?? [];
    assert.deepEqual(
      tokens,
      r.soft.map((s) => s.token),
      r.id,
    );
    assert.equal(r.form, 'H');
  }
  const t4 = H.filter((r) => r.id.includes('-title'));
  assert.ok(t4.length === ds.items.length && t4.every((r) => r.variant === 'I'));
});

test('counts.json agrees with the files; the test split has no task 4', () => {
  const counts = JSON.parse(readFileSync(join(out, 'counts.json'), 'utf8')) as Record<string, Record<string, Record<string, number>>>;
  for (const form of ['B', 'I', 'H']) {
    for (const s of ['train', 'test']) {
      const rs = read(out, `${s}.${form}.jsonl`);
      assert.equal(counts[form][s].total, rs.length);
      for (let t = 1; t <= 6; t++) assert.equal(counts[form][s][`task${t}`], rs.filter((r) => r.task === t).length);
    }
  }
  assert.equal(counts.I.test.task4, 0);
  assert.equal(counts.I.train.task1, 2 * ds.sequences.length); // --prefixes 2
  assert.equal(counts.B.train.task5, 40);
  assert.equal(counts.B.test.task5, 10);
  assert.match(readFileSync(join(out, 'counts.md'), 'utf8'), /\| Task 6 \| 0 \| 0 \|/);
});

test('the same seed gives byte-identical files; another seed does not', () => {
  const again = join(tmp, 'b');
  assert.equal(cli(['tasks', ...ARGS, '--out', again]).code, 0);
  const files = readdirSync(out).sort();
  assert.deepEqual(readdirSync(again).sort(), files);
  for (const f of files) {
    if (f === 'config.json' || f === MARKER) continue; // the marker keeps the time the stage finished
    assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(again, f))), f);
  }
  const cfg = (d: string) => ({ ...JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')), out: null });
  assert.deepEqual(cfg(again), cfg(out));
  const { finished: _a, ...ma } = readMarker(again)!;
  const { finished: _b, ...mb } = readMarker(out)!;
  assert.deepEqual(ma, mb);
  const other = join(tmp, 'c');
  assert.equal(cli(['tasks', ...ARGS, '--seed', '7', '--forms', 'B', '--out', other]).code, 0);
  assert.deepEqual(readdirSync(other).sort(), [MARKER, 'config.json', 'counts.json', 'counts.md', 'test.B.jsonl', 'train.B.jsonl']);
  assert.ok(!readFileSync(join(other, 'train.B.jsonl')).equals(readFileSync(join(out, 'train.B.jsonl'))));
});

test('--prefixes adds training samples and changes no other: the test files and the first-prefix samples are the same with 1', () => {
  const one = join(tmp, 'p1');
  assert.equal(cli(['tasks', ...ARGS, '--prefixes', '1', '--out', one]).code, 0);
  for (const form of ['B', 'I', 'H']) {
    assert.ok(readFileSync(join(one, `test.${form}.jsonl`)).equals(readFileSync(join(out, `test.${form}.jsonl`))), `test.${form}`);
    const two = read(out, `train.${form}.jsonl`);
    const extra = two.filter((r) => /-p2(-|$)/.test(r.id));
    assert.ok(extra.length > 0 && extra.every((r) => [1, 2, 6].includes(r.task)), form);
    assert.deepEqual(
      read(one, `train.${form}.jsonl`),
      two.filter((r) => !extra.includes(r)),
      form,
    );
  }
});

test('--sharegpt replaces the Brown corpus for task 5 (prompt = human turn, no template)', () => {
  const file = join(tmp, 'sg.json');
  const convs = Array.from({ length: 30 }, (_, i) => ({
    conversations: [
      { from: 'human', value: `Question ${i}?` },
      { from: 'gpt', value: `Answer ${i}.` },
    ],
  }));
  writeFileSync(file, JSON.stringify(convs));
  const dir = join(tmp, 'sg');
  const r = cli(['tasks', ...ARGS, '--forms', 'I', '--sharegpt', file, '--out', dir]);
  assert.equal(r.code, 0, r.stderr);
  const t5 = [...read(dir, 'train.I.jsonl'), ...read(dir, 'test.I.jsonl')].filter((x) => x.task === 5);
  assert.equal(t5.length, 30); // 40 + 10 asked, 30 there: shrunk in proportion (24 + 6)
  assert.equal(t5.filter((x) => x.split === 'test').length, 6);
  for (const x of t5) {
    assert.equal(x.template, null);
    assert.equal(x.response, x.prompt.replace('Question', 'Answer').replace('?', '.'));
  }
});

test('bad flags and files are one-line errors', () => {
  const dir = join(tmp, 'err');
  const cases: [string[], RegExp][] = [
    [['--forms', 'B,X'], /expected entries among B, I, H, got "X"/],
    [['--pos-top', '0.6', '--neg-bottom', '0.5'], /add up to at most 1/],
    [['--templates', join(tmp, 'none.json')], /none\.json: template file not found/],
    [['--task5', '1,2,3'], /expected N or TRAIN,TEST/],
    [['--rec', data], /not a train-rec output folder/],
  ];
  for (const [extra, re] of cases) {
    const r = cli(['tasks', ...ARGS, '--out', dir, ...extra]);
    assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.ok(!/\n\s+at /.test(r.stderr), r.stderr);
  }
});

test("task 7: one explanation per task-3 pair, with f's decision and its strongest history item by brute-force leave-one-out", () => {
  const t3 = read(out, 'test.B.jsonl').filter((r) => r.task === 3);
  const t7 = read(out, 'test.I.jsonl').filter((r) => r.task === 7);
  assert.equal(t7.length, t3.length);
  const titleOf = new Map(ds.items.map((i) => [i.id, i.title]));
  for (const r of t7) {
    const pair = t3.find((x) => x.user === r.user && x.id.endsWith(r.id.endsWith('-pos') ? '-pos' : '-neg'))!;
    assert.equal(r.response.split(/[.,]/)[0], pair.response, r.id);
    const item = itemSoft(r)[0];
    const h = userSoft(r).history;
    const shown = h.slice(-9);
    const full = rec.score(h, [item])[0];
    const effects = shown.map(
      (x) =>
        full -
        rec.score(
          h.filter((_, j) => j !== h.lastIndexOf(x)),
          [item],
        )[0],
    );
    const best = shown[effects.indexOf(Math.max(...effects))];
    const cited = shown.filter((x) => r.response.includes(titleOf.get(x)!));
    assert.ok(cited.includes(best), `${r.id}: cites ${cited}, f's strongest is ${best}`);
    assert.match(r.prompt, /<user>.*<item>|<item>.*<user>/);
  }
  assert.equal(
    read(out, 'train.H.jsonl').filter((r) => r.task === 7).length,
    3 * read(out, 'train.I.jsonl').filter((r) => r.task === 7).length,
  );
});

test("task 7 cites only what its record may cite: the shown history and its items (the candidate, f's nearest item)", () => {
  const catalogue = { titles: ['', ...ds.items.map((i) => i.title)] };
  let nearest = 0;
  for (const file of ['train.I.jsonl', 'test.I.jsonl'])
    for (const r of read(out, file).filter((x) => x.task === 7)) {
      const allowed = new Set([...userSoft(r).history.slice(-9), ...r.items]);
      const cited = citedTitles(r.response, catalogue);
      assert.deepEqual(
        cited.items.filter((i) => !allowed.has(i)),
        [],
        `${r.id}: ${r.response}`,
      );
      assert.deepEqual(cited.unknown, [], r.id);
      if (r.items.length > 1) nearest++;
    }
  assert.ok(nearest > 0, "no record names f's nearest item");
});

test('task 7 asks one training pair in about three for one aspect, with a text on that aspect only; test prompts never', () => {
  const catalogue = { titles: ['', ...ds.items.map((i) => i.title)] };
  const train = read(out, 'train.I.jsonl').filter((r) => r.task === 7);
  const asking = train.filter((r) => r.prompt.includes(' Focus the explanation on '));
  assert.ok(asking.length >= 0.2 * train.length && asking.length <= 0.47 * train.length, `${asking.length} of ${train.length}`);
  for (const r of asking) {
    const aspect = knownAspect(/ Focus the explanation on (.+)\.$/.exec(r.prompt)![1]);
    assert.ok(aspect !== null, r.prompt);
    assert.equal(parseDecision(r.response), r.id.endsWith('-pos') ? 'yes' : 'no', r.response);
    const shown = userSoft(r).history.slice(-9);
    assert.deepEqual([...coveredAspects(r.response, { shown, itemAttributes: [] }, catalogue)], [aspect], r.response);
  }
  assert.ok(!read(out, 'test.H.jsonl').some((r) => r.prompt.includes('Focus the explanation')));
});
