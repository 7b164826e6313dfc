// The `align` stage: LoRA adapters on the base LM plus (modes I and H) the <user>/<item> projectors,
// trained on the training samples of one form with loss on the responses; a checkpoint every
// checkpointEvery steps (--resume continues bit-exactly); writes the aligned model folder
// (src/align/model.ts), train_log.jsonl, loss.svg and metrics.json. Special tokens a foreign base
// lacks are appended (src/align/specials.ts); with LoRA, the vocabulary tables then train too.
// --init starts from an aligned model's weights and projectors instead of the base's and new ones.
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { initEngine } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';
import { tf } from '../engine/tf.js';
import { RunFolder } from '../engine/run_folder.js';
import { trainLm, type LmExample, type LmLogEntry } from '../lm/train/train.js';
import { openRecommender } from '../rec/open.js';
import { recSource } from '../rec/source.js';
import { lineChart } from '../report/svg.js';
import type { TaskRecord } from '../tasks/forms.js';
import { ALIGN_DEFAULTS, validateAlignConfig, type AlignConfig } from './config.js';
import { RefusedCitation, trainingExample, type TitleSpans } from './examples.js';
import { readDataset } from '../data/dataset.js';
import { titlesById } from '../data/text_forms.js';
import { newProjectors, Surrogate } from './model.js';
import { readTaskRecords, taskFile, tasksSources } from '../tasks/records.js';
import { principalDirections } from './directions.js';
import { SoftVectors } from './soft.js';
import { withTeachers } from './teacher.js';
import { vocabularyTables } from './specials.js';

export interface AlignMetrics {
  mode: string;
  samples: Record<string, number>; // training samples per task
  too_long: number; // training samples skipped: longer than the model's context
  refused: number; // task-7 samples skipped: the decoding constraint refuses their citations
  tokens: number; // tokens per epoch (prompt + response)
  steps: number;
  seconds: number;
  final_loss: number; // mean of the last 20 steps
  trainable_params: number;
}

/** At most `perTask` records of each task, a seeded subset in file order; 0 keeps all. */
export function capPerTask(records: readonly TaskRecord[], perTask: number, seed: number): TaskRecord[] {
  if (perTask <= 0) return [...records];
  const byTask = new Map<number, number[]>();
  records.forEach((r, i) => byTask.set(r.task, [...(byTask.get(r.task) ?? []), i]));
  const rng = new Rng(seed);
  const keep = new Set([...byTask.values()].flatMap((idx) => rng.shuffle([...idx]).slice(0, perTask)));
  return records.filter((_, i) => keep.has(i));
}

/** What the explanations of a tasks folder may cite in title spans. */
export function titleSpansOf(tasks: string): TitleSpans {
  const src = tasksSources(tasks);
  return { titles: titlesById(readDataset(src.data).items), maxHistory: src.maxHistory };
}

/** --init: the aligned model to go on from, checked against this run's base (validateAlignConfig has checked --lora-r 0). */
async function startFrom(init: string, baseModel: string): Promise<Surrogate> {
  const meta = Surrogate.readMeta(init);
  if (resolve(meta.base_model) !== resolve(baseModel))
    throw new UserError(`--init ${init}: aligned from the base ${meta.base_model}, not --base-model ${baseModel}`);
  if (meta.lora) throw new UserError(`--init ${init}: holds LoRA adapters; it must be fully fine-tuned (align --lora-r 0)`);
  if (meta.item_titles?.length) throw new UserError(`--init ${init}: has item tokens; it must be a model without them`);
  return Surrogate.load(init);
}

export async function align(cfg: AlignConfig): Promise<AlignMetrics> {
  validateAlignConfig(cfg);
  await initEngine({ backend: 'auto' });
  const folder = new RunFolder(cfg.out, 'an alignment run', 'align');
  folder.open(cfg.resume, cfg, cfg.force, ALIGN_DEFAULTS);
  folder.writeConfig(cfg);

  const file = taskFile(cfg.tasks, 'train', cfg.mode);
  const dropped = new Set(cfg.dropTasks);
  // dropped after the cap, so the other tasks keep exactly the samples of a run that drops none
  const capped = capPerTask(readTaskRecords(file), cfg.perTask, cfg.seed).filter((r) => !dropped.has(r.task));
  if (capped.length === 0) throw new UserError(`--drop-tasks ${cfg.dropTasks.join(',')} leaves no training samples in ${file}`);
  const needsVectors = capped.some((r) => r.soft.length > 0);
  const rec = needsVectors ? (recSource(cfg, true) ?? tasksSources(cfg.tasks).rec) : undefined;
  const s = cfg.init ? await startFrom(cfg.init, cfg.baseModel) : await Surrogate.base(cfg.baseModel);
  const vectors = rec ? new SoftVectors(await openRecommender(rec)) : undefined;
  vectors?.prepare(capped.flatMap((r) => r.soft));
  const spans =
    cfg.titleSpans || cfg.itemTokens
      ? {
          ...titleSpansOf(cfg.tasks),
          ...(cfg.itemTokens ? { itemFirst: s.model.cfg.vocab_size, rankMask: cfg.rankMask, itemTitle: cfg.itemTitle } : {}),
        }
      : undefined;
  // a sample longer than the model's context (long titles, a small vocabulary) is skipped and counted
  const maxLen = s.model.cfg.max_position_embeddings;
  // so is a task-7 text whose citations the decoding constraint refuses (one title twice in a sentence)
  const all = capped.map((r) => {
    try {
      return trainingExample(r, s.tok, vectors, file, spans);
    } catch (e) {
      if (e instanceof RefusedCitation) return e;
      throw e;
    }
  });
  const refused = all.filter((e) => e instanceof RefusedCitation);
  const usable = all.flatMap((e, i) => (e instanceof RefusedCitation || e.ids.length > maxLen ? [] : [{ r: capped[i], e }]));
  const records = usable.map((k) => k.r);
  const rendered = usable.map((k) => k.e);
  const tooLong = capped.length - records.length - refused.length;
  if (records.length === 0)
    throw new UserError(
      `${file}: no training sample left: ${tooLong} longer than the model's ${maxLen} positions, ${refused.length} whose citations grounded decoding refuses`,
    );
  if (tooLong > 0 && !cfg.quiet)
    console.error(`align: ${tooLong} sample(s) of ${file} longer than the model's ${maxLen} positions: skipped`);
  if (refused.length > 0 && !cfg.quiet)
    console.error(
      `align: ${refused.length} explanation(s) whose citations grounded decoding refuses, skipped; the first: ${refused[0].message}`,
    );
  const examples: LmExample[] =
    cfg.distill > 0
      ? withTeachers(records, rendered, vectors!, s.model.cfg.vocab_size, {
          tau: cfg.distillTemperature,
          users: cfg.distillUsers,
          ...(cfg.distillCites > 0 ? { cites: { tau: cfg.distillCites, maxHistory: spans!.maxHistory } } : {}),
        })
      : rendered;
  const itemVectors = cfg.itemTokens ? vectors!.itemTable() : undefined;
  if (cfg.loraR > 0) {
    s.model.enableLora({ r: cfg.loraR, alpha: cfg.loraAlpha, dropout: cfg.loraDropout, targets: cfg.loraTargets }, cfg.seed);
    if (s.appended) for (const v of vocabularyTables(s.model)) v.trainable = true; // the appended rows must learn
  }
  const kept = s.projectors.user ?? s.projectors.item; // --init's
  if (kept && vectors && kept.inDim !== vectors.dim)
    throw new UserError(`--init ${cfg.init}: its projectors read ${kept.inDim}-wide vectors, f's are ${vectors.dim}-wide`);
  if (vectors && !kept) {
    const seed = cfg.projectorSeed ?? cfg.seed + 1;
    const scales = vectors.inputScales();
    const hidden = s.model.cfg.hidden_size;
    const table = cfg.projectorDraw === 'linear' ? vectors.itemTable() : undefined;
    const directions = table ? principalDirections(table, scales.item, hidden / 2, seed) : undefined;
    Object.assign(s.projectors, newProjectors(vectors.dim, hidden, seed, scales, cfg.projectorInit === 'shared', directions));
    tf.dispose([table, directions].filter((t) => t !== undefined));
  }
  if (cfg.itemHead === 'untied') {
    const from = cfg.projectorInit === 'shared-head' ? s.projectors.user! : s.projectors.item!;
    s.projectors.itemOut = from.copyAs('item_out_proj', s.projectors.item!.scale);
  }

  const samples: Record<string, number> = {};
  for (const r of records) samples[`task${r.task}`] = (samples[`task${r.task}`] ?? 0) + 1;
  const tokens = examples.reduce((n, e) => n + e.ids.length, 0);
  const trainable = [...s.model.trainableVariables(), ...Object.values(s.projectors).flatMap((p) => p.variables())].reduce(
    (n, v) => n + v.size,
    0,
  );
  if (!cfg.quiet && s.appended)
    console.error(
      `align: the base vocabulary lacks ${s.appended.tokens.join(' ')}: appended at ids ${s.appended.first}–${s.appended.first + s.appended.tokens.length - 1}`,
    );
  if (!cfg.quiet)
    console.error(
      `align ${cfg.mode}: ${examples.length} samples (${tokens} tokens) from ${file}; ${(trainable / 1e6).toFixed(2)}M trainable parameters`,
    );

  const resumeKeys = {
    mode: cfg.mode,
    tasks: cfg.tasks,
    baseModel: cfg.baseModel,
    lora: [cfg.loraR, cfg.loraAlpha, cfg.loraDropout, cfg.loraTargets],
    lr: cfg.lr,
    epochs: cfg.epochs,
    maxSteps: cfg.maxSteps,
    batchSize: cfg.batchSize,
    warmup: cfg.warmup,
    perTask: cfg.perTask,
    ...(cfg.dropTasks.length ? { dropTasks: cfg.dropTasks } : {}), // absent when none: older checkpoints still resume
    titleSpans: cfg.titleSpans,
    itemTokens: cfg.itemTokens,
    ...(cfg.itemTokens ? { rankMask: cfg.rankMask } : {}), // item-token checkpoints from before the mask do not resume
    ...(cfg.itemTokens && cfg.itemTitle ? { itemTitle: true } : {}), // absent when text, as before the flag
    ...(cfg.itemHead === 'untied' ? { itemHead: cfg.itemHead } : {}), // absent when tied, as dropTasks
    ...(cfg.distill > 0
      ? {
          distill: cfg.distill,
          distillTemperature: cfg.distillTemperature,
          ...(cfg.distillUsers ? { distillUsers: true } : {}),
          ...(cfg.distillCites > 0 ? { distillCites: cfg.distillCites } : {}),
        }
      : {}), // absent when off, as dropTasks
    seed: cfg.seed,
    ...(cfg.projectorSeed !== undefined ? { projectorSeed: cfg.projectorSeed } : {}),
    ...(cfg.projectorInit !== 'apart' ? { projectorInit: cfg.projectorInit } : {}), // absent when apart, as dropTasks
    ...(cfg.projectorDraw !== 'random' ? { projectorDraw: cfg.projectorDraw } : {}),
    ...(cfg.init ? { init: resolve(cfg.init) } : {}),
  };
  const trainLog = folder.trainLog<LmLogEntry>(cfg.resume, (e) => e.step);
  const result = trainLm(
    s.model,
    examples,
    {
      lr: cfg.lr,
      epochs: cfg.epochs,
      maxSteps: cfg.maxSteps,
      batchSize: cfg.batchSize,
      warmupSteps: cfg.warmup,
      seed: cfg.seed,
      quiet: cfg.quiet,
    },
    {
      projectors: s.projectors,
      itemVectors,
      distill: cfg.distill,
      checkpoint: {
        path: folder.checkpoint,
        every: cfg.checkpointEvery,
        kind: `align-${cfg.mode}`,
        config: resumeKeys,
        resume: cfg.resume,
      },
      onLog: (e) => trainLog.push(e),
    },
  );
  itemVectors?.dispose();
  s.save(cfg.out, {
    mode: cfg.mode,
    base_model: cfg.baseModel,
    rec: rec ?? null,
    steps: result.steps,
    seconds: result.seconds,
    item_titles: cfg.itemTokens ? spans!.titles.slice(1) : null,
    ...(cfg.itemHead === 'untied' ? { item_head: cfg.itemHead } : {}),
    ...(cfg.itemTokens && cfg.itemTitle ? { item_title: true as const } : {}),
    connector: 'replace',
  });
  const log = trainLog.entries;
  const tail = log.slice(-20);
  const metrics: AlignMetrics = {
    mode: cfg.mode,
    samples,
    too_long: tooLong,
    refused: refused.length,
    tokens,
    steps: result.steps,
    seconds: result.seconds,
    final_loss: tail.reduce((a, e) => a + e.loss, 0) / Math.max(1, tail.length),
    trainable_params: trainable,
  };
  writeFileAtomic(
    join(cfg.out, 'loss.svg'),
    lineChart({
      title: `alignment (${cfg.mode})`,
      xLabel: 'step',
      series: [{ name: 'training loss (response tokens)', points: log.map((e) => [e.step, e.loss]) }],
    }),
  );
  folder.writeMetrics(metrics);
  s.dispose();
  return metrics;
}
