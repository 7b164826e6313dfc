// Configuration of `pretrain`, one spec (src/engine/options.ts) for the config, its defaults and its
// flags (--kv-heads ↔ kvHeads), the check of its combinations, and the Llama shape the flags make.
import { UserError } from '../engine/errors.js';
import { defaultsOf, flag, float, int, opt, req, text, type ConfigOf, type Spec } from '../engine/options.js';
import { LLAMA_DEFAULTS, resolveLlamaConfig, type LlamaConfig } from '../lm/model/config.js';

// Sized for a useful base model in about 3½ minutes on a 2-core CPU: d 256 / 4 layers / ffn 688
// (SwiGLU's 8/3·d rounded) is the project's default Llama shape; vocab 4096 halves the head and
// embedding cost of 8192 while keeping titles, years and prompt words mostly single tokens;
// 128-token windows × 16 = 2,048 tokens a step. Measured: ~3,950 tok/s, so 400 steps = 0.82M
// tokens (half an epoch of the ~1.6M-token stream) in ~207 s; 1,000 steps would take ~9 minutes.
// lr 1e-3 with 40 warm-up steps is the usual setting for a model this small and a schedule this short.
// Tied head by default: one table less, the same held-out perplexity (quick shape: 348 vs 337), and
// copying needs it (below). The copy curriculum is off by default because at this size it did not
// pay: 300 steps of 64 sequences (2.46M tokens, 1,001 s on a busy machine) left the probe at 0.
// Where it worked (quick shape, d 128 / 2 layers / vocab 1,024, tied) span copying rose to 0.98 by
// step 300 (0.00 untied), and 60 text steps erased it unless a quarter of them replayed it (0.78).
// Span windows form induction heads only at ~64 windows a step (16: none in 600 steps), lr 2e-3.
export const PRETRAIN_SPEC = {
  data: req(text('<dir>'), 'data set folder (from `recexplainer data`): item texts and tokenizer corpus'),
  out: req(text('<dir>'), 'output model folder'),
  layers: opt(4, int(1), 'decoder layers'),
  hidden: opt(256, int(2), 'hidden size'),
  heads: opt(4, int(1), 'attention heads (must divide --hidden)'),
  kvHeads: opt(4, int(1), 'key/value heads (must divide --heads)'),
  ffn: opt(688, int(1), 'SwiGLU width'),
  tied: flag('tie the output head to the token embeddings (one [V,H] table; GGUF without output.weight)', true),
  vocab: opt(4096, int(300), 'tokenizer vocabulary size (specials and 256 bytes included)'),
  seqLen: opt(128, int(2), 'tokens per training window'),
  batchSize: opt(16, int(1), 'windows per step'),
  steps: opt(400, int(1), 'optimizer steps on the text'),
  copySteps: opt(0, int(0), 'optimizer steps of the copy curriculum (repeated random spans, recalled title lists) before the text'),
  copyLr: opt(2e-3, float(0), 'peak learning rate of the curriculum (its own warm-up and decay)'),
  copyBatchSize: opt(64, int(1), 'sequences per curriculum step (micro-batches of --batch-size, gradients accumulated)'),
  copyReplay: opt(0.25, float(0, 0.9), "share of the text steps' sequences that are curriculum sequences (else the text erases copying)"),
  lr: opt(1e-3, float(0), 'peak AdamW learning rate (linear warm-up, then linear decay to 0)'),
  warmup: opt(40, int(0), 'linear warm-up steps'),
  evalEvery: opt(100, int(1), 'held-out perplexity and checkpoint every N steps'),
  seed: opt(0, int(0), 'random seed'),
  resume: flag('continue the run in --out from its last checkpoint'),
  quiet: flag('no progress bar'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export type PretrainConfig = ConfigOf<typeof PRETRAIN_SPEC>;

export const PRETRAIN_DEFAULTS = defaultsOf(PRETRAIN_SPEC);

/** Combinations the flags' own checks cannot see, as one-line UserErrors naming the flags. */
export function validatePretrainConfig(cfg: PretrainConfig): void {
  if (cfg.hidden % cfg.heads !== 0) throw new UserError(`--hidden ${cfg.hidden} is not divisible by --heads ${cfg.heads}`);
  if ((cfg.hidden / cfg.heads) % 2 !== 0)
    throw new UserError(
      `--hidden ${cfg.hidden} / --heads ${cfg.heads} = ${cfg.hidden / cfg.heads} must be even (the head size, for the rotary embedding)`,
    );
  if (cfg.copyBatchSize % cfg.batchSize !== 0)
    throw new UserError(`--copy-batch-size ${cfg.copyBatchSize} must be a multiple of --batch-size ${cfg.batchSize}`);
  if (cfg.kvHeads > cfg.heads || cfg.heads % cfg.kvHeads !== 0)
    throw new UserError(`--kv-heads ${cfg.kvHeads} must divide --heads ${cfg.heads}`);
}

/** The Llama the pretrain flags describe (with the defaults: the embedded base model's shape). */
export function pretrainLlamaConfig(
  cfg: Pick<PretrainConfig, 'vocab' | 'hidden' | 'layers' | 'heads' | 'kvHeads' | 'ffn' | 'seqLen' | 'tied'>,
): LlamaConfig {
  return resolveLlamaConfig(
    {
      vocab_size: cfg.vocab,
      hidden_size: cfg.hidden,
      num_hidden_layers: cfg.layers,
      num_attention_heads: cfg.heads,
      num_key_value_heads: cfg.kvHeads,
      intermediate_size: cfg.ffn,
      max_position_embeddings: Math.max(cfg.seqLen, LLAMA_DEFAULTS.max_position_embeddings),
      tie_word_embeddings: cfg.tied,
    },
    'pretrain flags',
  );
}
