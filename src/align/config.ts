// Configuration of the `align` stage: one typed object, defaults commented; CLI flags map 1:1
// (--lora-r ↔ loraR, --per-task ↔ perTask). Written resolved to <out>/config.json.
import type { LoraTarget } from '../lm/model/lora.js';
import type { Form } from '../tasks/forms.js';

export interface AlignConfig {
  tasks: string; // tasks folder (from `recexplainer tasks`)
  baseModel: string; // base LM: a model folder (config.json + model.safetensors + tokenizer.json) or a .gguf with tokenizer.json beside it
  rec?: string; // target model folder for the soft tokens; default: the one <tasks>/config.json names
  out: string;
  mode: Form; // B: titles only; I: <user>/<item> embeddings; H: both (training mixes the B, I and H renderings)
  loraR: number; // adapter rank; 0 = no adapters, train every base weight (full fine-tuning); default 16
  loraAlpha: number; // scale alpha/r; default 32
  loraDropout: number; // default 0.05
  loraTargets: LoraTarget[]; // default every linear layer (q k v o gate up down)
  lr: number; // peak AdamW learning rate (warm-up, then linear decay); default 1e-3
  epochs: number; // default 2
  maxSteps: number; // stop after this many optimizer steps; 0 = no limit (default)
  batchSize: number; // sequences per step; default 16
  warmup: number; // warm-up steps; default 30
  perTask: number; // at most this many training samples per task (a seeded subset); 0 = all (default)
  checkpointEvery: number; // optimizer steps between checkpoints; default 200
  seed: number; // default 0
  resume: boolean; // continue the run in --out from its checkpoint
  quiet: boolean;
}

export const ALIGN_DEFAULTS: Readonly<Omit<AlignConfig, 'tasks' | 'baseModel' | 'out' | 'mode'>> = {
  loraR: 16, loraAlpha: 32, loraDropout: 0.05, loraTargets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
  lr: 1e-3, epochs: 2, maxSteps: 0, batchSize: 16, warmup: 30, perTask: 0, checkpointEvery: 200, seed: 0, resume: false, quiet: false,
};
