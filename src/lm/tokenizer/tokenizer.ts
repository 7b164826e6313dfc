// Tokenizer over any Hugging Face tokenizer.json (ours, or a user's GPT-2/Llama-style BPE) through
// @huggingface/tokenizers. encode() is plain text only: it never yields a special id, not even for
// a literal "<user>". The SPECIALS roles always exist: a user's file gets the missing ones appended
// after its last id, <user> and <item> first (as the reference implementation's add_special_tokens
// appends them), and `appended` names them.
// A chat_template in the config (tokenizer_config.json's, or a GGUF's) becomes chatTemplate, and
// then the role eos is the token that ends the template's assistant turns (the answer's end).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeJsonAtomic } from '../../engine/atomic.js';
import { DataError } from '../../engine/errors.js';
import { ChatTemplate, chatTemplateSource } from './chat_template.js';
import {
  bpeTokenizerJson,
  countWords,
  hf,
  trainBpe,
  type ByteLevelPre,
  type HfTokenizer,
  type SpecialSpec,
  type TokenizerJson,
} from './bpe.js';

/** The special tokens every tokenizer here has, by role; chat turn markers included. */
export const SPECIALS = {
  pad: '<pad>',
  bos: '<s>',
  eos: '</s>', // ends a response: the LM learns to emit it
  user: '<user>', // soft token: its input vector comes from the user projector
  item: '<item>',
  userTurn: 'USER:',
  assistantTurn: 'ASSISTANT:',
  titleOpen: '<title>', // an item title follows (a span a decoder can hold to the catalogue), up to titleClose
  titleClose: '</title>',
} as const;
export type SpecialRole = keyof typeof SPECIALS;
const ROLES = Object.keys(SPECIALS) as SpecialRole[];

/** The order in which missing roles are appended: the soft tokens first, then as SPECIALS lists them. */
const APPEND_ORDER: readonly SpecialRole[] = ['user', 'item', ...ROLES.filter((r) => r !== 'user' && r !== 'item')];

/** Roles that absorb the whitespace on their left, so "reads: <user>." costs no lone-space token. */
const LSTRIP: ReadonlySet<SpecialRole> = new Set(['user', 'item', 'userTurn', 'assistantTurn', 'titleOpen']);

/** The specials our trained tokenizers reserve, ids 0–8 in this order. */
export const DEFAULT_SPECIALS: readonly SpecialSpec[] = ROLES.map((r) => ({ content: SPECIALS[r], lstrip: LSTRIP.has(r) }));

/** Other names tokenizers use for a role; a sibling tokenizer_config.json (bos_token, …) comes first. */
const ALIASES: Partial<Record<SpecialRole, string[]>> = {
  bos: ['<|begin_of_text|>', '<|endoftext|>'],
  eos: ['<|end_of_text|>', '<|endoftext|>'],
};
const CONFIG_KEYS: Partial<Record<SpecialRole, string>> = { pad: 'pad_token', bos: 'bos_token', eos: 'eos_token' };

const CACHE_MAX = 200_000; // words kept in the word → ids cache before it is cleared
const CACHE_WORD = 64; // longer pre-tokens (whole texts when there is no pre-tokenizer) are not cached

export class Tokenizer {
  readonly json: TokenizerJson; // what save() writes: the input plus any appended specials
  readonly special: Readonly<Record<SpecialRole, number>>;
  readonly unk: number | undefined;
  readonly vocabSize: number; // highest id + 1
  /** The roles missing from the input, appended at ids vocabSize − appended.length, …, in that order (their contents). */
  readonly appended: readonly string[];
  /** The pipeline itself puts a space ("Ġ"/"▁") before a text, so callers must not add one. */
  readonly prefixSpace: boolean;
  /** The model's own chat layout, when its tokenizer carries one (chat.ts renders prompts with it). */
  readonly chatTemplate: ChatTemplate | undefined;
  private readonly hf: HfTokenizer;
  /** A plain ByteLevel pre-tokenizer's regex: text splits before the (slow) byte mapping, and the cache keys on raw pieces. */
  private readonly split: RegExp | undefined;
  private readonly specialIds: Set<number>;
  private readonly cache = new Map<string, number[]>();

  /** config: the fields of a tokenizer_config.json that name roles (bos_token, eos_token, pad_token), and chat_template. */
  constructor(
    json: TokenizerJson,
    private readonly config: Record<string, unknown> = {},
  ) {
    const template = chatTemplateSource(config.chat_template);
    this.chatTemplate =
      template === undefined
        ? undefined
        : new ChatTemplate(
            template,
            { bos_token: roleContent(json, config, 'bos'), eos_token: roleContent(json, config, 'eos') },
            (json.added_tokens ?? []).filter((t) => t.special).map((t) => t.content),
          );
    const roles = this.chatTemplate ? { ...config, eos_token: this.chatTemplate.end } : config;
    ({ json: this.json, appended: this.appended } = withRoles(json, roles));
    this.hf = new hf.Tokenizer(this.json, {});
    const pre = this.hf.pre_tokenizer as unknown as ByteLevelPre | null;
    this.split =
      (this.json.pre_tokenizer as { type?: string } | null)?.type === 'ByteLevel' && pre?.use_regex && !pre.add_prefix_space
        ? pre.pattern
        : undefined;
    const byContent = new Map(this.json.added_tokens.map((t) => [t.content, t.id]));
    const special = {} as Record<SpecialRole, number>;
    for (const r of ROLES) special[r] = byContent.get(roleContent(this.json, roles, r)) as number;
    this.special = special;
    this.specialIds = new Set(this.json.added_tokens.filter((t) => t.special).map((t) => t.id));
    for (const id of Object.values(special)) this.specialIds.add(id);
    const unk = this.json.model.unk_token;
    this.unk = typeof unk === 'string' ? this.hf.token_to_id(unk) : undefined;
    this.vocabSize = maxId(this.json) + 1;
    this.prefixSpace = addsPrefixSpace(this.json.normalizer) || addsPrefixSpace(this.json.pre_tokenizer);
  }

  /** Reads a tokenizer.json, and the tokenizer_config.json beside it when there is one. */
  static load(file: string): Tokenizer {
    const json = readJson(file) as TokenizerJson;
    if (json === null || typeof json !== 'object' || typeof json.model?.vocab !== 'object')
      throw new DataError({ file, field: 'model.vocab' }, 'missing: not a Hugging Face tokenizer.json');
    const cfgFile = join(dirname(file), 'tokenizer_config.json');
    const config = existsSync(cfgFile) ? (readJson(cfgFile) as Record<string, unknown>) : {};
    try {
      return new Tokenizer(json, config);
    } catch (e) {
      throw new DataError({ file }, (e as Error).message);
    }
  }

  /** This tokenizer with special tokens `contents` at ids first, first + 1, … (e.g. item tokens, decoded as their titles). */
  withTokens(first: number, contents: readonly string[]): Tokenizer {
    if (!(Number.isInteger(first) && first >= this.vocabSize))
      throw new RangeError(`withTokens: first id ${first} is inside the vocabulary [0, ${this.vocabSize})`);
    const json = structuredClone(this.json);
    contents.forEach((content, k) =>
      json.added_tokens.push({
        id: first + k,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      }),
    );
    return new Tokenizer(json, this.config);
  }

  save(file: string): void {
    writeJsonAtomic(file, this.json);
  }

  /** Plain text → ids; specials are never produced (a literal "<user>" is spelled out). */
  encode(text: string): number[] {
    const ids: number[] = [];
    const norm = this.hf.normalizer ? this.hf.normalizer(text) : text;
    if (!norm) return ids;
    const words = this.split ? (norm.match(this.split) ?? []) : this.preTokenize(norm);
    for (const w of words) {
      let part = this.cache.get(w);
      if (!part) {
        part = this.encodeWords(this.split ? this.preTokenize(w) : [w]);
        if (w.length <= CACHE_WORD) {
          if (this.cache.size >= CACHE_MAX) this.cache.clear();
          this.cache.set(w, part);
        }
      }
      for (const id of part) ids.push(id);
    }
    return ids;
  }

  /** Ids → text, specials written as their content; invalid UTF-8 (a cut character) becomes U+FFFD. */
  decode(ids: readonly number[]): string {
    for (const id of ids)
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize)
        throw new RangeError(`decode: id ${id} outside the vocabulary [0, ${this.vocabSize})`);
    return ids.length === 0 ? '' : this.hf.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  idToToken(id: number): string | undefined {
    return this.hf.id_to_token(id);
  }

  private preTokenize(text: string): string[] {
    return this.hf.pre_tokenizer ? this.hf.pre_tokenizer(text, { section_index: 0 }) : [text];
  }

  /** Pre-tokens through the BPE model; a piece that came out as a special is re-spelled by character. */
  private encodeWords(words: string[]): number[] {
    const model = this.hf.model;
    const ids: number[] = [];
    for (const t of model(words)) {
      const id = model.tokens_to_ids.get(t) as number;
      if (!this.specialIds.has(id)) ids.push(id);
      else for (const c of model(Array.from(t))) ids.push(model.tokens_to_ids.get(c) as number);
    }
    return ids;
  }
}

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new DataError({ file }, 'file not found');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError({ file }, `invalid JSON: ${(e as Error).message}`);
  }
}

/** The content that plays a role: the config's name for it, a known alias present in the file, or ours. */
function roleContent(json: TokenizerJson, config: Record<string, unknown>, role: SpecialRole): string {
  const fromConfig = config[CONFIG_KEYS[role] ?? ''];
  const named = typeof fromConfig === 'string' ? fromConfig : (fromConfig as { content?: unknown } | null)?.content;
  if (typeof named === 'string' && named) return named;
  const present = new Set(json.added_tokens.map((t) => t.content));
  return (ALIASES[role] ?? []).find((a) => present.has(a)) ?? SPECIALS[role];
}

/** A copy of json where every role is an added special token (reusing a vocab id when the text has one), and the roles appended after its last id. */
function withRoles(json: TokenizerJson, config: Record<string, unknown>): { json: TokenizerJson; appended: string[] } {
  const out = structuredClone(json);
  out.added_tokens ??= [];
  const appended: string[] = [];
  let next = maxId(out) + 1;
  for (const r of APPEND_ORDER) {
    const content = roleContent(out, config, r);
    const added = out.added_tokens.find((t) => t.content === content);
    if (added) {
      added.special = true;
      continue;
    }
    let id = out.model.vocab[content];
    if (id === undefined) ((id = next++), appended.push(content));
    out.added_tokens.push({ id, content, single_word: false, lstrip: LSTRIP.has(r), rstrip: false, normalized: false, special: true });
  }
  return { json: out, appended };
}

function maxId(json: TokenizerJson): number {
  let max = -1;
  for (const id of Object.values(json.model.vocab)) max = Math.max(max, id);
  for (const t of json.added_tokens) max = Math.max(max, t.id);
  return max;
}

/** Whether a normalizer / pre-tokenizer config puts a space or "▁" in front of the text. */
function addsPrefixSpace(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  const n = node as Record<string, unknown>;
  switch (n.type) {
    case 'Sequence':
      return [n.normalizers, n.pretokenizers].some((list) => Array.isArray(list) && list.some(addsPrefixSpace));
    case 'Prepend':
      return true;
    case 'ByteLevel':
      return n.add_prefix_space === true;
    case 'Metaspace':
      return n.prepend_scheme !== undefined ? n.prepend_scheme !== 'never' : n.add_prefix_space !== false;
    default:
      return false;
  }
}

/** A training text, optionally counted `weight` times (domain text weighs more than general text). */
export type TrainingText = string | { text: string; weight: number };

export interface TrainTokenizerOptions {
  texts: Iterable<TrainingText>;
  vocabSize: number; // total, specials and the 256 byte tokens included
  specials?: readonly SpecialSpec[]; // default DEFAULT_SPECIALS (ids 0–8)
  minCount?: number; // a pair seen fewer times is never merged (default 2)
}

/**
 * Trains a byte-level BPE tokenizer; deterministic for the same texts and options. This is the
 * default model's tokenizer, rather than a pruned standard vocabulary: none can be fetched offline,
 * and one trained on our corpus makes titles, years and " | " lists short while any byte stays encodable.
 */
export function trainTokenizer(opts: TrainTokenizerOptions): Tokenizer {
  const specials = opts.specials ?? DEFAULT_SPECIALS;
  const words = new Map<string, number>();
  for (const t of opts.texts) {
    if (typeof t === 'string') countWords(words, t);
    else countWords(words, t.text, t.weight);
  }
  return new Tokenizer(bpeTokenizerJson(trainBpe({ words, vocabSize: opts.vocabSize, specials, minCount: opts.minCount }), specials));
}
