// The hand-off to the reference implementation (RecAI's RecExplainer trainer): export-job writes
// the samples, f's tables and the launch configs in the reference's layout (parsed back and checked
// against our task files and f); import-adapter reads a PEFT adapter written here in PEFT's layout
// onto a tiny random base, giving the logits of base + (alpha/r)·B·A (and, with modules_to_save
// copies, of the trained embeddings and head), connectors that add to or replace the placeholder
// embeddings as align.json says, and one-line errors for adapters that do not fit. Onto a base whose
// tokenizer lacks <user> / <item>, they are appended at V, V + 1 as the reference appends them and
// its [V+2, H] copies are read.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/helpers.js';
import { trainedRing } from '../rec/fixture.js';
import { TINY } from '../lm/tiny.js';
import { initEngine } from '../../src/engine/backend.js';
import { UserError } from '../../src/engine/errors.js';
import { Rng } from '../../src/engine/rng.js';
import { readSafetensors, writeSafetensors, type WriteTensor } from '../../src/engine/safetensors.js';
import { tf } from '../../src/engine/tf.js';
import { tokenizerCorpus } from '../../src/base/corpus.js';
import { trainTokenizer } from '../../src/lm/tokenizer/tokenizer.js';
import { bpeTokenizerJson, countWords, trainBpe } from '../../src/lm/tokenizer/bpe.js';
import { Llama, injectSoftTokens } from '../../src/lm/model/llama.js';
import { loadLm, saveLm } from '../../src/lm/io/checkpoint.js';
import { Surrogate } from '../../src/align/model.js';
import { SoftVectors } from '../../src/align/soft.js';
import { promptExample } from '../../src/align/examples.js';
import { importAdapter } from '../../src/align/handoff/import.js';
import { IMPORT_ADAPTER_DEFAULTS } from '../../src/align/handoff/config.js';
import type { JobManifest } from '../../src/align/handoff/manifest.js';
import { sequenceLogProbs } from '../../src/eval/lm_method.js';
import { Recommender } from '../../src/rec/recommender.js';
import { readTaskRecords, taskFile } from '../../src/tasks/records.js';
import type { TaskRecord } from '../../src/tasks/forms.js';

const { data, rec } = await trainedRing();
const tmp = mkdtempSync(join(tmpdir(), 'handoff-'));
const tasks = join(tmp, 'tasks');
const base = join(tmp, 'base');
const job = join(tmp, 'job');
const foreign = join(tmp, 'foreign'); // a base whose tokenizer has only <pad> <s> </s> of our specials
let foreignV = 0;
const D = 16; // the ring SASRec's hidden size
const H = TINY.hidden_size;
const R = 4;
const ALPHA = 12;

before(async () => {
  await initEngine({ backend: 'wasm' });
  const r = cli(['tasks', '--data', data, '--rec', rec, '--out', tasks, '--task5', '40,10', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const tok = trainTokenizer({ texts: tokenizerCorpus(data), vocabSize: 320 });
  const model = new Llama({ ...TINY, vocab_size: tok.vocabSize, max_position_embeddings: 512, tie_word_embeddings: false }, 7, 0.2);
  saveLm(base, model);
  tok.save(join(base, 'tokenizer.json'));
  model.dispose();
  const words = new Map<string, number>();
  for (const t of tokenizerCorpus(data)) typeof t === 'string' ? countWords(words, t) : countWords(words, t.text, t.weight);
  const specials = [{ content: '<pad>' }, { content: '<s>' }, { content: '</s>' }];
  const json = bpeTokenizerJson(trainBpe({ words, vocabSize: 320, specials }), specials);
  foreignV = Object.keys(json.model.vocab).length;
  const other = new Llama({ ...TINY, vocab_size: foreignV, max_position_embeddings: 512, tie_word_embeddings: false }, 8, 0.2);
  saveLm(foreign, other);
  writeFileSync(join(foreign, 'tokenizer.json'), JSON.stringify(json));
  other.dispose();
  const e = cli(['export-job', '--tasks', tasks, '--base-model', base, '--out', job, '--gpus', '4', '--nodes', '2']);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /start it with: RECAI=/);
});

const json = <T>(...p: string[]): T => JSON.parse(readFileSync(join(...p), 'utf8')) as T;
const manifest = () => json<JobManifest>(job, 'job.json');
type Sample = Record<string, unknown> & { id: string; task: number; type: string };

test("export-job: the samples in the reference's layout, one per record of our task files, f's tables behind uid and iid", async () => {
  const vectors = new SoftVectors(await Recommender.load(rec));
  const m = manifest();
  assert.equal(m.mode, 'H');
  assert.equal(m.task_type, 'both');
  const sequences = new Map(
    readFileSync(join(job, 'data', 'sequential_data.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number))
      .map(([uid, ...items]) => [uid, items]),
  );
  const tables = readSafetensors(join(job, 'rec', 'embeddings.safetensors')).tensors;
  const users = tables['user_embedding.weight'];
  const items = tables['item_embedding.weight'];
  const d = vectors.dim;
  assert.equal(d, D);
  // the item table is f's, [nItems + 1, d], row 0 padding, times the item input scale
  assert.deepEqual(items.shape, [vectors.rec.nItems + 1, d]);
  const fItems = vectors.rec.itemTable();
  assert.equal(fItems.length, items.data.length);
  items.data.forEach((x, i) => assert.ok(Math.abs(x - (i < d ? 0 : fItems[i] * m.connector.scale.item)) < 1e-6, `item table [${i}]`));
  assert.deepEqual(users.shape, [sequences.size + 1, d]);
  assert.ok(users.data.slice(0, d).every((x) => x === 0));
  const cfg = json<Record<string, unknown>>(job, 'rec', 'config.json');
  assert.deepEqual(
    [cfg.n_users, cfg.n_items, cfg.embedding_size, cfg.has_user_emb, cfg.distance_type],
    [users.shape[0], items.shape[0], d, true, 'dot'],
  );
  for (const [split, file, valid] of [
    ['train', 'train.json', false],
    ['test', 'valid.json', true],
  ] as const) {
    const records = readTaskRecords(taskFile(tasks, split, 'H'));
    vectors.prepare(records.flatMap((r) => r.soft));
    const samples = json<Sample[]>(job, 'data', file);
    assert.equal(samples.length, records.length, file);
    const byTask = (xs: { task: number }[]) => xs.reduce<Record<string, number>>((a, x) => ((a[x.task] = (a[x.task] ?? 0) + 1), a), {});
    assert.deepEqual(byTask(samples), byTask(records));
    assert.deepEqual(m.counts[valid ? 'valid' : 'train'].by_task, byTask(records));
    const recordOf = new Map(records.map((r) => [r.id, r]));
    for (const s of samples) {
      const r = recordOf.get(s.id)!;
      const userSoft = r.soft.find((x) => x.kind === 'user');
      const itemIds = r.soft.flatMap((x) => (x.kind === 'item' ? [x.item] : []));
      if (s.type === 'sharegpt') {
        assert.equal(r.soft.length, 0);
        assert.deepEqual(s.conversations, [
          { from: 'human', value: r.prompt },
          { from: 'gpt', value: r.response },
        ]);
        continue;
      }
      assert.equal(s.answer, r.response);
      const question = Array.isArray(s.question) ? (s.question as string[]).join('') : (s.question as string);
      assert.equal(question, r.prompt);
      assert.equal((question.match(/<item>/g) ?? []).length, itemIds.length);
      assert.equal((question.match(/<user>/g) ?? []).length, userSoft ? 1 : 0);
      if (s.type.startsWith('iid2')) {
        assert.deepEqual([s.iid], itemIds);
        assert.deepEqual(s.template, { USER: '{0}', ASSISTANT: '{0}' });
        continue;
      }
      // a user sample: uid is the row of exactly its history, iid −1 (the reference reads the whole line)
      assert.ok(userSoft && userSoft.kind === 'user', s.id);
      assert.equal(s.iid, -1);
      assert.deepEqual(sequences.get(s.uid as number), userSoft.history, s.id);
      const row = users.data.slice((s.uid as number) * d, ((s.uid as number) + 1) * d);
      const want = vectors.vector(userSoft);
      row.forEach((x, j) => assert.ok(Math.abs(x - want[j] * m.connector.scale.user) < 1e-5, `${s.id} user row`));
      if (s.type === 'uidiid2rank') assert.deepEqual(s.topk, itemIds);
      else if (s.type === 'uidiid2binary') assert.deepEqual([s.target], itemIds);
      else assert.equal(itemIds.length, 0, s.type);
      assert.equal(s.task === 2 ? 'uidiid2rank' : s.task === 3 || s.task === 7 ? 'uidiid2binary' : s.type, s.type, s.id);
    }
    const types = samples.reduce<Record<string, number>>((a, s) => ((a[s.type] = (a[s.type] ?? 0) + 1), a), {});
    assert.deepEqual(m.counts[valid ? 'valid' : 'train'].by_type, types);
  }
  // launch: accelerate + DeepSpeed ZeRO-2 for 2 nodes × 4 GPUs, one script calling the reference's trainer
  const yaml = readFileSync(join(job, 'accelerate.yaml'), 'utf8');
  for (const line of [
    'distributed_type: DEEPSPEED',
    'deepspeed_config_file: ds_zero2.json',
    'num_machines: 2',
    'num_processes: 8',
    'rdzv_backend: c10d',
  ])
    assert.ok(yaml.includes(line), line);
  const ds = json<{ zero_optimization: { stage: number }; train_micro_batch_size_per_gpu: string }>(job, 'ds_zero2.json');
  assert.equal(ds.zero_optimization.stage, 2);
  assert.equal(ds.train_micro_batch_size_per_gpu, 'auto');
  const sh = readFileSync(join(job, 'train.sh'), 'utf8');
  assert.ok(statSync(join(job, 'train.sh')).mode & 0o100);
  for (const part of [
    'python rec/make_checkpoint.py',
    'accelerate launch --config_file accelerate.yaml',
    '--machine_rank "${MACHINE_RANK',
    '"$RECAI/RecExplainer/src/sft_training.py"',
    `--model_name_or_path ${base}`,
    '--rec_model_name_or_path rec/MF.pth',
    '--rec_model_type MF',
    '--task_type both',
    '--max_hist_len 9',
    '--train_file data/train.json',
    '--sequential_file data/sequential_data.txt',
  ])
    assert.ok(sh.includes(part), part);
  assert.match(readFileSync(join(job, 'README.md'), 'utf8'), /bash train\.sh/);
});

// ---- import-adapter ----

const rng = new Rng(11);
const random = (shape: number[], scale = 0.2): WriteTensor => ({
  dtype: 'F32',
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng.next() - 0.5) * 2 * scale),
});
const TARGETS = ['q_proj', 'v_proj', 'o_proj', 'gate_proj'];
const moduleOf = (i: number, m: string) => `model.layers.${i}.${m === 'gate_proj' ? 'mlp' : 'self_attn'}.${m}`;

/** A PEFT adapter folder as the reference's trainer saves it (onto `base`; full: with tables of `rows` rows, default the base's); returns its tensors by key. */
function writePeft(
  opts: {
    base?: string;
    full?: boolean;
    rows?: number;
    config?: Record<string, unknown>;
    edit?: (t: Record<string, WriteTensor>) => void;
  } = {},
): {
  dir: string;
  tensors: Record<string, WriteTensor>;
} {
  const dir = mkdtempSync(join(tmp, 'peft-'));
  const model = loadLm(opts.base ?? base);
  const weights = model.namedVariables();
  const tensors: Record<string, WriteTensor> = {};
  for (let i = 0; i < TINY.num_hidden_layers; i++)
    for (const m of TARGETS) {
      const [out, inDim] = weights.get(`${moduleOf(i, m)}.weight`)!.shape;
      tensors[`base_model.model.${moduleOf(i, m)}.lora_A.weight`] = random([R, inDim]);
      tensors[`base_model.model.${moduleOf(i, m)}.lora_B.weight`] = random([out, R]);
    }
  for (const k of ['user', 'item']) {
    tensors[`base_model.model.${k}_connector.0.weight`] = random([H / 2, D]);
    tensors[`base_model.model.${k}_connector.0.bias`] = random([H / 2]);
    tensors[`base_model.model.${k}_connector.2.weight`] = random([H, H / 2]);
    tensors[`base_model.model.${k}_connector.2.bias`] = random([H]);
  }
  if (opts.full) {
    const rows = opts.rows ?? model.cfg.vocab_size;
    tensors['base_model.model.model.embed_tokens.weight'] = random([rows, H], 0.5);
    tensors['base_model.model.lm_head.weight'] = random([rows, H], 0.5);
  }
  model.dispose();
  opts.edit?.(tensors);
  writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  writeFileSync(
    join(dir, 'adapter_config.json'),
    JSON.stringify({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: R,
      lora_alpha: ALPHA,
      lora_dropout: 0.05,
      bias: 'none',
      target_modules: TARGETS,
      modules_to_save: ['lm_head', 'embed_tokens', 'user_connector', 'item_connector'],
      use_rslora: false,
      use_dora: false,
      ...opts.config,
    }),
  );
  writeFileSync(join(dir, 'trainer_state.json'), JSON.stringify({ global_step: 120, log_history: [{ loss: 1 }, { train_runtime: 33.5 }] }));
  return { dir, tensors };
}

/** Logits [T, V] of a token sequence through a model. */
function logits(model: Llama, ids: number[]): Float32Array {
  return tf.tidy(() => model.logits(model.forward(model.embed(Int32Array.from(ids), 1, ids.length))).dataSync() as Float32Array);
}

/** The base model with s·B·A added by hand (plain arrays), and the trained embeddings and head (of their rows) when the adapter has them. */
function mergedByHand(tensors: Record<string, WriteTensor>, dir = base): Llama {
  const model = loadLm(dir);
  const weights = model.namedVariables();
  for (let i = 0; i < TINY.num_hidden_layers; i++)
    for (const m of TARGETS) {
      const A = tensors[`base_model.model.${moduleOf(i, m)}.lora_A.weight`];
      const B = tensors[`base_model.model.${moduleOf(i, m)}.lora_B.weight`];
      const w = weights.get(`${moduleOf(i, m)}.weight`)!;
      const [out, inDim] = w.shape;
      const W = Float32Array.from(w.dataSync());
      for (let o = 0; o < out; o++)
        for (let j = 0; j < inDim; j++) {
          let s = 0;
          for (let k = 0; k < R; k++) s += B.data[o * R + k] * A.data[k * inDim + j];
          W[o * inDim + j] += (ALPHA / R) * s;
        }
      w.assign(tf.tensor(W, w.shape));
    }
  const embed = tensors['base_model.model.model.embed_tokens.weight'];
  if (embed && embed.shape[0] > model.cfg.vocab_size) model.resizeTokenEmbeddings(embed.shape[0]); // rows then overwritten
  if (embed) model.embedTokens.assign(tf.tensor(embed.data, embed.shape));
  const head = tensors['base_model.model.lm_head.weight'];
  if (head) model.lmHead!.assign(tf.tensor(head.data, head.shape));
  return model;
}

/** The imported model in `out` gives the logits of the base merged with `tensors` by hand, within 1e-4. */
async function assertLogitsAsMergedByHand(out: string, tensors: Record<string, WriteTensor>): Promise<void> {
  const s = await Surrogate.load(out);
  const want = mergedByHand(tensors);
  const d = maxDiff(logits(s.model, IDS), logits(want, IDS));
  assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
  s.dispose();
  want.dispose();
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const IDS = [1, 5, 17, 40, 99, 3, 250, 8, 12, 60];
const importTo = (peft: string, extra: Partial<typeof IMPORT_ADAPTER_DEFAULTS> & { projectors?: string; baseModel?: string } = {}) => {
  const out = mkdtempSync(join(tmp, 'aligned-'));
  return importAdapter({ ...IMPORT_ADAPTER_DEFAULTS, peft, job, baseModel: base, out, ...extra }).then((r) => ({ ...r, out }));
};

test('import-adapter: a LoRA adapter on the tiny base gives the logits of base + (alpha/r)·B·A', async () => {
  const { dir, tensors } = writePeft();
  const out = join(tmp, 'aligned-lora');
  const r = cli(['import-adapter', '--peft', dir, '--job', job, '--base-model', base, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /imported \(H, connector add\): LoRA r 4 in adapter\.safetensors, projectors\.safetensors/);
  const meta = json<Record<string, unknown>>(out, 'align.json');
  assert.deepEqual([meta.mode, meta.connector, meta.steps, meta.seconds, meta.projector_in], ['H', 'add', 120, 33.5, D]);
  assert.deepEqual(meta.lora, { r: R, alpha: ALPHA, dropout: 0.05, targets: ['q', 'v', 'o', 'gate'] });
  assert.deepEqual(meta.projector_scale, manifest().connector.scale);
  await assertLogitsAsMergedByHand(out, tensors);
});

test('import-adapter: modules_to_save copies of embed_tokens and lm_head are merged into full weights with the LoRA', async () => {
  const { dir, tensors } = writePeft({ full: true });
  const { out, merged, meta } = await importTo(dir);
  assert.equal(merged, true);
  assert.equal(meta.lora, null);
  await assertLogitsAsMergedByHand(out, tensors);
});

test("import-adapter onto a base lacking <user> / <item>: appended at V, V + 1, the reference's [V+2, H] copies read", async () => {
  const V = foreignV;
  const appended = ['<user>', '<item>', 'USER:', 'ASSISTANT:', '<title>', '</title>'];
  /** Logits of ids through both, over the columns the hand-merged model has (ours has our other appended tokens too). */
  const compare = (s: Surrogate, want: Llama, ids: number[]) => {
    const [ours, theirs] = [logits(s.model, ids), logits(want, ids)];
    const [n, m] = [s.model.cfg.vocab_size, want.cfg.vocab_size];
    return ids.reduce((d, _, t) => Math.max(d, maxDiff(ours.slice(t * n, t * n + m), theirs.slice(t * m, (t + 1) * m))), 0);
  };
  for (const full of [true, false]) {
    const { dir, tensors } = writePeft({ base: foreign, full, rows: V + 2 });
    const { out, meta, merged } = await importTo(dir, { baseModel: foreign });
    assert.equal(merged, full);
    assert.deepEqual(meta.appended_tokens, { first: V, tokens: appended, base_rows: V });
    const s = await Surrogate.load(out);
    assert.deepEqual([s.tok.special.user, s.tok.special.item, s.model.cfg.vocab_size], [V, V + 1, V + appended.length]);
    const want = mergedByHand(tensors, foreign);
    const d = compare(s, want, full ? [...IDS, V, 3, V + 1, 9] : IDS);
    assert.ok(d < 1e-4, `${full ? 'merged' : 'LoRA'}: max |Δlogit| ${d}`);
    s.dispose();
    want.dispose();
  }
  const { dir } = writePeft({ base: foreign, full: true, rows: V + 1 });
  await assert.rejects(importTo(dir, { baseModel: foreign }), (e: Error) => {
    assert.ok(e instanceof UserError, e.stack);
    assert.match(
      e.message,
      new RegExp(
        `embed_tokens\\.weight"\\): adapter for a different base shape: \\[${V + 1}, 32\\], the base model's model\\.embed_tokens\\.weight is \\[${V}, 32\\] \\(\\[${V + 2}, 32\\] with <user> and <item> appended\\)$`,
      ),
    );
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): the exact GELU of nn.GELU(). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return Math.sign(x) * y;
}

/** The reference's connector by hand: Linear(d, H/2) → GELU → Linear(H/2, H), on the scaled input. */
function connectorByHand(tensors: Record<string, WriteTensor>, kind: string, x: Float32Array, scale: number): number[] {
  const t = (n: string) => tensors[`base_model.model.${kind}_connector.${n}`].data;
  const [w1, b1, w2, b2] = [t('0.weight'), t('0.bias'), t('2.weight'), t('2.bias')];
  const mid = Array.from({ length: H / 2 }, (_, o) => {
    let a = b1[o];
    for (let j = 0; j < D; j++) a += w1[o * D + j] * x[j] * scale;
    return 0.5 * a * (1 + erf(a / Math.SQRT2));
  });
  return Array.from({ length: H }, (_, o) => mid.reduce((a, g, j) => a + w2[o * (H / 2) + j] * g, b2[o]));
}

test('--connector add / replace: the soft-token input embeddings are the placeholder embedding plus, or instead of, the connector output; a GGUF export keeps it', async () => {
  const { dir, tensors } = writePeft();
  const r3 = readTaskRecords(taskFile(tasks, 'test', 'H')).find((r: TaskRecord) => r.task === 3 && r.soft.length === 2)!;
  const scale = manifest().connector.scale;
  const inputs = async (connector: 'add' | 'replace') => {
    const { out, meta } = await importTo(dir, { connector });
    assert.equal(meta.connector, connector);
    const s = await Surrogate.load(out);
    const p = promptExample(r3, s.tok, s.vectors, 'test');
    const soft = s.softTokens([p.soft])!;
    assert.equal(soft.connector, connector);
    const T = p.ids.length;
    const x = tf.tidy(
      () =>
        injectSoftTokens(
          s.model.embed(Int32Array.from(p.ids), 1, T),
          Int32Array.from(soft.slots, ([, j]) => j),
          soft.vectors,
          soft.connector,
        ).dataSync() as Float32Array,
    );
    const embed = s.model.embedTokens.dataSync() as Float32Array;
    const logProb = (m: Surrogate) => sequenceLogProbs(m, [{ ids: p.ids, mask: p.ids.map(() => 1), soft: p.soft }], 1)[0].sum;
    const lp = logProb(s);
    // exported as GGUF and loaded back, the model keeps its connector and its scores
    const gguf = join(out, 'm.gguf');
    s.exportGguf(gguf, 'f32');
    const g = await Surrogate.load(gguf);
    assert.equal(g.connector, connector);
    assert.ok(Math.abs(logProb(g) - lp) < 1e-3, `${logProb(g)} vs ${lp}`);
    g.dispose();
    soft.vectors.dispose();
    const slots = p.soft.map((q) => ({ pos: q.pos, kind: q.kind, vector: q.vector, token: p.ids[q.pos] }));
    s.dispose();
    return { x, embed, slots, T, lp };
  };
  const add = await inputs('add');
  const rep = await inputs('replace');
  assert.equal(add.slots.length, 2);
  for (const [got, added] of [
    [add, true],
    [rep, false],
  ] as const)
    for (const slot of got.slots) {
      const row = got.x.slice(slot.pos * H, (slot.pos + 1) * H);
      const token = got.embed.slice(slot.token * H, (slot.token + 1) * H);
      connectorByHand(tensors, slot.kind, slot.vector, scale[slot.kind]).forEach((v, j) => {
        const want = added ? token[j] + v : v;
        assert.ok(Math.abs(row[j] - want) < 1e-4, `${added ? 'add' : 'replace'} position ${slot.pos}[${j}]: ${row[j]} vs ${want}`);
      });
    }
  // everywhere else both are the token embeddings; the model's answers differ only through the slots
  const others = (g: typeof add) => Array.from(g.x).filter((_, i) => !g.slots.some((q) => Math.floor(i / H) === q.pos));
  assert.deepEqual(others(add), others(rep));
  assert.notEqual(add.lp, rep.lp);
});

test('import-adapter: an adapter that does not fit is a one-line error naming the tensor and both shapes', async () => {
  const q = `base_model.model.${moduleOf(0, 'q_proj')}.lora_A.weight`;
  const cases: [Parameters<typeof writePeft>[0], RegExp][] = [
    [
      { edit: (t) => (t[q] = random([R, 48])) },
      /adapter_model\.safetensors \(field "base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight"\): adapter for a different base shape: \[4, 48\], the base model's model\.layers\.0\.self_attn\.q_proj \[32, 32\] needs \[4, 32\]$/,
    ],
    [{ config: { target_modules: ['q_proj', 'qkv_proj'] } }, /target module "qkv_proj" is not one we have/],
    [{ edit: (t) => (t['base_model.model.model.rotary_emb.inv_freq'] = random([4])) }, /rotary_emb\.inv_freq"\): unknown tensor/],
    [
      { edit: (t) => delete t[`base_model.model.${moduleOf(1, 'v_proj')}.lora_B.weight`] },
      /layers\.1\.self_attn\.v_proj\.lora_B\.weight"\): missing/,
    ],
    [
      { edit: (t) => (t['base_model.model.item_connector.0.weight'] = random([H / 2, 8])) },
      /item_connector\.0\.weight"\): connector for a different shape: \[16, 8\], a 16 → 32 connector needs \[16, 16\]/,
    ],
    [{ config: { use_rslora: true } }, /use_rslora"\): is true: not supported/],
  ];
  for (const [opts, re] of cases) {
    const { dir } = writePeft(opts);
    await assert.rejects(importTo(dir), (e: Error) => {
      assert.ok(e instanceof UserError, e.stack);
      assert.match(e.message, re);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  }
  const missing = mkdtempSync(join(tmp, 'peft-'));
  const r = cli(['import-adapter', '--peft', missing, '--job', job, '--base-model', base, '--out', join(tmp, 'never')]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^recexplainer: .*: no adapter_config\.json \(not a PEFT adapter folder/);
  const noJob = cli(['import-adapter', '--peft', missing, '--job', tmp, '--base-model', base, '--out', join(tmp, 'never')]);
  assert.match(noJob.stderr, /^recexplainer: .*: not an export-job folder \(no job\.json\)/);
  mkdirSync(join(tmp, 'gguf'));
  writeFileSync(join(tmp, 'gguf', 'm.gguf'), '');
  const badBase = cli(['export-job', '--tasks', tasks, '--base-model', join(tmp, 'gguf', 'm.gguf'), '--out', join(tmp, 'never2')]);
  assert.equal(badBase.code, 1);
  assert.match(
    badBase.stderr,
    /^recexplainer: --base-model .*m\.gguf: the reference's trainer loads an HF model folder or hub id, not a file\n$/,
  );
});
