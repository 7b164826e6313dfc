// A PEFT LoRA adapter folder as the reference's trainer saves it (adapter_config.json +
// adapter_model.safetensors, keys "base_model.model.<module>.lora_A.weight" / ".lora_B.weight",
// modules_to_save under their own names: "base_model.model.user_connector.0.weight",
// "base_model.model.model.embed_tokens.weight", "base_model.model.lm_head.weight"), read and
// checked against a base model: its LoRA settings as ours, its LoRA tensors under our names, and the
// other tensors sorted out; the embed_tokens / lm_head copies have the base model's rows, or two
// more where the reference appended <user> and <item> to its tokenizer (TableRows). Every mismatch
// is one line naming the file, the tensor and both shapes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UserError } from '../../engine/errors.js';
import { readSafetensors, type ReadTensor } from '../../engine/safetensors.js';
import type { Llama } from '../../lm/model/llama.js';
import { LORA_TARGETS, type LoraConfig, type LoraTarget } from '../../lm/model/lora.js';
import { CONNECTOR_MODULES } from './manifest.js';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.';
const EMBED = 'model.embed_tokens.weight';
const HEAD = 'lm_head.weight';

/** PEFT's module name of each of our LoRA targets. */
const PEFT_MODULE: Record<LoraTarget, string> = {
  q: 'q_proj',
  k: 'k_proj',
  v: 'v_proj',
  o: 'o_proj',
  gate: 'gate_proj',
  up: 'up_proj',
  down: 'down_proj',
};

export interface PeftAdapter {
  file: string; // adapter_model.safetensors
  lora: LoraConfig;
  loraTensors: Record<string, ReadTensor>; // our names ("model.layers.0.self_attn.q_proj.lora_A.weight")
  connectors: Record<string, ReadTensor>; // "user_connector.0.weight", …
  embed?: ReadTensor; // modules_to_save copies: [V,H], or [V+2,H] with <user> and <item> appended
  head?: ReadTensor;
}

/** The rows the embed_tokens / lm_head copies may have: the base model's, and withSoft where the reference appended <user>, <item> and resized. */
export interface TableRows {
  base: number;
  withSoft?: number;
}

const shape = (s: readonly number[]) => `[${s.join(', ')}]`;

/** adapter_config.json → our LoRA config; settings we cannot reproduce are one-line errors. */
function loraConfig(dir: string): LoraConfig {
  const file = join(dir, ADAPTER_CONFIG_FILE);
  if (!existsSync(file))
    throw new UserError(
      `${dir}: no ${ADAPTER_CONFIG_FILE} (not a PEFT adapter folder: bring back the trainer's output folder or one checkpoint-N/ in it)`,
    );
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new DataError({ file }, 'is not valid JSON');
  }
  const at = (field: string) => ({ file, field });
  if (c.peft_type !== 'LORA') throw new DataError(at('peft_type'), `is ${JSON.stringify(c.peft_type)}, only LORA adapters are read`);
  for (const k of ['use_rslora', 'use_dora', 'fan_in_fan_out'])
    if (c[k] === true) throw new DataError(at(k), 'is true: not supported (plain LoRA, W + (alpha/r)·B·A, only)');
  for (const k of ['rank_pattern', 'alpha_pattern'])
    if (c[k] && Object.keys(c[k] as object).length > 0) throw new DataError(at(k), 'is set: per-module ranks are not supported');
  if (c.layers_to_transform !== undefined && c.layers_to_transform !== null)
    throw new DataError(at('layers_to_transform'), 'is set: adapters on some layers only are not supported');
  if (c.bias !== undefined && c.bias !== 'none') throw new DataError(at('bias'), `is ${JSON.stringify(c.bias)}: only "none" is supported`);
  if (!Number.isInteger(c.r) || (c.r as number) < 1) throw new DataError(at('r'), 'missing or not a positive integer');
  if (typeof c.lora_alpha !== 'number' || !(c.lora_alpha > 0)) throw new DataError(at('lora_alpha'), 'missing or not a positive number');
  if (!Array.isArray(c.target_modules))
    throw new DataError(at('target_modules'), 'is not a list of module names (a pattern is not supported)');
  const byModule = new Map(LORA_TARGETS.map((t) => [PEFT_MODULE[t], t]));
  const targets = (c.target_modules as unknown[]).map((m) => {
    const t = byModule.get(String(m));
    if (!t)
      throw new DataError(at('target_modules'), `target module "${String(m)}" is not one we have (${[...byModule.keys()].join(', ')})`);
    return t;
  });
  const dropout = typeof c.lora_dropout === 'number' ? c.lora_dropout : 0;
  return { r: c.r as number, alpha: c.lora_alpha, dropout, targets: LORA_TARGETS.filter((t) => targets.includes(t)) };
}

/** Reads `dir` and checks every tensor against `base`: LoRA pairs on existing weights of matching shape, tables of `rows` rows, nothing unknown. */
export function readPeftAdapter(dir: string, base: Llama, rows: TableRows): PeftAdapter {
  const lora = loraConfig(dir);
  const file = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(file)) throw new UserError(`${dir}: no ${ADAPTER_WEIGHTS_FILE} (bring back the adapter the trainer saved)`);
  const weights = base.namedVariables();
  const out: PeftAdapter = { file, lora, loraTensors: {}, connectors: {} };
  const connectorPrefixes = Object.values(CONNECTOR_MODULES).map((m) => `${m}.`);
  for (const [key, t] of Object.entries(readSafetensors(file).tensors)) {
    const at = { file, field: key };
    if (t.dtype === 'I32') throw new DataError(at, 'integer tensor, expected floating point');
    const name = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : undefined;
    const pair = name && /^(.+)\.lora_([AB])\.weight$/.exec(name);
    if (pair) {
      const module = pair[1];
      const w = weights.get(`${module}.weight`);
      if (!w) throw new DataError(at, `adapts ${module}, which the base model (${base.cfg.num_hidden_layers} layers) does not have`);
      const kind = module.split('.').pop()!;
      if (!out.lora.targets.some((tg) => PEFT_MODULE[tg] === kind))
        throw new DataError(at, `adapts ${kind}, which ${ADAPTER_CONFIG_FILE}'s target_modules does not list`);
      const [outDim, inDim] = w.shape;
      const want = pair[2] === 'A' ? [out.lora.r, inDim] : [outDim, out.lora.r];
      if (shape(t.shape) !== shape(want))
        throw new DataError(
          at,
          `adapter for a different base shape: ${shape(t.shape)}, the base model's ${module} ${shape(w.shape)} needs ${shape(want)}`,
        );
      out.loraTensors[name] = t;
    } else if (name && connectorPrefixes.some((p) => name.startsWith(p))) out.connectors[name] = t;
    else if (name === EMBED || name === HEAD) {
      const H = base.cfg.hidden_size;
      const fits = t.shape.length === 2 && t.shape[1] === H && (t.shape[0] === rows.base || t.shape[0] === rows.withSoft);
      if (!fits) {
        const soft = rows.withSoft === undefined ? '' : ` (${shape([rows.withSoft, H])} with <user> and <item> appended)`;
        throw new DataError(
          at,
          `adapter for a different base shape: ${shape(t.shape)}, the base model's ${name} is ${shape([rows.base, H])}${soft}`,
        );
      }
      out[name === EMBED ? 'embed' : 'head'] = t;
    } else throw new DataError(at, 'unknown tensor (neither LoRA on a base weight, a user/item connector, embed_tokens nor lm_head)');
  }
  for (let i = 0; i < base.cfg.num_hidden_layers; i++)
    for (const tg of out.lora.targets)
      for (const ab of ['A', 'B']) {
        const name = `model.layers.${i}.${['gate', 'up', 'down'].includes(tg) ? 'mlp' : 'self_attn'}.${PEFT_MODULE[tg]}.lora_${ab}.weight`;
        if (!out.loraTensors[name])
          throw new DataError({ file, field: PREFIX + name }, 'missing (the adapter does not cover every layer of the base model)');
      }
  return out;
}
