// Configuration of the hand-off to the reference implementation (microsoft/RecAI, RecExplainer/):
// `export-job` (a training job its sft_training.py runs on GPUs) and `import-adapter` (the PEFT
// adapter it trained, back into an aligned model folder). One spec each (src/engine/options.ts):
// the config, its defaults and its flags. The training defaults are the reference's shell/train.sh.
import { choice, defaultsOf, flag, float, int, maybe, opt, req, text, type ConfigOf, type Spec } from '../../engine/options.js';
import { SOFT_CONNECTORS } from '../../lm/model/llama.js';
import { FORMS } from '../../tasks/forms.js';

/** The chat templates of the reference's src/dataset/conversation.py. */
export const REFERENCE_TEMPLATES = ['vicuna', 'mistral', 'llama-2', 'llama-3', 'phi3'] as const;

export const EXPORT_JOB_SPEC = {
  tasks: req(text('<dir>'), 'tasks folder (from `recexplainer tasks`)'),
  baseModel: req(
    text('<path>'),
    'the base LM as the GPU machine names it (HF folder or hub id, Llama architecture); checked when it is a folder here',
  ),
  out: req(text('<dir>'), 'output folder: the job to copy to the GPU machine'),
  rec: maybe(text('<dir>'), 'target model folder (default: the one the tasks were built from)'),
  mode: opt('H', choice(FORMS, '<m>'), 'B (titles), I (embeddings) or H (hybrid): which task files, and the task_type'),
  gpus: opt(8, int(1), 'GPUs per node'),
  nodes: opt(1, int(1), 'nodes (machines); with more than one, each runs the launch command with its MACHINE_RANK'),
  template: opt<(typeof REFERENCE_TEMPLATES)[number]>('vicuna', choice(REFERENCE_TEMPLATES, '<name>'), "the reference's chat template"),
  maxLength: opt(1024, int(16), 'tokens per sample (the reference pads and truncates every sample to it)'),
  loraR: opt(16, int(1), 'LoRA rank'),
  loraAlpha: opt(32, int(1), 'LoRA alpha (scale alpha/r)'),
  loraDropout: opt(0.05, float(0, 0.99), 'dropout on the adapter input'),
  lr: opt(1e-4, float(0), 'peak learning rate'),
  epochs: opt(20, int(1), 'passes over the training samples'),
  batchSize: opt(4, int(1), 'samples per GPU per step'),
  gradAccum: opt(4, int(1), 'gradient accumulation steps'),
  warmupRatio: opt(0.1, float(0, 1), 'share of the steps spent warming up'),
  seed: opt(2024, int(0), 'random seed'),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export type ExportJobConfig = ConfigOf<typeof EXPORT_JOB_SPEC>;
export const EXPORT_JOB_DEFAULTS = defaultsOf(EXPORT_JOB_SPEC);

export const IMPORT_ADAPTER_SPEC = {
  peft: req(text('<dir>'), 'the trained PEFT adapter folder (adapter_model.safetensors + adapter_config.json)'),
  job: req(text('<dir>'), 'the export-job folder it was trained from (its job.json: mode, target model, input scales)'),
  baseModel: req(text('<path>'), 'the base LM the adapter was trained on, as a model folder or .gguf here'),
  out: req(text('<dir>'), 'output folder for the aligned model'),
  projectors: maybe(
    text('<file>'),
    'safetensors file of the user/item connector weights (default: the adapter file, where PEFT saves them)',
  ),
  connector: opt<(typeof SOFT_CONNECTORS)[number]>(
    'add',
    choice(SOFT_CONNECTORS, '<how>'),
    "how connector outputs enter at <user>/<item>: add (the reference's) or replace (ours)",
  ),
  force: flag('overwrite a finished output of this command in --out'),
} satisfies Spec;

export type ImportAdapterConfig = ConfigOf<typeof IMPORT_ADAPTER_SPEC>;
export const IMPORT_ADAPTER_DEFAULTS = defaultsOf(IMPORT_ADAPTER_SPEC);
