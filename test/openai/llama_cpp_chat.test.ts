// The llama.cpp chat back-end (src/openai/llama_cpp_chat.ts) on a tiny random model written with our
// GGUF writer (the placeholder vocabulary with ChatML's two specials, a ChatML template; the byte
// tokens' output rows zeroed so that replies are whole pieces, never a cut UTF-8 character): its
// replies are node-llama-cpp's own completion (LlamaCompletion, temperature 0, no repeat penalty)
// of the rendered conversation, whatever the order they are asked in; a template that refuses a
// system turn gets it folded into the first user message; a conversation too long for the context
// gets no reply; a second back-end with the same cache asks nothing, another file is another cache
// key; `explain` with judgeGguf and llmGguf records what the model replied (the LLM judge's ratings
// as parseRating reads the cached replies: a random model's are unparseable), and a rerun on an
// unloadable file of the same identity reads every reply from the caches; a missing, non-GGUF or
// template-less file is a one-line error naming it. Skipped where node-llama-cpp cannot be loaded.
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { UserError } from '../../src/engine/errors.js';
import { tf } from '../../src/engine/tf.js';
import { EXPLAIN_DEFAULTS } from '../../src/explain/config.js';
import { parseRating } from '../../src/explain/judge/parse.js';
import { explanationRows } from '../../src/explain/ratings.js';
import { explainAll, LLM_JUDGE_CACHE } from '../../src/explain/run.js';
import { writeLlamaGguf } from '../../src/lm/io/gguf_write.js';
import { Llama } from '../../src/lm/model/llama.js';
import { chatRenderer } from '../../src/lm/tokenizer/chat_template.js';
import type { ChatBackend } from '../../src/openai/backend.js';
import { completeCached, ReplyCache } from '../../src/openai/cache.js';
import { conversation, type ChatMessage } from '../../src/openai/chat.js';
import { LLAMA_CHAT_DEFAULTS, LlamaCppChat } from '../../src/openai/llama_cpp_chat.js';
import { TASKS_DEFAULTS } from '../../src/tasks/config.js';
import { buildTasks } from '../../src/tasks/build.js';
import { ICL_LLM_CACHE } from '../../src/tasks/icl_llm.js';
import { trainedRing } from '../rec/fixture.js';
import { nodeLlamaCpp, placeholderVocab, RANDOM_CFG, type NodeLlama } from '../lm/llama_cpp.js';

const CHATML =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
/** Gemma-like: no system turn (an undefined function call fails the rendering, as raise_exception would). */
const NO_SYSTEM =
  "{%- if messages[0]['role'] == 'system' %}{{- raise_exception('System role not supported') }}{%- endif %}" +
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
const VARS = { bos_token: '<s>', eos_token: '</s>' }; // the placeholder vocabulary's
const MAX = 24; // reply tokens in the direct comparisons
const CFG = { ...RANDOM_CFG, max_position_embeddings: 4096, tie_word_embeddings: false }; // room for the judge's prompts, byte by byte

const tmp = mkdtempSync(join(tmpdir(), 'llama-cpp-chat-'));
let nlc: NodeLlama | undefined;
let skip: string | undefined;
const files: Record<'chatml' | 'noSystem' | 'none', string> = { chatml: '', noSystem: '', none: '' };

/** The random model as a GGUF with the given chat template (none: no tokenizer.chat_template). */
function writeModel(name: string, chatTemplate?: string): string {
  const m = new Llama(CFG, 7, 0.5);
  const keep = tf.tensor2d(
    Array.from({ length: CFG.vocab_size }, (_, i) => (i >= 3 && i < 259 ? 0 : 1)),
    [CFG.vocab_size, 1],
  );
  m.lmHead!.assign(tf.mul(m.lmHead!, keep)); // byte tokens' logits 0: below the best of the 41 other pieces
  keep.dispose();
  const vocab = placeholderVocab(CFG.vocab_size);
  for (const [id, special] of [
    [297, '<|im_start|>'],
    [298, '<|im_end|>'],
  ] as const) {
    vocab.tokens[id] = special;
    vocab.tokenTypes![id] = 3;
  }
  const file = join(tmp, `${name}.gguf`);
  writeLlamaGguf(file, m, { tokenizer: { ...vocab, chatTemplate } });
  m.dispose();
  return file;
}

before(async () => {
  await initEngine({ backend: 'wasm' });
  files.chatml = writeModel('chatml', CHATML);
  files.noSystem = writeModel('no-system', NO_SYSTEM);
  files.none = writeModel('none');
  const loaded = await nodeLlamaCpp();
  if (typeof loaded === 'string') skip = loaded;
  else nlc = loaded;
});

const CONVERSATIONS: ChatMessage[][] = [
  conversation('You rate explanations from 0 to 3.', 'Rate this: it fits the history.'),
  [{ role: 'user', content: 'Hello there.' }],
  conversation('Answer in one word.', 'Would they watch Heat (1995)?'),
  [
    { role: 'user', content: 'Q1' },
    { role: 'assistant', content: 'A1' },
    { role: 'user', content: 'Q2' },
  ],
];

/** node-llama-cpp's own completion of each prompt text (special tokens parsed), at temperature 0 with no repeat penalty. */
async function completions(file: string, texts: readonly string[]): Promise<string[]> {
  const llama = await nlc!.getLlama({ gpu: false, build: 'never', logLevel: nlc!.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: file });
  const ctx = await model.createContext({ contextSize: LLAMA_CHAT_DEFAULTS.contextSize, sequences: 1, threads: 1 });
  try {
    const out: string[] = [];
    for (const text of texts) {
      const seq = ctx.getSequence();
      const completion = new nlc!.LlamaCompletion({ contextSequence: seq });
      out.push(await completion.generateCompletion(model.tokenize(text, true), { temperature: 0, maxTokens: MAX, repeatPenalty: false }));
      completion.dispose();
      seq.dispose();
    }
    return out;
  } finally {
    await ctx.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

/** The back-end with every conversation it is asked counted. */
function counted(b: ChatBackend): { backend: ChatBackend; asked: () => number } {
  let n = 0;
  const backend: ChatBackend = {
    model: b.model,
    get lastFailure() {
      return b.lastFailure;
    },
    completeAll: (cs, onDone) => ((n += cs.length), b.completeAll(cs, onDone)),
    dispose: () => b.dispose(),
  };
  return { backend, asked: () => n };
}

const skipped = (t: TestContext) => (skip ? (t.skip(skip), true) : false);

test("replies are node-llama-cpp's completion of the rendered conversation at temperature 0, in any order", async (t) => {
  if (skipped(t)) return;
  const chat = new LlamaCppChat({ label: 'LLM judge', file: files.chatml, maxTokens: MAX });
  try {
    const replies = await chat.completeAll(CONVERSATIONS);
    const render = chatRenderer(CHATML, VARS);
    assert.deepEqual(
      replies,
      await completions(
        files.chatml,
        CONVERSATIONS.map((c) => render(c, true)),
      ),
    );
    assert.ok(
      replies.every((r) => r !== null && r.length > 0),
      JSON.stringify(replies),
    );
    assert.equal(new Set(replies).size, replies.length, 'each conversation its own reply');
    const done: number[] = [];
    const reversed = await chat.completeAll([...CONVERSATIONS].reverse(), (i) => done.push(i));
    assert.deepEqual(reversed, [...replies].reverse(), 'a reply depends on its conversation only');
    assert.deepEqual(done, [0, 1, 2, 3]);
  } finally {
    chat.dispose();
  }
});

test('a template that refuses a system turn gets the system message as the first user paragraph', async (t) => {
  if (skipped(t)) return;
  const chat = new LlamaCppChat({ label: 'teacher', file: files.noSystem, maxTokens: MAX });
  try {
    const [system, user] = CONVERSATIONS[0];
    const replies = await chat.completeAll([CONVERSATIONS[0]]);
    const folded = chatRenderer(NO_SYSTEM, VARS)([{ role: 'user', content: `${system.content}\n\n${user.content}` }], true);
    assert.deepEqual(replies, await completions(files.noSystem, [folded]));
  } finally {
    chat.dispose();
  }
});

test('the reply cache: a second back-end on the same file asks nothing; another file or reply limit is another key', async (t) => {
  if (skipped(t)) return;
  const cacheFile = join(tmp, 'replies.jsonl');
  const first = counted(new LlamaCppChat({ label: 'icl-llm', file: files.chatml, maxTokens: MAX }));
  const asked = await completeCached(first.backend, new ReplyCache(cacheFile), CONVERSATIONS).finally(() => first.backend.dispose());
  assert.deepEqual([first.asked(), asked.cached], [CONVERSATIONS.length, 0]);
  const second = counted(new LlamaCppChat({ label: 'icl-llm', file: files.chatml, maxTokens: MAX }));
  const again = await completeCached(second.backend, new ReplyCache(cacheFile), CONVERSATIONS);
  second.backend.dispose();
  assert.deepEqual(again, { replies: asked.replies, cached: CONVERSATIONS.length });
  assert.equal(second.asked(), 0);
  const copy = join(tmp, 'copy.gguf');
  copyFileSync(files.chatml, copy);
  assert.notEqual(new LlamaCppChat({ label: 'icl-llm', file: copy }).model, first.backend.model, 'another file');
  assert.notEqual(new LlamaCppChat({ label: 'icl-llm', file: files.chatml }).model, first.backend.model, 'another reply limit');
});

test('a conversation that leaves no room in the context gets no reply, and lastFailure says why', async (t) => {
  if (skipped(t)) return;
  const chat = new LlamaCppChat({ label: 'icl-llm', file: files.chatml, maxTokens: MAX });
  try {
    const long: ChatMessage[] = [{ role: 'user', content: 'x '.repeat(1500) }]; // byte tokens: ~4 a word
    const replies = await chat.completeAll([long, CONVERSATIONS[1]]);
    assert.equal(replies[0], null);
    assert.equal(typeof replies[1], 'string');
    assert.match(chat.lastFailure!, new RegExp(`^the prompt has \\d+ tokens, the context holds ${LLAMA_CHAT_DEFAULTS.contextSize}$`));
  } finally {
    chat.dispose();
  }
});

test('a missing, non-GGUF or template-less file is a one-line error naming it after the role', async (t) => {
  const missing = join(tmp, 'missing.gguf');
  assert.throws(() => new LlamaCppChat({ label: 'LLM judge', file: missing }), {
    name: 'UserError',
    message: `LLM judge: ${missing}: no such file or folder (ENOENT)`,
  });
  const text = join(tmp, 'notes.gguf');
  writeFileSync(text, 'not a model\n');
  assert.throws(() => new LlamaCppChat({ label: 'teacher', file: text }), {
    message: `teacher: ${text}: not a GGUF file (no "GGUF" magic at the start)`,
  });
  const folder = join(tmp, 'folder.gguf');
  mkdirSync(folder);
  assert.throws(() => new LlamaCppChat({ label: 'icl-llm', file: folder }), { message: `icl-llm: ${folder}: not a file` });
  if (skipped(t)) return;
  const broken = join(tmp, 'broken.gguf');
  writeFileSync(broken, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(60, 7)]));
  const chat = new LlamaCppChat({ label: 'LLM judge', file: broken }); // checked at the first conversation it must answer
  await assert.rejects(chat.completeAll(CONVERSATIONS), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, new RegExp(`^LLM judge: ${broken}: llama.cpp cannot load it: [^\\n]+$`));
    return true;
  });
  const none = new LlamaCppChat({ label: 'LLM judge', file: files.none });
  await assert.rejects(none.completeAll(CONVERSATIONS), {
    message: `LLM judge: ${files.none}: no chat template (tokenizer.chat_template) to write the conversations with`,
  });
});

test('explain with judgeGguf and llmGguf: ratings as the cached replies read, icl-llm texts as replied; a rerun asks the file nothing', async (t) => {
  if (skipped(t)) return;
  const ring = await trainedRing();
  const tasks = join(tmp, 'tasks');
  await buildTasks({ ...TASKS_DEFAULTS, data: ring.data, rec: ring.rec, out: tasks, task5: [0, 0], backend: 'wasm', quiet: true });
  const model = join(tmp, 'judge.gguf'); // its own copy: spoiled for the rerun below
  copyFileSync(files.chatml, model);
  const out = join(tmp, 'explain');
  const cfg = {
    ...EXPLAIN_DEFAULTS,
    tasks,
    out,
    models: [],
    sample: 3,
    distinction: false,
    quiet: true,
    baselines: ['template' as const, 'icl-llm' as const],
    judgeGguf: model,
    llmGguf: model,
  };
  const r = await explainAll(cfg);
  assert.deepEqual(r.errors, []);
  assert.match(
    r.notes!['icl-llm'],
    new RegExp(`^${model} through llama\\.cpp, .*: 3 prompts, 0 replies from the cache, 0 without a reply`),
  );
  const lines = (file: string) =>
    readFileSync(join(out, file), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { reply: string }).reply);
  const judged = lines(LLM_JUDGE_CACHE);
  const rows = explanationRows(out, ['template', 'icl-llm']);
  const all = [...rows.template, ...rows['icl-llm']];
  assert.equal(judged.length, all.length, 'one reply per text rated (no failures, no repeats; an empty one is unparseable)');
  const ratings = (xs: (number | null)[]) => xs.map((x) => (x === null ? -1 : x)).sort();
  assert.deepEqual(ratings(all.map((x) => x.llm_rating!)), ratings(judged.map(parseRating)));
  for (const name of ['template', 'icl-llm']) {
    const m = r.explanations[name]!;
    assert.equal(m.llm_judge_unparseable, rows[name].filter((x) => x.llm_rating === null).length);
    const got = rows[name].flatMap((x) => (x.llm_rating === null ? [] : [x.llm_rating!]));
    assert.equal(m.llm_judge_mean, got.length ? got.reduce((a, b) => a + b, 0) / got.length : null);
  }
  assert.deepEqual(
    rows['icl-llm'].map((x) => x.text).sort(),
    lines(ICL_LLM_CACHE)
      .map((x) => x.trim())
      .sort(),
  );

  // the same file identity (path, size, modification time), but llama.cpp cannot load it: every reply from the caches
  const st = statSync(model);
  writeFileSync(model, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(st.size - 4)]));
  utimesSync(model, st.atime, st.mtime);
  const again = await explainAll(cfg);
  assert.deepEqual(again.errors, []);
  const timeless = (x: typeof r) => Object.values(x.explanations).map((m) => ({ ...m!, seconds: 0 }));
  assert.deepEqual(timeless(again), timeless(r));
  assert.deepEqual(explanationRows(out, ['template', 'icl-llm']), rows);
  assert.match(again.notes!['icl-llm'], /: 3 prompts, 3 replies from the cache, 0 without a reply/);
});
