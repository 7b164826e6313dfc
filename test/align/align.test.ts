// align end to end on the ring fixture: a tiny target SASRec, its tasks and a tiny pre-trained
// base LM. Alignment lowers the response loss, the saved folder reloads to the same answers, a
// killed run resumes to the uninterrupted weights, eval writes the table (distilling the sasrec-kd
// student into its folder; grounded answers all valid, the free ones beside them), title spans in
// training restrict the loss as decoding restricts the choice, and bad input is one line.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { cli, cliAsync, cliKilledAt } from '../cli/helpers.js';
import { trainedRing } from '../rec/fixture.js';
import { initEngine } from '../../src/engine/backend.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { Surrogate } from '../../src/align/model.js';
import { readTaskRecords, taskFile, tasksSources } from '../../src/tasks/records.js';
import { lmMethod, sequenceLogProbs } from '../../src/eval/lm_method.js';
import { firstChoiceOrder } from '../../src/explain/lead_order.js';
import { citableItems, explanationConstraint, promptExample, trainingExample } from '../../src/align/examples.js';
import { grounding } from '../../src/eval/grounding.js';
import { LM_METHOD_DEFAULTS } from '../../src/eval/lm_method.js';
import { injectSoftTokens } from '../../src/lm/model/llama.js';
import { parseList, titlesById } from '../../src/data/text_forms.js';
import type { AnswerRow } from '../../src/eval/evaluate.js';
import type { TaskRecord } from '../../src/tasks/forms.js';
import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../../src/engine/tf.js';
import { titleSpansOf } from '../../src/align/train.js';
import { SoftVectors } from '../../src/align/soft.js';
import { responseIds, titleIds } from '../../src/lm/tokenizer/chat.js';
import { Recommender } from '../../src/rec/recommender.js';
import { readDataset } from '../../src/data/dataset.js';
import { teacherProbs } from '../../src/align/teacher.js';
import { MARKER } from '../../src/engine/out_folder.js';

const { data, rec } = await trainedRing();
const tmp = mkdtempSync(join(tmpdir(), 'align-'));
const tasks = join(tmp, 'tasks');
const base = join(tmp, 'base');
const ALIGN = [
  '--tasks',
  tasks,
  '--base-model',
  base,
  '--max-steps',
  '24',
  '--batch-size',
  '8',
  '--lr',
  '5e-3',
  '--warmup',
  '2',
  '--per-task',
  '60',
  '--checkpoint-every',
  '6',
  '--quiet',
];

before(async () => {
  await initEngine({ backend: 'wasm' });
  const steps = [
    ['tasks', '--data', data, '--rec', rec, '--out', tasks, '--task5', '40,10', '--quiet'],
    [
      'pretrain',
      '--data',
      data,
      '--out',
      base,
      '--layers',
      '2',
      '--hidden',
      '32',
      '--heads',
      '2',
      '--kv-heads',
      '2',
      '--ffn',
      '64',
      '--vocab',
      '512',
      '--seq-len',
      '64',
      '--batch-size',
      '8',
      '--steps',
      '30',
      '--warmup',
      '5',
      '--lr',
      '1e-2',
      '--eval-every',
      '10',
      '--quiet',
    ],
  ];
  for (const args of steps) {
    const r = cli(args);
    assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
  }
});

const losses = (dir: string) =>
  readFileSync(join(dir, 'train_log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).loss as number);
const adapters = (dir: string) =>
  Object.fromEntries(Object.entries(readSafetensors(join(dir, 'adapter.safetensors')).tensors).map(([k, t]) => [k, Array.from(t.data)]));

test('align H: the response loss falls; the folder reloads to the same task-3 answers', async () => {
  const out = join(tmp, 'H');
  const r = cli(['align', '--mode', 'H', '--out', out, ...ALIGN, '--max-steps', '40']); // the loss of 8-sample batches of mixed tasks is noisy over 24 steps
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /aligned \(H\): 40 steps/);
  const l = losses(out);
  assert.equal(l.length, 40);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(l.slice(-6)) < mean(l.slice(0, 6)) - 0.3, `loss ${mean(l.slice(0, 6))} → ${mean(l.slice(-6))}`);
  const meta = JSON.parse(readFileSync(join(out, 'align.json'), 'utf8'));
  assert.equal(meta.mode, 'H');
  assert.equal(meta.projector_in, 16);
  const t3 = readTaskRecords(taskFile(tasks, 'test', 'H'))
    .filter((x) => x.task === 3)
    .slice(0, 8);
  const answers = async (path: string) => {
    const m = lmMethod('recexplainer-h', await Surrogate.load(path), 'test');
    const a = m.yesNo!(t3, ['Yes', 'No']);
    m.dispose!();
    return a;
  };
  const a = await answers(out);
  assert.deepEqual(await answers(out), a);
  assert.ok(a.every(([y, n]) => Number.isFinite(y) && Number.isFinite(n) && y < 0 && n < 0));
  // exported as GGUF (LoRA merged, vocabulary embedded, projectors beside it) and loaded back: same answers
  const gguf = join(tmp, 'h.gguf');
  const e = cli(['export-gguf', '--model', out, '--out', gguf]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /LoRA merged/);
  const b = await answers(gguf);
  b.forEach(([y, n], i) => {
    assert.ok(Math.abs(y - a[i][0]) < 1e-4 && Math.abs(n - a[i][1]) < 1e-4, `${[y, n]} vs ${a[i]}`);
    assert.equal(y > n, a[i][0] > a[i][1]);
  });
});

test('title spans in training: the loss of a cited title runs over the citable titles only, as decoding allows', async () => {
  const s = await Surrogate.base(base);
  const spans = titleSpansOf(tasks);
  const records = readTaskRecords(taskFile(tasks, 'train', 'H')).filter((r) => r.task === 7 && r.variant === 'I');
  assert.ok(records.length > 0);
  const vectors = new SoftVectors(await Recommender.load(rec));
  const { titleOpen: open, titleClose: close } = s.tok.special;
  let spansSeen = 0;
  for (const r of records.slice(0, 20)) {
    const citable = citableItems(r, spans.maxHistory);
    const history = r.soft.find((x) => x.kind === 'user')!;
    assert.ok(
      history.kind === 'user' && history.history.slice(-spans.maxHistory).every((i) => citable.get(i) === 1),
      'the shown history, once each',
    );
    assert.ok(
      r.items.every((i) => citable.has(i)),
      'every item the record names',
    );
    const ex = trainingExample(r, s.tok, vectors, 'train.H.jsonl', spans);
    const plain = trainingExample(r, s.tok, vectors, 'train.H.jsonl');
    assert.equal(plain.allowed, undefined);
    const firsts = new Set([...citable.keys()].map((i) => responseIds(s.tok, spans.titles[i])[0]));
    let inSpan = false;
    ex.ids.forEach((t, j) => {
      const a = ex.allowed![j];
      assert.equal(a !== undefined, inSpan, `position ${j}: restricted exactly inside a span`);
      if (a) assert.ok(a.includes(t), 'the target is allowed');
      if (a && ex.ids[j - 1] === open) assert.deepEqual(new Set(a), firsts, "a span's first token: a citable title's");
      if (t === open) ((inSpan = true), spansSeen++);
      if (t === close) inSpan = false;
    });
    // the same sets the decoder applies along this answer
    const tail = ex.ids.slice(ex.ids.length - ex.allowed!.filter((_, j) => ex.lossMask![j] === 1).length);
    const c = explanationConstraint(r, s.tok, spans);
    let st = c.start();
    tail.forEach((t, k) => {
      assert.deepEqual(c.allowed(st), ex.allowed![ex.ids.length - tail.length + k]);
      st = c.next(st, t);
    });
  }
  assert.ok(spansSeen >= 20, `every explanation cites titles (${spansSeen} spans)`);
  // every training explanation (forms B, I and H) walks its own constraint: training texts cite as decoding allows
  for (const x of readTaskRecords(taskFile(tasks, 'train', 'H')).filter((y) => y.task === 7))
    assert.doesNotThrow(() => trainingExample(x, s.tok, vectors, 'train.H.jsonl', spans), x.id);
  // a history title is cited once, the candidate (an item the record names, not shown) twice, each at most once a sentence
  const r = records[0];
  const c = explanationConstraint(r, s.tok, spans);
  const stop = s.tok.encode('.');
  const cite = (st: unknown, title: string) => [open, ...titleIds(s.tok, title), close, ...stop].reduce((x, t) => c.next(x, t), st);
  const once = [...citableItems(r, spans.maxHistory)].find(([, n]) => n === 1)![0];
  const twice = [...citableItems(r, spans.maxHistory)].find(([, n]) => n === 2)![0];
  assert.throws(() => cite(cite(c.start(), spans.titles[once]), spans.titles[once]), /not allowed/);
  assert.doesNotThrow(() => cite(cite(c.start(), spans.titles[twice]), spans.titles[twice]));
  assert.throws(() => cite(cite(cite(c.start(), spans.titles[twice]), spans.titles[twice]), spans.titles[twice]), /not allowed/);
  const span = [open, ...titleIds(s.tok, spans.titles[twice]), close];
  assert.throws(
    () => [...span, ...s.tok.encode(' and'), ...span].reduce((x, t) => c.next(x, t), c.start()),
    /not allowed/,
    'not twice in a sentence',
  );
  s.dispose();
});

/** Last-position hidden state [H] and logits [V + N] of a record's prompt. */
function run(m: Surrogate, rec: TaskRecord) {
  const p = promptExample(rec, m.tok, m.vectors, 'test');
  const soft = m.softTokens([p.soft]);
  return tf.tidy(() => {
    let x = m.model.embed(Int32Array.from(p.ids), 1, p.ids.length);
    if (soft)
      x = injectSoftTokens(
        x,
        Int32Array.from(soft.slots, ([, j]) => j),
        soft.vectors,
      );
    const h = tf.reshape(tf.slice(m.model.forward(x), [0, p.ids.length - 1, 0], [1, 1, -1]), [1, -1]);
    return { h: h.dataSync() as Float32Array, logits: m.model.logits(h).dataSync() as Float32Array };
  });
}

/** rows [N,H] · h: the logits a hidden state gives rows. */
function dotRows(rows: Tensor, h: Float32Array): Float32Array {
  return tf.tidy(() => tf.matMul(rows, tf.tensor2d(h, [h.length, 1])).dataSync() as Float32Array);
}

test("item tokens: logits = hidden · item projector(f's item vectors); answers name items; export/reload keeps them", async () => {
  const out = join(tmp, 'H-items');
  const r = cli(['align', '--mode', 'H', '--item-tokens', '--item-title', '--out', out, ...ALIGN]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    cli(['align', '--mode', 'B', '--item-tokens', '--out', join(tmp, 'B-items'), ...ALIGN]).stderr,
    /--item-tokens needs --mode I or H/,
  );
  assert.match(
    cli(['align', '--mode', 'H', '--item-title', '--out', join(tmp, 'H-title'), ...ALIGN]).stderr,
    /--item-title needs --item-tokens/,
  );
  const s = await Surrogate.load(out);
  const N = s.vectors!.rec.nItems;
  const first = s.itemFirst!;
  assert.equal(s.name, 'recexplainer-h+items');
  assert.equal(s.model.cfg.vocab_size, first + N);
  const titles = titlesById(readDataset(data).items);
  assert.equal(s.tok.decode([first + 4]).trim(), titles[5], 'item 5 decodes as its title');
  const t1 = readTaskRecords(taskFile(tasks, 'test', 'H')).filter((x) => x.task === 1);
  const { h, logits } = run(s, t1[0]);
  const table = s.vectors!.itemTable();
  const want = tf.tidy(() => dotRows(s.projectors.item!.forward(table), h));
  table.dispose();
  for (let k = 0; k < N; k++) assert.ok(Math.abs(logits[first + k] - want[k]) < 1e-5, `item ${k + 1}: ${logits[first + k]} vs ${want[k]}`);
  // grounded task-1 answers are item tokens outside the shown history, shown as titles
  const m = lmMethod(s.name as 'recexplainer-h+items', s, 'test', {
    ...LM_METHOD_DEFAULTS,
    grounding: grounding(s.tok, {
      titles,
      histories: new Map(t1.map((x) => [x.user!, (x.soft[0] as { history: number[] }).history])),
      maxHistory: 9,
      itemFirst: first,
    }),
  });
  const answers = m.top5!(t1.slice(0, 4));
  for (const a of answers) assert.ok(a.length === 5 && a.every((t) => titles.includes(t)), JSON.stringify(a));
  // with --item-title a task-4 title question trains and decodes as the item's token (text without)
  assert.equal(s.itemTitle, true);
  const spans = { ...titleSpansOf(tasks), itemFirst: first };
  const t4 = readTaskRecords(taskFile(tasks, 'train', 'H')).filter((x) => x.task === 4);
  const asked = t4.find((x) => x.id.endsWith('-title-I'))!;
  const answer = (sp: typeof spans & { itemTitle?: boolean }, x: TaskRecord) => {
    const ex = trainingExample(x, s.tok, s.vectors, 'train.H.jsonl', sp);
    return ex.ids.filter((_, t) => ex.lossMask![t]);
  };
  assert.deepEqual(answer({ ...spans, itemTitle: true }, asked), [first + asked.items[0] - 1, s.tok.special.eos]);
  assert.ok(
    answer(spans, asked).every((t) => t < first),
    'text without itemTitle',
  );
  const year = t4.find((x) => !/-title(-[BIH])?$/.test(x.id))!;
  assert.ok(
    answer({ ...spans, itemTitle: true }, year).every((t) => t < first),
    `${year.id}: other attributes stay text`,
  );
  const g4 = grounding(s.tok, { titles, histories: new Map(), maxHistory: 9, itemFirst: first, itemTitle: true }).title();
  assert.deepEqual(
    new Set(g4.allowed(g4.start())),
    new Set(titles.flatMap((t, i) => (i > 0 && titles.indexOf(t) === i ? [first + i - 1] : []))),
    'a grounded task-4 answer opens with an item token, one per distinct title',
  );
  // a task-2 answer trains as grounded decoding ranks: each item among the candidates not yet named
  const t2 = readTaskRecords(taskFile(tasks, 'train', 'H')).filter((x) => x.task === 2 && x.soft.some((y) => y.kind === 'user'));
  for (const r2 of t2.slice(0, 8)) {
    const ex = trainingExample(r2, s.tok, s.vectors, 'train.H.jsonl', spans);
    const shown = (r2.soft.find((y) => y.kind === 'user') as { history: number[] }).history;
    const c = grounding(s.tok, { titles, histories: new Map([[r2.user!, shown]]), maxHistory: 9, itemFirst: first }).ranking(r2)!;
    const start = Array.from(ex.lossMask!).indexOf(1);
    let st = c.start();
    let named = 0;
    ex.ids.slice(start).forEach((t, k) => {
      const a = ex.allowed![start + k];
      if (t >= first) {
        assert.deepEqual(new Set(a), new Set(c.allowed(st)), `${r2.id}: item ${named + 1}`);
        assert.equal(a!.length, 5 - named++);
      } else assert.equal(a, undefined, `${r2.id}: a text token is free`);
      if (t !== s.tok.special.eos) st = c.next(st, t);
    });
    assert.equal(named, 5);
    assert.ok(
      ex.allowed!.slice(0, start).every((a) => a === undefined),
      'the prompt is free',
    );
    assert.equal(
      trainingExample(r2, s.tok, s.vectors, 'train.H.jsonl', { ...spans, rankMask: false }).allowed,
      undefined,
      '--no-rank-mask',
    );
  }
  // exported as GGUF (item rows in the vocabulary, titles as its tokens) and loaded back: the same logits
  const gguf = join(tmp, 'h-items.gguf');
  assert.equal(cli(['export-gguf', '--model', out, '--out', gguf]).code, 0);
  const e = await Surrogate.load(gguf);
  assert.equal(e.itemFirst, first);
  assert.equal(e.itemTitle, true, 'the exported model answers task 4 by item token too');
  assert.equal(e.tok.decode([first + 4]).trim(), titles[5]);
  const back = run(e, t1[0]).logits;
  for (let k = 0; k < first + N; k++) assert.ok(Math.abs(back[k] - logits[k]) < 1e-4, `token ${k}: ${back[k]} vs ${logits[k]}`);
  e.dispose();
  s.dispose();
});

test('--item-head untied: item output rows from their own projector, input rows the item projector; text logits as the tied head; export/reload keeps them', async () => {
  assert.match(
    cli(['align', '--mode', 'H', '--item-head', 'untied', '--out', join(tmp, 'H-untied-text'), ...ALIGN]).stderr,
    /--item-head untied needs --item-tokens/,
  );
  const out = join(tmp, 'H-items-untied');
  const r = cli(['align', '--mode', 'H', '--item-tokens', '--item-head', 'untied', '--out', out, ...ALIGN]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(Surrogate.readMeta(out).item_head, 'untied');
  const s = await Surrogate.load(out);
  const N = s.vectors!.rec.nItems;
  const first = s.itemFirst!;
  const rec = readTaskRecords(taskFile(tasks, 'test', 'H')).find((x) => x.task === 1)!;
  const { h, logits } = run(s, rec);
  const table = s.vectors!.itemTable();
  const [inRows, outRows] = [s.projectors.item!, s.projectors.itemOut!].map((p) => tf.tidy(() => p.forward(table)));
  const want = dotRows(outRows, h);
  for (let k = 0; k < N; k++) assert.ok(Math.abs(logits[first + k] - want[k]) < 1e-5, `item ${k + 1}: ${logits[first + k]} vs ${want[k]}`);
  const embedded = tf.tidy(() => tf.slice(s.model.embedTokens, [first, 0], [N, -1]).dataSync());
  assert.deepEqual(embedded, inRows.dataSync(), 'input rows: the item projector');
  assert.ok(
    dotRows(inRows, h).some((v, k) => Math.abs(v - want[k]) > 1e-3),
    'the two projectors were trained apart',
  );
  const text = dotRows(tf.slice(s.model.embedTokens, [0, 0], [first, -1]), h);
  for (let k = 0; k < first; k++) assert.ok(Math.abs(logits[k] - text[k]) < 1e-5, `text token ${k}: the embeddings' row, as tied`);
  tf.dispose([table, inRows, outRows]);
  const gguf = join(tmp, 'h-items-untied.gguf');
  assert.equal(cli(['export-gguf', '--model', out, '--out', gguf]).code, 0);
  const e = await Surrogate.load(gguf);
  const back = run(e, rec).logits;
  for (let k = 0; k < first + N; k++) assert.ok(Math.abs(back[k] - logits[k]) < 1e-4, `token ${k}: ${back[k]} vs ${logits[k]}`);
  e.dispose();
  s.dispose();
});

test("--distill: the item-token head of task-1 answers moves toward f's softmax over the catalogue", async () => {
  assert.match(
    cli(['align', '--mode', 'H', '--distill', '5', '--out', join(tmp, 'H-kd-text'), ...ALIGN]).stderr,
    /--distill 5 needs --item-tokens/,
  );
  // task-1 samples only, so that every step holds teachers; the same run without --distill beside it
  const only1 = ['--item-tokens', '--drop-tasks', '2,3,4,5,6,7', '--distill-temperature', '0.5'];
  const plainDir = join(tmp, 'H-items-t1');
  const out = join(tmp, 'H-items-t1-kd');
  assert.equal(cli(['align', '--mode', 'H', ...only1, '--out', plainDir, ...ALIGN]).code, 0);
  const r = cli(['align', '--mode', 'H', ...only1, '--distill', '5', '--out', out, ...ALIGN]);
  assert.equal(r.code, 0, r.stderr);
  const t1 = readTaskRecords(taskFile(tasks, 'train', 'H'))
    .filter((x) => x.task === 1 && x.soft.length > 0)
    .slice(0, 30);
  /** Mean cross-entropy of a model's item distribution at the task-1 answer to f's softmax (τ 0.5, shown history excluded). */
  const crossEntropy = async (dir: string) => {
    const m = await Surrogate.load(dir);
    const first = m.itemFirst!;
    let sum = 0;
    for (const rec of t1) {
      const p = promptExample(rec, m.tok, m.vectors, 'test');
      const soft = m.softTokens([p.soft])!;
      const logits = tf.tidy(() => {
        const x = injectSoftTokens(
          m.model.embed(Int32Array.from(p.ids), 1, p.ids.length),
          Int32Array.from(soft.slots, ([, j]) => j),
          soft.vectors,
        );
        const h = tf.reshape(tf.slice(m.model.forward(x), [0, p.ids.length - 1, 0], [1, 1, -1]), [1, -1]);
        return tf.logSoftmax(tf.slice(m.model.logits(h), [0, first], [1, -1])).dataSync() as Float32Array;
      });
      const user = rec.soft[0] as { history: number[] };
      const q = teacherProbs(m.vectors!.rec.scoreVector(m.vectors!.vector(rec.soft[0])), user.history, 0.5);
      sum -= q.reduce((s, qi, i) => s + (qi > 0 ? qi * logits[i] : 0), 0);
    }
    m.dispose();
    return sum / t1.length;
  };
  const plain = await crossEntropy(plainDir);
  const distilled = await crossEntropy(out);
  assert.ok(distilled < plain - 0.3, `cross-entropy to f's softmax: distilled ${distilled}, plain ${plain}`);
});

test('a killed align run resumes to the weights of an uninterrupted one', async () => {
  const whole = join(tmp, 'I-whole');
  assert.equal(cli(['align', '--mode', 'I', '--out', whole, ...ALIGN]).code, 0);
  const cut = join(tmp, 'I-cut');
  await cliKilledAt(['align', '--mode', 'I', '--out', cut, ...ALIGN], join(cut, 'train_log.jsonl'), 15, join(cut, 'align.json'), 5);
  const again = cli(['align', '--mode', 'I', '--out', cut, ...ALIGN]);
  assert.match(again.stderr, /already holds an alignment run .*--resume/);
  const r = cli(['align', '--mode', 'I', '--out', cut, ...ALIGN, '--resume']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(losses(cut), losses(whole));
  assert.deepEqual(adapters(cut), adapters(whole));
});

test('eval: the table for an aligned model and the baselines, DESIGN §6 names; sasrec-kd distilled into --out', () => {
  const out = join(tmp, 'eval');
  const args = [
    'eval',
    '--tasks',
    tasks,
    '--out',
    out,
    '--model',
    join(tmp, 'H'),
    '--baselines',
    'random,popularity,sasrec-kd',
    '--distill-epochs',
    '2',
    '--users',
    '20',
    '--task4',
    '10',
    '--decoding',
    'grounded',
    '--quiet',
  ];
  const r = cli(args);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  const h = rep.methods['recexplainer-h'];
  assert.deepEqual([h.task1.invalid_rate, h.task4.invalid_rate, h.task2.parsed_rate], [0, 0, 1], 'grounded answers are all valid');
  assert.deepEqual(Object.keys(rep.free.methods), ['recexplainer-h'], 'only the LM methods are also decoded freely');
  const free = rep.free.methods['recexplainer-h'];
  assert.ok(free.valid_rate >= 0 && free.valid_rate <= 1 && free.samples.task1 === 20);
  assert.ok(Math.abs(free.valid_rate - (1 - (free.task1.invalid_rate * 20 + free.task4.invalid_rate * 10) / 30)) < 1e-9);
  assert.equal(
    readFileSync(join(out, 'answers', 'free', 'recexplainer-h.jsonl'), 'utf8')
      .trim()
      .split('\n').length,
    Object.values(free.samples as Record<string, number>).reduce((a, b) => a + b, 0),
  );
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /free decoding[\s\S]*\| recexplainer-h \|.*\|/);
  assert.deepEqual(Object.keys(rep.methods), ['random', 'popularity', 'sasrec-kd', 'recexplainer-h']);
  assert.ok(rep.timings.distill > 0);
  assert.equal(JSON.parse(readFileSync(join(out, 'sasrec-kd', 'metrics.json'), 'utf8')).epochs, 2);
  for (const m of Object.values(rep.methods) as {
    task1: Record<string, number>;
    task3: { acc: number };
    samples: Record<string, number>;
  }[]) {
    assert.equal(m.samples.task1, 20);
    assert.equal(m.samples.task3, 40);
    assert.ok(m.task1['hr@5'] >= 0 && m.task1['hr@5'] <= 1 && m.task3.acc >= 0 && m.task3.acc <= 1);
  }
  assert.equal(rep.methods.popularity.task4.title_acc, null);
  assert.equal(rep.methods['recexplainer-h'].samples.task4, 10);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| recexplainer-h \|/);

  // killed before the report: the rerun keeps the methods it scored (planted values show it read them), --force scores again
  const marker = join(out, MARKER);
  const { finished: _, ...unfinished } = JSON.parse(readFileSync(marker, 'utf8'));
  writeFileSync(marker, JSON.stringify(unfinished));
  for (const name of ['popularity', 'recexplainer-h']) {
    const kept = JSON.parse(readFileSync(join(out, 'scored', `${name}.json`), 'utf8'));
    kept.metrics.task3.acc = 0.4242;
    writeFileSync(join(out, 'scored', `${name}.json`), JSON.stringify(kept));
  }
  const again = cli(args.filter((a) => a !== '--quiet'));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /eval recexplainer-h: scored before/);
  const acc = (rep: { methods: Record<string, { task3: { acc: number } }> }) => Object.values(rep.methods).map((m) => m.task3.acc);
  const kept = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(acc(kept), [rep.methods.random.task3.acc, 0.4242, rep.methods['sasrec-kd'].task3.acc, 0.4242]);
  assert.equal(cli([...args, '--force']).code, 0);
  assert.deepEqual(acc(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))), acc(rep), 'scored again, as the first time');
});

test('eval --rank-beams: grounded task-2 answers of a text LM from beams over the orders (not greedy), each a permutation of the candidates; an item-token LM greedy; a rerun with other beams scores only the text LM again', async () => {
  const out = join(tmp, 'eval-beams');
  const evalWith = (beams: number) =>
    cli([
      'eval',
      ...['--tasks', tasks, '--out', out, '--model', join(tmp, 'H'), '--model', join(tmp, 'H-items')],
      ...`--baselines popularity --users 20 --task4 0 --rank-beams ${beams}`.split(' '),
    ]);
  const r = evalWith(3);
  assert.equal(r.code, 0, r.stderr);
  const answers = (name: string) =>
    readFileSync(join(out, 'answers', `${name}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AnswerRow)
      .filter((a) => a.task === 2);
  const rows = answers('recexplainer-h');
  assert.equal(rows.length, 20);
  for (const a of rows) assert.deepEqual([...a.parsed].sort(), parseList(a.label).sort(), `${a.output} orders the candidates`);
  assert.equal(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).methods['recexplainer-h'].task2.parsed_rate, 1);
  // the same records ranked here by 3 beams and greedily: the flag's answers are the beams', which greedy's are not all
  const s = await Surrogate.load(join(tmp, 'H'));
  const ids = new Set(rows.map((a) => a.id));
  const recs = readTaskRecords(taskFile(tasks, 'test', 'H')).filter((x) => ids.has(x.id));
  const histories = new Map(recs.map((x) => [x.user!, (x.soft.find((y) => y.kind === 'user') as { history: number[] }).history]));
  const g = grounding(s.tok, { titles: titlesById(readDataset(data).items), histories, maxHistory: tasksSources(tasks).maxHistory });
  const ranked = (rankBeams: number) =>
    lmMethod('recexplainer-h', s, 'test', { ...LM_METHOD_DEFAULTS, grounding: g, rankBeams }).rank!(recs);
  const [beams, greedy] = [ranked(3), ranked(0)];
  assert.deepEqual(
    rows.map((a) => a.output),
    beams,
  );
  assert.notDeepEqual(beams, greedy, 'on 20 users, some beam answer differs from the greedy one');
  s.dispose();
  const items = await Surrogate.load(join(tmp, 'H-items'));
  const itemRecs = readTaskRecords(taskFile(tasks, 'test', 'H')).filter((x) => ids.has(x.id));
  const gi = grounding(items.tok, {
    titles: titlesById(readDataset(data).items),
    histories,
    maxHistory: tasksSources(tasks).maxHistory,
    itemFirst: items.itemFirst,
  });
  const byItems = (rankBeams: number) =>
    lmMethod('recexplainer-h+items', items, 'test', { ...LM_METHOD_DEFAULTS, grounding: gi, rankBeams }).rank!(itemRecs);
  const [itemBeams, itemGreedy] = [byItems(3), byItems(0)];
  assert.deepEqual(
    answers('recexplainer-h+items').map((a) => a.output),
    itemGreedy,
  );
  assert.notDeepEqual(itemBeams, itemGreedy, 'beams would answer otherwise, so the check is not vacuous');
  items.dispose();

  // killed before the report, rerun with 2 beams: the rows that do not rest on beams are kept, the text LM's are not
  const marker = join(out, MARKER);
  const { finished: _, ...unfinished } = JSON.parse(readFileSync(marker, 'utf8'));
  writeFileSync(marker, JSON.stringify(unfinished));
  const again = evalWith(2);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /eval popularity: scored before/);
  assert.match(again.stderr, /eval recexplainer-h\+items: scored before/);
  assert.doesNotMatch(again.stderr, /eval recexplainer-h: scored before/);
});

test('lead order: the shown items ranked by the log-probability of their first token where the list begins', async () => {
  const s = await Surrogate.load(join(tmp, 'H-items')); // item tokens: each shown item's first token is its own
  const titles = titlesById(readDataset(data).items);
  const r = readTaskRecords(taskFile(tasks, 'test', 'H')).find((x) => x.task === 7 && x.soft.some((y) => y.kind === 'user'))!;
  const shown = [...citableItems(r, tasksSources(tasks).maxHistory)].flatMap(([i, n]) => (n === 1 ? [i] : []));
  const p = promptExample(r, s.tok, s.vectors, 'test');
  const prefix = 'No. What counts most in this record is';
  const order = firstChoiceOrder(s, p, prefix, shown, titles, s.itemFirst);
  assert.deepEqual([...order].sort(), [...shown].sort(), 'a permutation of the shown items');
  // each item token scored after the prefix, as sequenceLogProbs reads it
  const head = [...p.ids, ...responseIds(s.tok, prefix)];
  const first = sequenceLogProbs(
    s,
    shown.map((i) => {
      const ids = [...head, s.itemFirst! + i - 1];
      return { ids, mask: ids.map((_, t) => (t === ids.length - 1 ? 1 : 0)), soft: p.soft };
    }),
    8,
  ).map((x) => x.sum);
  const score = new Map(shown.map((i, k) => [i, first[k]]));
  for (let k = 1; k < order.length; k++)
    assert.ok(score.get(order[k - 1])! >= score.get(order[k])! - 1e-4, `${order[k - 1]} before ${order[k]}: ${[...score]}`);
  assert.notDeepEqual(order, shown, 'the history order is not the ranking, so the check is not vacuous');
  s.dispose();
});

test('bad input is a one-line error naming the problem', () => {
  const notAligned = cli(['eval', '--tasks', tasks, '--out', join(tmp, 'e2'), '--model', base, '--baselines', 'none', '--quiet']);
  assert.equal(notAligned.code, 1);
  assert.match(notAligned.stderr, /not an aligned model folder \(no align\.json\)/);
  assert.equal(notAligned.stderr.trim().split('\n').length, 1);
  const broken = join(tmp, 'broken');
  assert.equal(cli(['tasks', '--data', data, '--rec', rec, '--out', broken, '--forms', 'I', '--task5', '4,1', '--quiet']).code, 0);
  writeFileSync(join(broken, 'train.I.jsonl'), readFileSync(join(broken, 'train.I.jsonl'), 'utf8') + '{"id": "x", "task": 9}\n');
  const bad = cli(['align', '--mode', 'I', '--tasks', broken, '--base-model', base, '--out', join(tmp, 'bad'), '--quiet']);
  assert.match(bad.stderr, /train\.I\.jsonl:\d+/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const noResume = cli(['align', '--mode', 'B', '--out', join(tmp, 'none'), ...ALIGN, '--resume']);
  assert.match(noResume.stderr, /nothing to resume/);
});

test('explain: every explainer scored against f, rows written, distinction run (with --aspect and an aspect study)', () => {
  const out = join(tmp, 'explain');
  const r = cli([
    'explain',
    '--tasks',
    tasks,
    '--out',
    out,
    '--model',
    join(tmp, 'H'),
    '--sample',
    '20',
    '--aspect',
    'the era',
    '--aspect-study',
    '6',
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(Object.keys(rep.explanations), ['base-lm', 'template', 'recexplainer-h', 'icl-llm']);
  assert.equal(rep.explanations['icl-llm'], null, 'no --llm-url: not run, never zeros');
  assert.match(rep.notes['icl-llm'], /^not run: no --llm-url/);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| icl-llm \(not run\) \|/);
  // the rating table: the rule judge's ratings of each explainer, no other rater
  assert.deepEqual(Object.keys(rep.ratings.explainers), ['base-lm', 'template', 'recexplainer-h']);
  assert.equal(rep.ratings.explainers.template.rule.n, 20);
  assert.deepEqual(rep.ratings.agreement, []);
  delete rep.explanations['icl-llm'];
  for (const m of Object.values(rep.explanations) as Record<string, number | null>[]) {
    assert.equal(m.samples, 20);
    for (const k of ['agreement', 'attribution_p@3', 'hallucination_rate']) assert.ok((m[k] as number) >= 0 && (m[k] as number) <= 1, k);
    assert.ok((m.rule_judge_mean as number) >= 0 && (m.rule_judge_mean as number) <= 3);
    assert.equal(m.llm_judge_mean, null);
  }
  // non-words: counted for the aligned LMs, per text (the rows name them)
  assert.deepEqual([rep.explanations.template.nonword_rate, rep.explanations['base-lm'].nonword_rate], [null, null]);
  const hRows = readFileSync(join(out, 'explanations', 'recexplainer-h.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rep.explanations['recexplainer-h'].nonword_rate, hRows.filter((x) => x.non_words.length > 0).length / hRows.length);
  // misplaced titles likewise: aligned LMs only, per text
  assert.deepEqual([rep.explanations.template.misplaced_rate, rep.explanations['base-lm'].misplaced_rate], [null, null]);
  assert.equal(rep.explanations['recexplainer-h'].misplaced_rate, hRows.filter((x) => x.misplaced.length > 0).length / hRows.length);
  // and garbled texts (marks the training prose lacks) likewise
  assert.deepEqual([rep.explanations.template.garbled_rate, rep.explanations['base-lm'].garbled_rate], [null, null]);
  assert.equal(rep.explanations['recexplainer-h'].garbled_rate, hRows.filter((x) => x.garbled.length > 0).length / hRows.length);
  assert.ok(rep.distinction.discriminator_acc >= 0 && rep.distinction.discriminator_acc <= 1);
  // grounded by default: the LM explainers also decode freely, scored the same, rows kept apart
  assert.deepEqual(Object.keys(rep.free.explanations), ['base-lm', 'recexplainer-h']);
  for (const m of Object.values(rep.free.explanations) as Record<string, number>[]) assert.equal(m.samples, 20);
  assert.equal(
    readFileSync(join(out, 'explanations', 'free', 'recexplainer-h.jsonl'), 'utf8')
      .trim()
      .split('\n').length,
    20,
  );
  const rows = readFileSync(join(out, 'explanations', 'template.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 20);
  assert.ok(rows.every((x) => ['yes', 'no'].includes(x.f_decision) && typeof x.text === 'string' && x.rating >= 0));
  const share = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
  assert.deepEqual(Object.keys(rep.aspects), ['base-lm', 'template', 'recexplainer-h']);
  for (const c of Object.values(rep.aspects) as Record<string, unknown>[])
    assert.ok(
      ['themes', 'era', 'history', 'only'].every((k) => share(c[k])),
      JSON.stringify(c),
    );
  const study = rep.aspect_study['recexplainer-h'];
  assert.deepEqual(Object.keys(rep.aspect_study), ['recexplainer-h']);
  assert.deepEqual(Object.keys(study), ['none', 'themes', 'era', 'history']);
  assert.ok(!('only' in study.none));
  for (const a of ['themes', 'era', 'history']) assert.ok(share(study[a].only) && share(study[a][a]), a);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /### Distinction/);
  assert.match(md, /### Aspects[\s\S]*\| era \|/);
});

test("explain --pairs: the chosen pairs, f's decision by its ranking; an unknown item names the line", async () => {
  const file = join(tmp, 'pairs.csv');
  writeFileSync(file, 'user,item\n1,5\n{"user": 2, "item": 40}\n3,7\n');
  const out = join(tmp, 'explain-pairs');
  const r = cli(['explain', '--tasks', tasks, '--out', out, '--model', join(tmp, 'H'), '--pairs', file, '--no-distinction', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const rows = readFileSync(join(out, 'explanations', 'recexplainer-h.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((x) => x.key),
    ['u1-i5', 'u2-i40', 'u3-i7'],
  );
  const f = await Recommender.load(rec);
  const ds = readDataset(data);
  for (const row of rows) {
    const items = ds.sequences[row.user - 1].items;
    const history = items.slice(0, -1); // training sequence + validation item
    const scores = f.scoreAll(history);
    const unseen = Array.from({ length: f.nItems }, (_, i) => i + 1)
      .filter((i) => !history.includes(i))
      .sort((a, b) => scores[b] - scores[a] || a - b);
    const rank = unseen.indexOf(row.item); // −1: already in the history → "no"
    assert.equal(
      row.f_decision,
      rank >= 0 && rank < Math.floor(0.2 * unseen.length) ? 'yes' : 'no',
      `${row.key}: rank ${rank} of ${unseen.length}`,
    );
  }
  // killed before the report: the rerun keeps the LM texts it wrote (planted ones show it read them) and scores them; --force writes them anew
  const args = ['explain', '--tasks', tasks, '--out', out, '--model', join(tmp, 'H'), '--pairs', file, '--no-distinction'];
  const marker = join(out, MARKER);
  const { finished: _, ...unfinished } = JSON.parse(readFileSync(marker, 'utf8'));
  writeFileSync(marker, JSON.stringify(unfinished));
  const keptFile = join(out, 'explained', 'recexplainer-h.json');
  const kept = JSON.parse(readFileSync(keptFile, 'utf8'));
  assert.deepEqual(
    kept.texts,
    rows.map((x) => x.text),
  );
  kept.texts[0] = 'No. Planted.';
  writeFileSync(keptFile, JSON.stringify(kept));
  const again = cli(args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /recexplainer-h: explained before/);
  const textsNow = () =>
    readFileSync(join(out, 'explanations', 'recexplainer-h.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  assert.deepEqual([textsNow()[0].text, textsNow()[0].decision], ['No. Planted.', 'no']);
  assert.equal(cli([...args, '--force', '--quiet']).code, 0);
  assert.deepEqual(
    textsNow().map((x) => x.text),
    rows.map((x) => x.text),
    'written anew, as the first time',
  );
  writeFileSync(file, '1,5\n2,99999\n');
  const bad = cli(['explain', '--tasks', tasks, '--out', out, '--model', join(tmp, 'H'), '--pairs', file, '--quiet', '--force']);
  assert.match(bad.stderr, /pairs\.csv:2.*unknown item 99999/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('explain on a tasks folder whose files do not fit together: one-line errors naming the file and the record or pair', () => {
  const notI = join(tmp, 'tasks-not-i');
  cpSync(tasks, notI, { recursive: true });
  copyFileSync(join(tasks, 'test.B.jsonl'), join(notI, 'test.I.jsonl')); // a B-form file where the I-form one belongs
  const r = cli(['explain', '--tasks', notI, '--out', join(tmp, 'explain-not-i'), '--no-distinction', '--quiet']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^recexplainer: \S*test\.I\.jsonl: record t7-test-B-\S+ is a task-7 record without <user> and <item> soft tokens/);
  assert.equal(r.stderr.trim().split('\n').length, 1);

  const mismatch = join(tmp, 'tasks-mismatch');
  cpSync(tasks, mismatch, { recursive: true });
  const b = join(mismatch, 'test.B.jsonl');
  writeFileSync(
    b,
    readFileSync(b, 'utf8')
      .split('\n')
      .filter((l) => l && JSON.parse(l).task !== 7)
      .join('\n') + '\n',
  ); // B records of another build: no task 7
  const m = cli([
    'explain',
    '--tasks',
    mismatch,
    '--out',
    join(tmp, 'explain-mismatch'),
    '--base-model',
    base,
    '--sample',
    '4',
    '--no-distinction',
    '--quiet',
  ]);
  assert.equal(m.code, 1, m.stderr);
  assert.match(m.stderr, /^recexplainer: \S*test\.B\.jsonl: no task-7 record for pair u\d+-(pos|neg)/);
  assert.equal(m.stderr.trim().split('\n').length, 1);
});

test('explain --judge-url: an OpenAI-compatible judge on loopback rates every explanation; unreadable replies are counted', async () => {
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls++;
      assert.ok((JSON.parse(body) as { messages: unknown[] }).messages.length > 0);
      const reply = calls % 4 !== 0 ? 'Rating: 2\nReasonable.' : 'I cannot rate this.'; // every 4th reply unreadable
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: reply } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const out = join(tmp, 'explain-judge');
    const r = await cliAsync([
      'explain',
      '--tasks',
      tasks,
      '--out',
      out,
      '--sample',
      '8',
      '--base-model',
      base,
      '--judge-url',
      `http://127.0.0.1:${port}/v1`,
      '--no-distinction',
      '--quiet',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(rep.explanations['icl-llm'], null); // no --llm-url
    delete rep.explanations['icl-llm'];
    for (const m of Object.values(rep.explanations) as { llm_judge_mean: number | null; llm_judge_unparseable: number }[]) {
      assert.equal(m.llm_judge_mean, 2);
    }
    // the rating table: the LLM judge's readable ratings (all 2) beside the rule judge's, compared on the texts both rated
    const llm = Object.values(rep.ratings.explainers as Record<string, { llm: { n: number; counts: number[] } }>);
    assert.equal(
      llm.reduce((a, x) => a + x.llm.n, 0),
      16 - Math.floor(calls / 4),
    );
    assert.ok(llm.every((x) => x.llm.counts[2] === x.llm.n));
    assert.deepEqual(
      rep.ratings.agreement.map((g: { a: string; b: string; shared: number }) => [g.a, g.b, g.shared]),
      [['rule', 'llm', 16 - Math.floor(calls / 4)]],
    );
    const all = Object.values(rep.explanations) as { llm_judge_unparseable: number }[];
    assert.equal(
      all.reduce((a, m) => a + m.llm_judge_unparseable, 0),
      Math.floor(calls / 4),
    );
    assert.equal(calls, 16); // base-lm and template, 8 pairs each
  } finally {
    server.close();
  }
});
