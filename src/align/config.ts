// Configuration of the `align` stage, one spec (src/engine/options.ts) for the config, its defaults
// and its flags (--lora-r ↔ loraR, --per-task ↔ perTask), and the check of its combinations.
// Written resolved to <out>/config.json.
import { UserError } from '../engine/errors.js';
import {
  choice,
  defaultsOf,
  flag,
  float,
  int,
  list,
  maybe,
  opt,
  req,
  text,
  type ArgType,
  type ConfigOf,
  type Spec,
} from '../engine/options.js';
import { LORA_TARGETS } from '../lm/model/lora.js';
import { FORMS } from '../tasks/forms.js';
import { recSource, recSpec } from '../rec/source.js';

export const ITEM_HEADS = ['tied', 'untied'] as const;
export type ItemHead = (typeof ITEM_HEADS)[number];
export const PROJECTOR_INITS = ['apart', 'shared', 'shared-head'] as const;
export type ProjectorInit = (typeof PROJECTOR_INITS)[number];
export const PROJECTOR_DRAWS = ['random', 'linear'] as const;
export type ProjectorDraw = (typeof PROJECTOR_DRAWS)[number];

/** Comma-separated alignment task numbers, 1–7, distinct, sorted. */
export const taskNumbers: ArgType<number[]> = {
  arg: '<list>',
  parse: (v) => [...new Set(list(['1', '2', '3', '4', '5', '6', '7']).parse(v, undefined).map(Number))].sort((a, b) => a - b),
};

export const ALIGN_SPEC = {
  mode: req(choice(FORMS, '<m>'), 'B (titles), I (embeddings) or H (hybrid: training mixes the B, I and H renderings)'),
  tasks: req(text('<dir>'), 'tasks folder (from `recexplainer tasks`)'),
  baseModel: req(text('<path>'), 'base LM: model folder (from `recexplainer pretrain`) or .gguf with tokenizer.json beside it'),
  out: req(text('<dir>'), 'output folder for the aligned model'),
  ...recSpec(' (default for all these: the f the tasks were built from)'),
  loraR: opt(16, int(0), 'LoRA rank (0 = full fine-tuning, no adapters)'),
  loraAlpha: opt(32, float(0), 'LoRA alpha (scale alpha/r)'),
  loraDropout: opt(0.05, float(0, 0.99), 'dropout on the adapter input'),
  loraTargets: opt([...LORA_TARGETS], list(LORA_TARGETS), `comma-separated, of ${LORA_TARGETS.join(',')}`),
  lr: opt(1e-3, float(0), 'peak AdamW learning rate (warm-up, then linear decay)'),
  epochs: opt(2, int(1), 'passes over the samples'),
  maxSteps: opt(0, int(0), 'stop after N optimizer steps (0 = no limit)'),
  batchSize: opt(16, int(1), 'sequences per step'),
  warmup: opt(30, int(0), 'linear warm-up steps'),
  perTask: opt(0, int(0), 'at most N training samples per task, a seeded subset (0 = all)'),
  dropTasks: opt<number[]>(
    [],
    taskNumbers,
    'comma-separated task numbers (1–7) whose training samples are left out, after --per-task (the task ablation of `run --ablate`)',
  ),
  itemTokens: flag(
    "an item-token output head (E4SRec-style): each item is one extra token, its input and output rows the item projector of f's item vector; the titles in task 1, 2, 6 and 7 answers become item tokens (modes I and H)",
  ),
  itemHead: opt<ItemHead>(
    'tied',
    choice(ITEM_HEADS, '<h>'),
    "with --item-tokens: tied (an item token's output row is its input row, the item projector of f's vector) or untied (output rows from a projector of their own, starting as a copy of the item projector)",
  ),
  distill: opt(
    0,
    float(0),
    "with --item-tokens: also fit each task-1 answer's item token to f's softmax over the catalogue (the shown history excluded), each such term counting as this many answer tokens in the step's loss (0 = off)",
  ),
  distillTemperature: opt(1, float(0), "τ of f's softmax for --distill"),
  distillUsers: flag(
    "with --distill: also fit the prediction right after every <user> token to f's softmax for that user (every sample that shows one)",
  ),
  distillCites: opt(
    0,
    float(0),
    "with --distill: also fit each history title an explanation (task 7) cites in f's order to the softmax, at this τ, of f's standardised leave-one-out effects of the shown items not yet cited (0 = off; measured on the item-token row: P@3 no better, README)",
  ),
  rankMask: flag(
    'with --item-tokens: train task-2 answers without restricting each item token to the candidates not yet named (as grounded decoding restricts it)',
    true,
  ),
  itemTitle: flag(
    "with --item-tokens: answer task 4's title questions by the item's token (shown as its title) instead of in text; measured on the item-token row: title accuracy 0 → 0.81–0.83, but its explanations cite f's contributors less (P@3 0.41 → 0.34–0.35) and one of two models lost task 3 (README, Item tokens)",
  ),
  titleSpans: flag('train explanations (task 7) without <title> spans around the titles they cite, nor their loss mask', true),
  init: maybe(
    text('<dir>'),
    'start from this aligned model (fully fine-tuned, of the same --base-model, without item tokens): its weights and projectors instead of the base and new projectors',
  ),
  projectorInit: opt<ProjectorInit>(
    'apart',
    choice(PROJECTOR_INITS, '<how>'),
    "apart (the user and item projectors drawn from seeds of their own), shared (the item projector starts as a copy of the user projector, so that a <user> token's projection · an item's starts in step with f's score; measured on the item-token row: it ranks better but lost task 3, see README) or shared-head (with --item-head untied: the projectors apart, the item tokens' output rows starting as a copy of the user projector; measured: ranks like shared and still reads task 3, the full profile's item-token row)",
  ),
  projectorDraw: opt<ProjectorDraw>(
    'random',
    choice(PROJECTOR_DRAWS, '<how>'),
    "random (PyTorch's Linear init) or linear (each projector drawn starts nearly linear on the top principal directions of f's item table: GELU biased into its linear range, an orthonormal second layer, so that with --projector-init shared or shared-head a user's projection · an item's starts ≈ f's u·e; measured on the item-token row: it ranks worse than random, see README)",
  ),
  projectorSeed: maybe(int(0), "seed of the projectors' initialisation (default: --seed + 1), apart from the batch order and dropout"),
  checkpointEvery: opt(200, int(1), 'optimizer steps between checkpoints'),
  seed: opt(0, int(0), 'random seed'),
  resume: flag('continue the run in --out from its checkpoint'),
  quiet: flag('no progress bar'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export type AlignConfig = ConfigOf<typeof ALIGN_SPEC>;

export const ALIGN_DEFAULTS = defaultsOf(ALIGN_SPEC);

/** Combinations the flags' own checks cannot see, as one-line UserErrors naming the flags. */
export function validateAlignConfig(cfg: AlignConfig): void {
  if (cfg.itemTokens && cfg.mode === 'B')
    throw new UserError('--item-tokens needs --mode I or H (the item projector makes the item tokens)');
  if (cfg.itemHead !== 'tied' && !cfg.itemTokens) throw new UserError(`--item-head ${cfg.itemHead} needs --item-tokens`);
  if (cfg.itemTitle && !cfg.itemTokens) throw new UserError('--item-title needs --item-tokens (it answers by item token)');
  if (cfg.projectorInit === 'shared-head' && cfg.itemHead !== 'untied')
    throw new UserError("--projector-init shared-head needs --item-head untied (it starts the item tokens' own output rows)");
  if (cfg.distill > 0 && !cfg.itemTokens) throw new UserError(`--distill ${cfg.distill} needs --item-tokens (it fits the item-token head)`);
  if (cfg.distillUsers && !(cfg.distill > 0)) throw new UserError('--distill-users needs --distill W (its weight)');
  if (cfg.distillCites > 0 && !(cfg.distill > 0)) throw new UserError('--distill-cites needs --distill W (its weight)');
  if (!(cfg.distillTemperature > 0)) throw new UserError(`--distill-temperature must be positive, got ${cfg.distillTemperature}`);
  recSource(cfg, true);
  if (cfg.init !== undefined && (cfg.projectorSeed !== undefined || cfg.projectorInit !== 'apart' || cfg.projectorDraw !== 'random'))
    throw new UserError(
      `--init ${cfg.init} keeps that model's projectors: --projector-seed, --projector-init and --projector-draw do not apply`,
    );
  if (cfg.init !== undefined && cfg.loraR > 0)
    throw new UserError(`--init ${cfg.init} needs --lora-r 0 (it goes on training every weight of the model it starts from)`);
  if (cfg.loraR === 0) return;
  if (!(cfg.loraAlpha > 0)) throw new UserError(`--lora-alpha must be positive with --lora-r ${cfg.loraR}, got ${cfg.loraAlpha}`);
  if (cfg.loraTargets.length === 0 || new Set(cfg.loraTargets).size !== cfg.loraTargets.length) {
    throw new UserError(
      `--lora-targets must name distinct layers, at least one, with --lora-r ${cfg.loraR}; got "${cfg.loraTargets.join(',')}"`,
    );
  }
}
