// Each stage's config is written once, as a spec: its defaults are the *_DEFAULTS (pinned here to
// the values the stages have always had), every flag's help and default in --help come from it,
// flags parse to the config keys, and invalid combinations are one-line errors naming both flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { cli } from './helpers.js';
import { buildProgram } from '../../src/cli/main.js';
import { defaultsOf, flagName, type Spec } from '../../src/engine/options.js';
import { ALIGN_DEFAULTS, ALIGN_SPEC } from '../../src/align/config.js';
import { EXPORT_JOB_DEFAULTS, EXPORT_JOB_SPEC, IMPORT_ADAPTER_DEFAULTS, IMPORT_ADAPTER_SPEC } from '../../src/align/handoff/config.js';
import { PRETRAIN_DEFAULTS, PRETRAIN_SPEC } from '../../src/base/config.js';
import { COLUMN_SPEC, DATA_DEFAULTS, DATA_SPEC } from '../../src/data/config.js';
import { EVAL_DEFAULTS, EVAL_SPEC } from '../../src/eval/config.js';
import { EXPLAIN_DEFAULTS, EXPLAIN_SPEC } from '../../src/explain/config.js';
import { TRAIN_REC_DEFAULTS, TRAIN_REC_SPEC } from '../../src/rec/config.js';
import { DISTILL_DEFAULTS, DISTILL_SPEC } from '../../src/rec/distill_config.js';
import { RUN_SPEC } from '../../src/run/config.js';
import { SERVE_DEFAULTS, SERVE_SPEC } from '../../src/serve/config.js';
import { TASKS_DEFAULTS, TASKS_SPEC } from '../../src/tasks/config.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'options-'));

const STAGES: [string, Spec, object][] = [
  ['data', DATA_SPEC, DATA_DEFAULTS],
  ['train-rec', TRAIN_REC_SPEC, TRAIN_REC_DEFAULTS],
  ['distill', DISTILL_SPEC, DISTILL_DEFAULTS],
  ['pretrain', PRETRAIN_SPEC, PRETRAIN_DEFAULTS],
  ['tasks', TASKS_SPEC, TASKS_DEFAULTS],
  ['align', ALIGN_SPEC, ALIGN_DEFAULTS],
  ['export-job', EXPORT_JOB_SPEC, EXPORT_JOB_DEFAULTS],
  ['import-adapter', IMPORT_ADAPTER_SPEC, IMPORT_ADAPTER_DEFAULTS],
  ['eval', EVAL_SPEC, EVAL_DEFAULTS],
  ['explain', EXPLAIN_SPEC, EXPLAIN_DEFAULTS],
  ['serve', SERVE_SPEC, SERVE_DEFAULTS],
];

const command = (name: string): Command => buildProgram().commands.find((c) => c.name() === name)!;
const oneSpaced = (s: string) => s.replace(/\s+/g, ' ');

test("the defaults are the stages' long-standing values", () => {
  assert.deepEqual(DATA_DEFAULTS, {
    source: 'dslabs',
    input: [],
    topItems: 0,
    users: 0,
    kcore: 5,
    sampleAfterKcore: false,
    seed: 42,
    strict: false,
    quiet: false,
    force: false,
  });
  assert.deepEqual(TRAIN_REC_DEFAULTS, {
    model: 'sasrec',
    loss: 'bce',
    hidden: 50,
    maxLen: 200,
    blocks: 2,
    heads: 1,
    dropout: 0.2,
    l2: 1e-4,
    epochs: 200,
    batchSize: 128,
    lr: 1e-3,
    evalEvery: 5,
    patience: 6,
    selectOn: 'sampled100',
    seed: 42,
    backend: 'auto',
    exportOnnx: false,
    resume: false,
    quiet: false,
    force: false,
  });
  assert.deepEqual(PRETRAIN_DEFAULTS, {
    layers: 4,
    hidden: 256,
    heads: 4,
    kvHeads: 4,
    ffn: 688,
    tied: true,
    vocab: 4096,
    seqLen: 128,
    batchSize: 16,
    steps: 400,
    copySteps: 0,
    copyLr: 2e-3,
    copyBatchSize: 64,
    copyReplay: 0.25,
    lr: 1e-3,
    warmup: 40,
    evalEvery: 100,
    seed: 0,
    resume: false,
    quiet: false,
    force: false,
  });
  assert.deepEqual(TASKS_DEFAULTS, {
    forms: ['B', 'I', 'H'],
    maxHistory: 9,
    prefixes: 1,
    task5: [1000, 100],
    posTop: 0.2,
    negBottom: 0.5,
    task2Items: 5,
    similarK: 1,
    explanations: true,
    seed: 42,
    backend: 'auto',
    quiet: false,
    force: false,
    teacherModel: 'gpt-4o-mini',
    teacherConcurrency: 4,
  });
  assert.deepEqual(ALIGN_DEFAULTS, {
    loraR: 16,
    loraAlpha: 32,
    loraDropout: 0.05,
    loraTargets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
    lr: 1e-3,
    epochs: 2,
    maxSteps: 0,
    batchSize: 16,
    warmup: 30,
    perTask: 0,
    dropTasks: [],
    itemTokens: false,
    itemHead: 'tied',
    projectorInit: 'apart',
    projectorDraw: 'random',
    distill: 0,
    distillTemperature: 1,
    distillUsers: false,
    distillCites: 0,
    rankMask: true,
    itemTitle: false,
    titleSpans: true,
    checkpointEvery: 200,
    seed: 0,
    resume: false,
    quiet: false,
    force: false,
  });
  assert.deepEqual(EXPORT_JOB_DEFAULTS, {
    mode: 'H',
    gpus: 8,
    nodes: 1,
    template: 'vicuna',
    maxLength: 1024,
    loraR: 16,
    loraAlpha: 32,
    loraDropout: 0.05,
    lr: 1e-4,
    epochs: 20,
    batchSize: 4,
    gradAccum: 4,
    warmupRatio: 0.1,
    seed: 2024,
    force: false,
  });
  assert.deepEqual(IMPORT_ADAPTER_DEFAULTS, { connector: 'add', force: false });
  assert.deepEqual(EVAL_DEFAULTS, {
    baselines: ['random', 'popularity', 'base-lm', 'icl', 'icl-llm', 'sasrec-kd'],
    llmModel: 'gpt-4o-mini',
    users: 0,
    task4: 300,
    decoding: 'grounded',
    rankBeams: 5,
    engine: 'ours',
    seed: 0,
    quiet: false,
    force: false,
  });
  assert.deepEqual(DISTILL_DEFAULTS, {
    epochs: 30,
    lr: 3e-3,
    batchSize: 128,
    temperature: 2,
    positions: 'all',
    seed: 1,
    backend: 'auto',
    resume: false,
    quiet: false,
    force: false,
  });
  assert.deepEqual(EXPLAIN_DEFAULTS, {
    sample: 200,
    aspectStudy: 0,
    decoding: 'grounded',
    factGuard: true,
    leadOrder: true,
    judgeModel: 'gpt-4o-mini',
    llmModel: 'gpt-4o-mini',
    engine: 'ours',
    distinction: true,
    seed: 0,
    quiet: false,
    force: false,
  });
  assert.deepEqual(defaultsOf(RUN_SPEC), {
    profile: 'quick',
    seed: 0,
    decoding: 'grounded',
    ablate: [],
    ablateSteps: 0,
    ablateUsers: 0,
    evalUsers: 0,
    llmModel: 'gpt-4o-mini',
    judgeModel: 'gpt-4o-mini',
    jobs: 0,
    quiet: false,
  });
  assert.deepEqual(SERVE_DEFAULTS, {
    host: '127.0.0.1',
    port: 8080,
    workers: 1,
    queue: 32,
    timeout: 120,
    maxBody: 65536,
    historyLimit: 200,
  });
});

test("each *_DEFAULTS holds exactly the spec's defaulted fields, with the spec's values", () => {
  for (const [name, spec, defaults] of STAGES) {
    const defaulted = Object.entries(spec).filter(([, f]) => 'value' in f);
    assert.deepEqual(Object.keys(defaults).sort(), defaulted.map(([k]) => k).sort(), name);
    for (const [k, f] of defaulted) assert.equal((defaults as Record<string, unknown>)[k], (f as { value: unknown }).value, `${name} ${k}`);
  }
});

test("--help shows every field's flag, help and default, as the spec writes them", () => {
  const specs: [string, Spec][] = [...STAGES.map(([n, s]): [string, Spec] => [n, s]), ['data', COLUMN_SPEC], ['run', RUN_SPEC]];
  for (const [name, spec] of specs) {
    const help = oneSpaced(command(name).helpInformation());
    for (const [key, f] of Object.entries(spec)) {
      const on = 'type' in f || !f.value;
      const line = `${on ? flagName(key) : `--no-${flagName(key).slice(2)}`}${'type' in f ? ` ${f.type.arg}` : ''} ${oneSpaced(f.help)}`;
      const shown = 'value' in f && on ? `${line} (default: ${JSON.stringify(f.value)})` : line;
      assert.ok(help.includes(shown), `${name} --help lacks "${shown}"`);
    }
  }
  const r = cli(['train-rec', '--help']);
  assert.equal(r.code, 0);
  assert.match(oneSpaced(r.stdout), /--max-len <n> sasrec: history window \(default: 200\)/);
});

test('flags parse to the config keys: defaults, kebab-case names, --no- switches', async () => {
  const run = async (name: string, args: string[]) => {
    let got: Record<string, unknown> = {};
    const cmd = command(name)
      .exitOverride()
      .action((flags: Record<string, unknown>) => void (got = flags));
    await cmd.parseAsync(args, { from: 'user' });
    return got;
  };
  assert.deepEqual(await run('train-rec', ['--data', 'd', '--out', 'o', '--max-len', '7', '--select-on', 'full', '--resume']), {
    ...TRAIN_REC_DEFAULTS,
    data: 'd',
    out: 'o',
    maxLen: 7,
    selectOn: 'full',
    resume: true,
  });
  assert.deepEqual(
    await run('tasks', [
      '--data',
      'd',
      '--rec',
      'r',
      '--out',
      'o',
      '--task2-items',
      '3',
      '--task5',
      '40',
      '--forms',
      'H,B',
      '--no-explanations',
    ]),
    {
      ...TASKS_DEFAULTS,
      data: 'd',
      rec: 'r',
      out: 'o',
      task2Items: 3,
      task5: [40, 4],
      forms: ['B', 'H'],
      explanations: false,
    },
  );
  assert.deepEqual(
    await run('tasks', [
      '--data',
      'd',
      '--rec-onnx',
      'm.onnx',
      '--item-embeddings',
      'i.npy',
      '--onnx-max-len',
      '20',
      '--onnx-mask',
      'm',
      '--out',
      'o',
    ]),
    { ...TASKS_DEFAULTS, data: 'd', recOnnx: 'm.onnx', itemEmbeddings: 'i.npy', onnxMaxLen: 20, onnxMask: 'm', out: 'o' },
  );
  assert.deepEqual(await run('data', ['--out', 'o', '--input', 'a', '--input', 'b', '--meta-cols', 'x,y']), {
    ...DATA_DEFAULTS,
    out: 'o',
    input: ['a', 'b'],
    metaCols: ['x', 'y'],
    skipBadTimes: false,
  });
  assert.deepEqual(await run('eval', ['--tasks', 't', '--out', 'o', '--baselines', 'none', '--engine', 'llama-cpp']), {
    ...EVAL_DEFAULTS,
    model: [],
    distillEpochs: DISTILL_DEFAULTS.epochs,
    tasks: 't',
    out: 'o',
    baselines: [],
    engine: 'llama-cpp',
  });
  const runFlags = defaultsOf(RUN_SPEC);
  assert.deepEqual(await run('run', ['--ablate', 'all', '--llm-url', 'http://h/v1']), {
    ...runFlags,
    ablate: [1, 2, 3, 4, 5, 6, 7],
    llmUrl: 'http://h/v1',
  });
  assert.deepEqual((await run('run', ['--ablate', '6,3, 3'])).ablate, [3, 6]);
  assert.deepEqual(
    (await run('align', ['--mode', 'H', '--tasks', 't', '--base-model', 'b', '--out', 'o', '--drop-tasks', '7,1'])).dropTasks,
    [1, 7],
  );
  assert.deepEqual(await run('serve', ['--run', 'r', '--port', '0', '--history-limit', '5']), {
    ...SERVE_DEFAULTS,
    run: 'r',
    port: 0,
    historyLimit: 5,
  });
});

test('wrong types and unknown flags are one-line commander errors naming the flag', () => {
  const need = ['--data', tmp(), '--out', tmp()];
  for (const [args, re] of [
    [['train-rec', ...need, '--hidden', 'five'], /option '--hidden <n>' argument 'five' is invalid\. expected an integer, got "five"/],
    [['train-rec', ...need, '--dropout', '1.5'], /option '--dropout <p>' argument '1\.5' is invalid\. must be in \[0, 0\.95\]/],
    [['train-rec', ...need, '--model', 'bpr'], /option '--model <m>' argument 'bpr' is invalid\. expected one of sasrec, mf/],
    [['train-rec', ...need, '--frobnicate'], /unknown option '--frobnicate'/],
    [
      ['align', '--mode', 'B', '--tasks', 't', '--base-model', 'b', '--out', tmp(), '--lora-targets', 'q,zz'],
      /option '--lora-targets <list>' argument 'q,zz' is invalid\. expected entries among q, k, v, o, gate, up, down, got "zz"/,
    ],
    [
      ['eval', '--tasks', 't', '--out', tmp(), '--baselines', 'random,foo'],
      /option '--baselines <list>' argument 'random,foo' is invalid\. expected entries among random, popularity, base-lm, icl, icl-llm, sasrec-kd, none, got "foo"/,
    ],
    [
      ['explain', '--tasks', 't', '--out', tmp(), '--engine', 'vllm'],
      /option '--engine <e>' argument 'vllm' is invalid\. expected one of ours, llama-cpp/,
    ],
    [['serve', '--port', 'http'], /option '--port <port>' argument 'http' is invalid\. expected an integer, got "http"/],
    [['run', '--ablate', '8'], /option '--ablate <tasks>' argument '8' is invalid\. expected "all" or task numbers among 1–7, got "8"/],
    [
      ['align', '--mode', 'H', '--tasks', 't', '--base-model', 'b', '--out', tmp(), '--drop-tasks', '3,x'],
      /option '--drop-tasks <list>' argument '3,x' is invalid\. expected entries among 1, 2, 3, 4, 5, 6, 7, got "x"/,
    ],
  ] as [string[], RegExp][]) {
    const r = cli(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr.split('\n')[0], re);
    assert.doesNotMatch(r.stderr, /internal error|^\s+at /m);
  }
});

test('flag combinations a stage cannot run are one-line errors naming both flags, not internal errors', () => {
  const need = ['--data', tmp(), '--out', tmp()];
  for (const [args, line] of [
    [['train-rec', ...need, '--hidden', '50', '--heads', '3'], 'recexplainer: --hidden 50 is not divisible by --heads 3'],
    [['tasks', ...need, '--rec', 'r', '--rec-onnx', 'm.onnx'], 'recexplainer: --rec and --rec-onnx: name one target model f'],
    [
      ['align', '--mode', 'I', '--tasks', 't', '--base-model', 'b', '--out', tmp(), '--onnx-mask', 'm'],
      'recexplainer: --onnx-mask: only with --rec-onnx',
    ],
    [['pretrain', ...need, '--heads', '3'], 'recexplainer: --hidden 256 is not divisible by --heads 3'],
    [
      ['pretrain', ...need, '--hidden', '12', '--heads', '4'],
      'recexplainer: --hidden 12 / --heads 4 = 3 must be even (the head size, for the rotary embedding)',
    ],
    [['pretrain', ...need, '--kv-heads', '3'], 'recexplainer: --kv-heads 3 must divide --heads 4'],
    [['pretrain', ...need, '--copy-batch-size', '40'], 'recexplainer: --copy-batch-size 40 must be a multiple of --batch-size 16'],
    [
      ['align', '--mode', 'B', '--tasks', 't', '--base-model', 'b', '--out', tmp(), '--lora-targets', 'q,q'],
      'recexplainer: --lora-targets must name distinct layers, at least one, with --lora-r 16; got "q,q"',
    ],
    [
      ['align', '--mode', 'B', '--tasks', 't', '--base-model', 'b', '--out', tmp(), '--lora-alpha', '0'],
      'recexplainer: --lora-alpha must be positive with --lora-r 16, got 0',
    ],
    [
      ['eval', '--tasks', tmp(), '--out', tmp(), '--baselines', 'random,icl'],
      'recexplainer: --baselines icl needs --base-model (or an aligned --model whose base it reuses)',
    ],
    ...(
      [
        ['tasks', [...need, '--rec', 'r'], 'teacher'],
        ['eval', ['--tasks', tmp(), '--out', tmp(), '--baselines', 'random,icl-llm'], 'llm'],
        ['explain', ['--tasks', tmp(), '--out', tmp()], 'llm'],
        ['explain', ['--tasks', tmp(), '--out', tmp()], 'judge'],
        ['run', ['--out', tmp()], 'llm'],
        ['run', ['--out', tmp()], 'judge'],
      ] as const
    ).map(([command, args, role]) => [
      [command, ...args, `--${role}-url`, 'http://127.0.0.1:1/v1', `--${role}-gguf`, 'm.gguf'],
      `recexplainer: --${role}-url and --${role}-gguf: name one, an OpenAI-compatible endpoint or a GGUF file`,
    ]),
  ] as [string[], string][]) {
    const r = cli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `${line}\n`);
  }
});
