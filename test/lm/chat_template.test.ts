// A model's own chat template: a Qwen-style ChatML and a Llama 3 template rendered exactly as
// apply_chat_template renders them; the ids of a conversation in that layout (markup specials as
// their ids, soft tokens, loss mask on answers and the end-of-turn token, which becomes the role eos;
// nothing after a final answer), their text equal to the rendering; title spans in an answer;
// templates from tokenizer_config.json and from a written GGUF; one-line errors for templates that
// cannot be used.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { UserError } from '../../src/engine/errors.js';
import { parseGguf } from '../../src/lm/io/gguf_read.js';
import { encodeLlamaGguf, gpt2Vocab } from '../../src/lm/io/gguf_write.js';
import { Llama } from '../../src/lm/model/llama.js';
import { bpeTokenizerJson, countWords, trainBpe } from '../../src/lm/tokenizer/bpe.js';
import { promptIds, renderChat, renderConversation, responseIds, titleIds } from '../../src/lm/tokenizer/chat.js';
import { tokenizerFromGguf } from '../../src/lm/tokenizer/gguf_vocab.js';
import { Tokenizer } from '../../src/lm/tokenizer/tokenizer.js';

before(async () => {
  await initEngine({ backend: 'wasm' });
});

const QWEN =
  "{%- for message in messages %}{%- if loop.first and messages[0]['role'] != 'system' %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}" +
  "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
const LLAMA3 =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}" +
  '{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}' +
  "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

const TEXTS = ['You are a helpful assistant.', 'user assistant system', 'Would you like Heat? Yes, Heat (1995) is great. Hello! Hi. Bye.'];

/** A small byte-level BPE tokenizer whose first ids are the given special tokens, with a config. */
function tokenizer(specials: string[], config: Record<string, unknown>): Tokenizer {
  const words = new Map<string, number>();
  for (const t of TEXTS) countWords(words, t);
  const spec = specials.map((content) => ({ content }));
  return new Tokenizer(bpeTokenizerJson(trainBpe({ words, vocabSize: 300, specials: spec, minCount: 1 }), spec), config);
}

const chatml = tokenizer(['<|endoftext|>', '<|im_start|>', '<|im_end|>'], {
  chat_template: QWEN,
  bos_token: null,
  eos_token: '<|endoftext|>',
});
const llama3 = tokenizer(['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'], {
  chat_template: LLAMA3,
  bos_token: '<|begin_of_text|>',
  eos_token: '<|end_of_text|>',
});

test('templates render exactly as apply_chat_template: Qwen-style ChatML (default system turn) and Llama 3', () => {
  const conversation = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!' },
    { role: 'user', content: 'Bye' },
  ] as const;
  assert.equal(
    chatml.chatTemplate!.render(conversation, true),
    '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n' +
      '<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.equal(
    llama3.chatTemplate!.render(conversation, true),
    '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>' +
      '<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  );
  assert.equal(
    llama3.chatTemplate!.render(conversation.slice(0, 2), false),
    '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>',
  );
});

test('ChatML ids: markup specials, soft tokens, loss on the answer and <|im_end|> (the role eos); text = the rendering', () => {
  const id = (s: string) => chatml.json.added_tokens.find((t) => t.content === s)!.id;
  const enc = (s: string) => chatml.encode(s);
  assert.equal(chatml.special.eos, id('<|im_end|>'), 'an answer ends with the end of the turn, not <|endoftext|>');
  const prompt = 'Would <user> like <item>?';
  const { ids, lossMask } = renderChat(chatml, prompt, 'Yes');
  const head = [
    id('<|im_start|>'),
    ...enc('system\nYou are a helpful assistant.'),
    id('<|im_end|>'),
    ...enc('\n'),
    id('<|im_start|>'),
    ...enc('user\nWould '),
    chatml.special.user,
    ...enc(' like '),
    chatml.special.item,
    ...enc('?'),
    id('<|im_end|>'),
    ...enc('\n'),
    id('<|im_start|>'),
    ...enc('assistant\n'),
  ];
  const answer = [...enc('Yes'), id('<|im_end|>')];
  assert.deepEqual(ids, [...head, ...answer]);
  assert.deepEqual(lossMask, [...head.map(() => 0), ...answer.map(() => 1)]);
  assert.deepEqual(promptIds(chatml, prompt), head);
  assert.deepEqual(ids.slice(head.length), [...responseIds(chatml, 'Yes'), chatml.special.eos]); // as training examples assume
  const text = chatml.chatTemplate!.render(
    [
      { role: 'user', content: prompt },
      { role: 'assistant', content: 'Yes' },
    ],
    false,
  );
  assert.equal(chatml.decode(ids), text.slice(0, -1), 'the same text, up to the end token');

  const turns = [{ user: 'Hi', assistant: 'Hello!' }, { user: 'Bye' }];
  const conv = renderConversation(chatml, turns);
  const messages = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!' },
    { role: 'user', content: 'Bye' },
  ] as const;
  assert.equal(chatml.decode(conv.ids), chatml.chatTemplate!.render(messages, true));
  assert.equal(chatml.decode(conv.ids.filter((_, i) => conv.lossMask[i])), 'Hello!<|im_end|>');
});

test('Llama 3 ids: <|begin_of_text|> from the template, <|eot_id|> ends answers; a title span in an answer', () => {
  const id = (s: string) => llama3.json.added_tokens.find((t) => t.content === s)!.id;
  assert.deepEqual([llama3.special.bos, llama3.special.eos], [id('<|begin_of_text|>'), id('<|eot_id|>')]);
  const { ids, lossMask } = renderChat(llama3, 'Hi', 'I liked <title>Heat (1995)</title>.');
  const head = [
    id('<|begin_of_text|>'),
    id('<|start_header_id|>'),
    ...llama3.encode('user'),
    id('<|end_header_id|>'),
    ...llama3.encode('\n\nHi'),
    id('<|eot_id|>'),
    id('<|start_header_id|>'),
    ...llama3.encode('assistant'),
    id('<|end_header_id|>'),
    ...llama3.encode('\n\n'),
  ];
  const answer = [
    ...llama3.encode('I liked'),
    llama3.special.titleOpen,
    ...titleIds(llama3, 'Heat (1995)'),
    llama3.special.titleClose,
    ...llama3.encode('.'),
    id('<|eot_id|>'),
  ];
  assert.deepEqual(ids, [...head, ...answer]);
  assert.deepEqual(lossMask, [...head.map(() => 0), ...answer.map(() => 1)]);
  assert.deepEqual(titleIds(llama3, 'Heat (1995)'), llama3.encode(' Heat (1995)'));
});

test('templates from tokenizer_config.json (a named list: "default") and from a written GGUF, with the same ids', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-template-'));
  mkdirSync(join(dir, 'hf'));
  chatml.save(join(dir, 'hf', 'tokenizer.json'));
  writeFileSync(
    join(dir, 'hf', 'tokenizer_config.json'),
    JSON.stringify({
      chat_template: [
        { name: 'tool_use', template: 'x' },
        { name: 'default', template: QWEN },
      ],
      eos_token: '<|endoftext|>',
    }),
  );
  const loaded = Tokenizer.load(join(dir, 'hf', 'tokenizer.json'));
  assert.equal(loaded.chatTemplate?.source, QWEN);
  assert.deepEqual(renderChat(loaded, 'Hi <user>', 'Yes'), renderChat(chatml, 'Hi <user>', 'Yes'));
  const vocab = gpt2Vocab(chatml);
  assert.equal(vocab.chatTemplate, QWEN);
  const m = new Llama({
    vocab_size: chatml.vocabSize,
    hidden_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 2,
    intermediate_size: 8,
  });
  const fromGguf = tokenizerFromGguf(parseGguf(encodeLlamaGguf(m, { tokenizer: vocab }), 'chat.gguf'));
  m.dispose();
  assert.equal(fromGguf.chatTemplate?.source, QWEN);
  assert.deepEqual(renderChat(fromGguf, 'Hi <user>', 'Yes'), renderChat(chatml, 'Hi <user>', 'Yes'));
});

test('templates that cannot be used: one-line UserErrors', () => {
  const specials = ['<|im_start|>', '<|im_end|>'];
  for (const [template, pattern] of [
    ['{% for m in messages %}{{ m.content }', /chat template: /],
    [
      "{% for m in messages %}{{ m.role + ': ' + m.content + '\\n' }}{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}",
      /an answer is followed by "\\n", not by a special token/,
    ],
    [
      "{% for m in messages %}{{ '<|im_start|>' + m.content + '<|im_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>' }}{{ raise_exception('no') }}{% endif %}",
      /chat template: no/,
    ],
    [
      "{% for m in messages|reverse %}{{ '<|im_start|>' + m.content + '<|im_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>' }}{% endif %}",
      /generation prompt is not what precedes an answer/,
    ],
  ] as const)
    assert.throws(
      () => tokenizer(specials, { chat_template: template }),
      (e: unknown) => e instanceof UserError && pattern.test(e.message) && !e.message.includes('\n'),
      template,
    );
});
