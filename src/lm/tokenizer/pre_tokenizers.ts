// The pre-tokenizers of byte-level BPE vocabularies in GGUF files, by llama.cpp's name for them
// (tokenizer.ggml.pre), as Hugging Face tokenizer.json pre_tokenizer objects: each of llama.cpp's
// split regexes (src/llama-vocab.cpp, llm_tokenizer_bpe) in turn, keeping matches and the text
// between them as pieces, then the GPT-2 byte mapping. Llama 3's family also takes a word that is
// a whole token as it is (ignore_merges). An unknown name is a one-line error naming it. Back the
// other way, preTokenizerName gives the name of such a pre-tokenizer (for writing a GGUF).

const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const LLAMA3 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

interface PreSpec {
  regexes: string[];
  ignoreMerges: boolean;
}

const LLAMA3_SPEC: PreSpec = { regexes: [LLAMA3], ignoreMerges: true };
const QWEN2_SPEC: PreSpec = { regexes: [QWEN2], ignoreMerges: false };
const GPT2_SPEC: PreSpec = { regexes: [GPT2], ignoreMerges: false };

const PRE: Record<string, PreSpec> = {
  'llama-bpe': LLAMA3_SPEC,
  llama3: LLAMA3_SPEC,
  'llama-v3': LLAMA3_SPEC,
  qwen2: QWEN2_SPEC,
  'deepseek-r1-qwen': QWEN2_SPEC,
  'gpt-2': GPT2_SPEC,
  smollm: { regexes: ['\\p{N}', GPT2], ignoreMerges: false },
  default: { regexes: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'], ignoreMerges: false },
};

/** The names read here. */
export const PRE_TOKENIZERS: readonly string[] = Object.keys(PRE);

/**
 * The tokenizer.json pre_tokenizer and BPE ignore_merges for a llama.cpp pre-tokenizer name; GPT-2's
 * is a plain ByteLevel pre-tokenizer (the library's regex is GPT-2's). Undefined for an unknown name.
 */
export function preTokenizer(name: string): { pre_tokenizer: object; ignore_merges: boolean } | undefined {
  const spec = Object.hasOwn(PRE, name) ? PRE[name] : undefined;
  if (!spec) return undefined;
  if (spec === GPT2_SPEC)
    return { pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }, ignore_merges: false };
  const splits = spec.regexes.map((r) => ({ type: 'Split', pattern: { Regex: r }, behavior: 'Isolated', invert: false }));
  return {
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [...splits, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }],
    },
    ignore_merges: spec.ignoreMerges,
  };
}

/**
 * The llama.cpp name of a tokenizer.json pre_tokenizer with BPE ignore_merges: "gpt-2" for a plain
 * ByteLevel one (its regex is GPT-2's), else the first name whose preTokenizer() is exactly this;
 * undefined for any other.
 */
export function preTokenizerName(pre: unknown, ignoreMerges: boolean): string | undefined {
  const p = pre as { type?: unknown; use_regex?: unknown; add_prefix_space?: unknown } | null;
  if (p?.type === 'ByteLevel') return p.use_regex !== false && p.add_prefix_space !== true && !ignoreMerges ? 'gpt-2' : undefined;
  const key = JSON.stringify(pre);
  return PRE_TOKENIZERS.find((name) => {
    const spec = preTokenizer(name)!;
    return JSON.stringify(spec.pre_tokenizer) === key && spec.ignore_merges === ignoreMerges;
  });
}
