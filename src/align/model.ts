// An aligned surrogate on disk and in memory: base Llama + LoRA adapters (adapter.safetensors,
// PEFT names) + the <user>/<item> projectors (projectors.safetensors) + align.json naming the base
// model and the target model whose embeddings the projectors read, and whether projector outputs
// replace the placeholder embeddings (ours) or are added to them (imported from the reference
// implementation, src/align/handoff/). Also the unaligned base model
// with the same interface (the base-lm and icl baselines). An item-token model (align.json lists
// its item titles) gets one token per item after the text vocabulary at load: input and output
// row the item projector of f's item vector (the output row item_out_proj's with item_head
// "untied"), decoded as the item's title. A foreign base model gets
// the special tokens its vocabulary lacks appended (src/align/specials.ts); align.json records them,
// and with LoRA adapter.safetensors also holds the trained embed_tokens (and untied lm_head).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { writeJsonAtomic } from '../engine/atomic.js';
import { DataError, UserError } from '../engine/errors.js';
import { readSafetensors, writeSafetensors, type ReadTensor } from '../engine/safetensors.js';
import { tf } from '../engine/tf.js';
import { greedyDecode, type SoftTokens } from '../lm/decode/search.js';
import type { Constraint } from '../lm/decode/constraint.js';
import type { TextEngine } from '../lm/decode/text_engine.js';
import { Llama, type SoftConnector } from '../lm/model/llama.js';
import { lmWeights, setLmWeights, WEIGHTS_FILE } from '../lm/io/checkpoint.js';
import { exportWeights, importWeights } from '../engine/params.js';
import { gpt2Vocab, writeLlamaGguf } from '../lm/io/gguf_write.js';
import type { GgufWeightType } from '../lm/io/gguf_types.js';
import { readGguf } from '../lm/io/gguf_read.js';
import { unmarkTitles } from '../lm/tokenizer/chat.js';
import { tokenizerFromGguf } from '../lm/tokenizer/gguf_vocab.js';
import { loadBaseModel } from '../lm/io/load.js';
import type { LoraConfig } from '../lm/model/lora.js';
import { Projector, projectSoft, type Projectors, type SoftKind } from '../lm/model/projector.js';
import { Tokenizer } from '../lm/tokenizer/tokenizer.js';
import { openRecommender } from '../rec/open.js';
import type { RecSource } from '../rec/source.js';
import type { Form } from '../tasks/forms.js';
import type { SoftSlot } from './examples.js';
import { SoftVectors } from './soft.js';
import { checkAppended, fitVocabulary, vocabularyTables, type AppendedTokens } from './specials.js';

export const ALIGN_FORMAT = 'recexplainer-aligned/1';

/** The text an item token decodes to: its title after a space, as a title span decodes. */
const itemTokenText = (title: string): string => ` ${title}`;
export const ADAPTER_FILE = 'adapter.safetensors';
export const PROJECTORS_FILE = 'projectors.safetensors';
export const META_FILE = 'align.json';

/** align.json */
export interface AlignMeta {
  format: typeof ALIGN_FORMAT;
  mode: Form;
  base_model: string; // absolute path of the base model (.gguf file or folder)
  rec: RecSource | string | null; // f (absolute paths; a string: a train-rec folder, as older align.json files have it); null for mode B
  lora: LoraConfig | null; // null: every base weight was trained (model.safetensors holds them all)
  projector_in: number | null; // f's embedding size; null for mode B (no projectors)
  projector_scale: { user: number; item: number } | null; // fixed input scales (Projector.scale)
  steps: number;
  seconds: number;
  item_titles?: string[] | null; // item-token models: the title of item i at i − 1 (token V + i − 1)
  item_title?: true; // item-token models whose task-4 title answers are item tokens; absent: text
  item_head?: 'untied'; // item-token models whose output rows come from their own projector (item_out_proj); absent: tied
  connector?: SoftConnector; // how projector outputs enter at <user>/<item>; absent (older folders): 'replace'
  imported?: { peft: string; job: string }; // import-adapter: the PEFT adapter folder and the export-job folder
  appended_tokens?: AppendedTokens | null; // special tokens the base vocabulary lacked; absent (older folders): none
}

/** The tokenizer of a base model: <folder>/tokenizer.json; for a .gguf its embedded vocabulary (byte-level BPE or SentencePiece), else tokenizer.json beside it. */
export function baseTokenizer(path: string): Tokenizer {
  if (statSync(path).isDirectory()) {
    const file = join(path, 'tokenizer.json');
    if (!existsSync(file)) throw new UserError(`${path}: no tokenizer.json in the model folder`);
    return Tokenizer.load(file);
  }
  const beside = join(dirname(path), 'tokenizer.json');
  try {
    return tokenizerFromGguf(readGguf(path));
  } catch (e) {
    if (existsSync(beside)) return Tokenizer.load(beside);
    throw e;
  }
}

/** The soft-token vectors of align.json's f (a string: a train-rec folder), or undefined without one. */
async function softVectors(rec: AlignMeta['rec'] | undefined): Promise<SoftVectors | undefined> {
  if (!rec) return undefined;
  return new SoftVectors(await openRecommender(typeof rec === 'string' ? { kind: 'folder', dir: rec } : rec));
}

export class Surrogate {
  constructor(
    readonly model: Llama,
    readonly tok: Tokenizer,
    readonly projectors: Projectors,
    readonly vectors: SoftVectors | undefined,
    readonly meta?: AlignMeta, // absent for a base model
    readonly appended: AppendedTokens | null = null, // special tokens appended to the base vocabulary
  ) {}

  /** The unaligned base model; with `rec`, the target model whose embeddings fill soft tokens (an exported aligned model needs it). */
  static async base(baseModel: string, rec?: AlignMeta['rec']): Promise<Surrogate> {
    if (!existsSync(baseModel)) throw new UserError(`${baseModel}: no such base model`);
    const tok = baseTokenizer(baseModel);
    const model = loadBaseModel(baseModel);
    const appended = fitVocabulary(model, tok, baseModel);
    return new Surrogate(model, tok, {}, await softVectors(rec), undefined, appended);
  }

  /** align.json of an aligned model folder. */
  static readMeta(dir: string): AlignMeta {
    const metaFile = join(dir, META_FILE);
    if (!existsSync(metaFile))
      throw new UserError(`${dir}: not an aligned model folder (no ${META_FILE}); train one with \`recexplainer align\``);
    let meta: AlignMeta;
    try {
      meta = JSON.parse(readFileSync(metaFile, 'utf8')) as AlignMeta;
    } catch {
      throw new DataError({ file: metaFile }, 'is not valid JSON');
    }
    if (meta.format !== ALIGN_FORMAT)
      throw new DataError({ file: metaFile, field: 'format' }, `is ${JSON.stringify(meta.format)}, expected "${ALIGN_FORMAT}"`);
    return meta;
  }

  /** The base model an aligned model folder was trained from; undefined for an exported .gguf (its base is merged in). */
  static baseOf(path: string): string | undefined {
    return existsSync(path) && statSync(path).isFile() ? undefined : Surrogate.readMeta(path).base_model;
  }

  /** An aligned model folder written by `align`, or a .gguf written by `export-gguf` from one (projectors beside it). */
  static async load(dir: string): Promise<Surrogate> {
    if (existsSync(dir) && statSync(dir).isFile()) return Surrogate.loadExported(dir);
    const meta = Surrogate.readMeta(dir);
    const b = await Surrogate.base(meta.base_model, meta.rec ?? undefined);
    checkAppended(meta.appended_tokens, b.appended, join(dir, META_FILE));
    const s = new Surrogate(b.model, b.tok, {}, b.vectors, meta, b.appended);
    if (meta.lora) {
      s.model.enableLora(meta.lora);
      const file = join(dir, ADAPTER_FILE);
      importWeights(adapterFileVariables(s.model, s.appended), readWeights(file), file);
    } else setLmWeights(s.model, readWeights(join(dir, WEIGHTS_FILE)), join(dir, WEIGHTS_FILE));
    const file = join(dir, PROJECTORS_FILE);
    Object.assign(
      s.projectors,
      loadProjectors(meta, s.model.cfg.hidden_size, () => readWeights(file), file),
    );
    return s.withItemTokens();
  }

  /** Item tokens after the text vocabulary, when align.json lists item titles (an exported .gguf holds them already). */
  private withItemTokens(): Surrogate {
    const titles = this.meta?.item_titles;
    if (!titles) return this;
    if (!this.projectors.item || !this.vectors) throw new UserError(`${this.meta!.base_model}: item tokens need the item projector and f`);
    if (this.vectors.rec.nItems !== titles.length)
      throw new UserError(`the aligned model has ${titles.length} item tokens, the target model ${this.vectors.rec.nItems} items`);
    const first = this.model.cfg.vocab_size;
    const table = this.vectors.itemTable();
    const rows = tf.tidy(() => this.projectors.item!.forward(table));
    const out = this.projectors.itemOut ? tf.tidy(() => this.projectors.itemOut!.forward(table)) : rows;
    this.model.appendTokens(rows, out);
    tf.dispose([table, rows, out]);
    const tok = this.tok.withTokens(first, titles.map(itemTokenText));
    return new Surrogate(this.model, tok, this.projectors, this.vectors, this.meta, this.appended);
  }

  /** An aligned model's name in reports: recexplainer-<mode>, "+items" with item tokens. */
  get name(): string {
    return Surrogate.nameOf(this.meta);
  }

  /** The name of the model an align.json describes (base-lm without one), read without loading it. */
  static nameOf(meta?: AlignMeta): string {
    if (!meta) return 'base-lm';
    return `recexplainer-${meta.mode.toLowerCase()}${meta.item_titles?.length ? '+items' : ''}`;
  }

  /** The first item token (item id i is token itemFirst + i − 1), or undefined without item tokens. */
  get itemFirst(): number | undefined {
    const n = this.meta?.item_titles?.length;
    return n ? this.model.cfg.vocab_size - n : undefined;
  }

  /** Whether task 4's title answers are item tokens (align --item-tokens --item-title). */
  get itemTitle(): boolean {
    return this.itemFirst !== undefined && this.meta?.item_title === true;
  }

  /** How projector outputs enter the input at <user>/<item> positions. */
  get connector(): SoftConnector {
    return this.meta?.connector ?? 'replace';
  }

  /** Writes adapter.safetensors (with the vocabulary tables when tokens were appended; or, fully fine-tuned, model.safetensors), projectors.safetensors (when any) and align.json. */
  save(
    dir: string,
    meta: Omit<AlignMeta, 'format' | 'lora' | 'projector_in' | 'projector_scale' | 'connector' | 'appended_tokens'> & {
      connector: SoftConnector;
    },
  ): void {
    if (this.model.lora)
      writeSafetensors(join(dir, ADAPTER_FILE), exportWeights(adapterFileVariables(this.model, this.appended)), { format: 'pt' });
    else writeSafetensors(join(dir, WEIGHTS_FILE), lmWeights(this.model), { format: 'pt' });
    const projVars = this.projectorVariables();
    if (projVars.length) writeSafetensors(join(dir, PROJECTORS_FILE), exportWeights(projVars), { format: 'pt' });
    writeJsonAtomic(join(dir, META_FILE), {
      format: ALIGN_FORMAT,
      ...meta,
      base_model: resolve(meta.base_model),
      rec: typeof meta.rec === 'string' ? resolve(meta.rec) : meta.rec,
      lora: this.model.lora ?? null,
      projector_in: this.projectors.user?.inDim ?? this.projectors.item?.inDim ?? null,
      projector_scale:
        this.projectors.user && this.projectors.item ? { user: this.projectors.user.scale, item: this.projectors.item.scale } : null,
      appended_tokens: this.appended,
    } satisfies AlignMeta);
  }

  /** An exported aligned model: the merged .gguf plus <stem>.projectors.safetensors (whose metadata holds the rest of align.json). */
  static async loadExported(gguf: string): Promise<Surrogate> {
    const side = projectorsSideFile(gguf);
    const s = await Surrogate.base(gguf);
    if (!existsSync(side)) return s;
    const file = readSafetensors(side);
    const raw = file.metadata.align;
    let meta: AlignMeta;
    try {
      meta = JSON.parse(raw ?? '') as AlignMeta;
    } catch {
      throw new DataError({ file: side, field: '__metadata__.align' }, 'missing or not JSON (not written by export-gguf?)');
    }
    const projectors = loadProjectors(meta, s.model.cfg.hidden_size, () => file.tensors, side);
    return new Surrogate(s.model, s.tok, projectors, await softVectors(meta.rec), {
      ...meta,
      base_model: resolve(gguf),
      lora: null,
    });
  }

  /** Writes the model with LoRA merged as a GGUF (F32, F16 or a quantised type, with its vocabulary) and the projectors beside it; returns the side file. */
  exportGguf(file: string, type: GgufWeightType): string {
    const merged = new Llama(this.model.cfg);
    try {
      this.model.adapters().forEach((a) => a.merge());
      const adapters = new Set(adapterVariables(this.model));
      setLmWeights(merged, exportWeights(this.model.variables().filter((v) => !adapters.has(v))), file);
      writeLlamaGguf(file, merged, { type, tokenizer: gpt2Vocab(this.tok) });
    } finally {
      this.model.adapters().forEach((a) => a.unmerge());
      merged.dispose();
    }
    const side = projectorsSideFile(file);
    writeSafetensors(side, exportWeights(this.projectorVariables()), { format: 'pt', align: JSON.stringify(this.meta ?? null) });
    return side;
  }

  private projectorVariables(): Variable[] {
    return Object.values(this.projectors).flatMap((p) => p.variables());
  }

  /**
   * Greedy continuations of one batch of prompts (soft tokens filled, each under its constraint if any), as trimmed text
   * without title markers; at most `want` new tokens, fewer where the context ends. A text-only engine (llama.cpp) decodes
   * instead of our model when given (the prompts then carry no soft tokens).
   */
  generate(
    prompts: readonly { ids: readonly number[]; soft: readonly SoftSlot[]; constraint?: Constraint }[],
    want: number,
    engine?: TextEngine,
  ): string[] {
    const soft = this.softTokens(prompts.map((p) => p.soft));
    try {
      const longest = Math.max(...prompts.map((p) => p.ids.length));
      const maxNewTokens = Math.max(1, Math.min(want, this.maxPositions(engine) - longest));
      return greedyDecode(engine ?? this.model, prompts, { maxNewTokens, eosId: this.tok.special.eos }, soft).map((ids) =>
        unmarkTitles(this.tok.decode(ids)).trim(),
      );
    } finally {
      soft?.vectors.dispose();
    }
  }

  /** Prompt + generated tokens at most: the model's context, or the engine's when that is shorter. */
  maxPositions(engine?: TextEngine): number {
    return Math.min(this.model.cfg.max_position_embeddings, engine?.maxPositions ?? Infinity);
  }

  /** Projected soft-token vectors for decoding: slots of prompt b → (b, position), vectors [N,H]. */
  softTokens(perPrompt: readonly (readonly SoftSlot[])[]): SoftTokens | undefined {
    let slots: [number, number][] = [];
    const vectors = tf.tidy(() => {
      const r = projectSoft(this.projectors, perPrompt, (b) => `prompt ${b} of the batch`);
      slots = r?.slots ?? [];
      return r?.vectors;
    });
    return vectors ? { slots, vectors, connector: this.connector } : undefined;
  }

  dispose(): void {
    this.model.dispose();
    Object.values(this.projectors).forEach((p) => p.dispose());
  }
}

/**
 * Fresh user and item projectors d → hidden of the LM, with their input scales; the item one from
 * seed + 1, or (shared) a copy of the user one. With `directions` (principalDirections) each one
 * drawn starts nearly linear on them (Projector.startLinear), from its own seed.
 */
export function newProjectors(
  inDim: number,
  hidden: number,
  seed: number,
  scale: { user: number; item: number },
  shared = false,
  directions?: Tensor,
): Record<SoftKind, Projector> {
  const draw = (s: number, name: string, sc: number) => {
    const p = new Projector(inDim, hidden, s, name, sc);
    return directions ? p.startLinear(directions, s) : p;
  };
  const user = draw(seed, 'user_proj', scale.user);
  return { user, item: shared ? user.copyAs('item_proj', scale.item) : draw(seed + 1, 'item_proj', scale.item) };
}

/** x.gguf → x.projectors.safetensors */
export function projectorsSideFile(gguf: string): string {
  return gguf.replace(/\.gguf$/i, '') + '.projectors.safetensors';
}

/** The LoRA variables (their checkpoint names are PEFT's). */
function adapterVariables(model: Llama): Variable[] {
  return model.adapters().flatMap((a) => a.variables());
}

/** What adapter.safetensors holds: the LoRA variables, and the vocabulary tables when special tokens were appended (trained beside them). */
function adapterFileVariables(model: Llama, appended: AppendedTokens | null): Variable[] {
  return [...adapterVariables(model), ...(appended ? vocabularyTables(model) : [])];
}

/** The tensors of a weights file of an aligned model folder. */
function readWeights(file: string): Record<string, ReadTensor> {
  if (!existsSync(file)) throw new UserError(`${file}: missing (an incomplete aligned model folder?)`);
  return readSafetensors(file).tensors;
}

/** The projectors align.json describes, with their weights from `tensors()` (read only when there are projectors). */
function loadProjectors(meta: AlignMeta, hidden: number, tensors: () => Record<string, ReadTensor>, file: string): Projectors {
  if (meta.projector_in === null) return {};
  const ps: Projectors = newProjectors(meta.projector_in, hidden, 0, meta.projector_scale ?? { user: 1, item: 1 });
  if (meta.item_head === 'untied') ps.itemOut = new Projector(meta.projector_in, hidden, 0, 'item_out_proj', ps.item!.scale); // weights below
  importWeights(
    Object.values(ps).flatMap((p) => p.variables()),
    tensors(),
    file,
  );
  return ps;
}
