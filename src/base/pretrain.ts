// The `pretrain` stage: a base Llama trained from scratch (full training, no LoRA; the loop is
// trainLm's), first on the copy curriculum (copy.ts; copySteps, no checkpoint of its own), then on
// packed windows of Brown sentences and item texts with curriculum sequences mixed in (copyReplay:
// without them the text erases copying), with held-out perplexity and an atomic checkpoint
// every evalEvery text steps (--resume continues bit-exactly; the checkpoint holds every weight, so a
// resumed run skips the curriculum); the copy probe last; then
// model.safetensors/config.json/tokenizer.json/metrics.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Scalar } from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../engine/atomic.js';
import { initEngine } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';
import { RunFolder } from '../engine/run_folder.js';
import { tf } from '../engine/tf.js';
import { lineChart } from '../report/svg.js';
import { readDataset } from '../data/dataset.js';
import { saveLm } from '../lm/io/checkpoint.js';
import type { LlamaConfig } from '../lm/model/config.js';
import { Llama } from '../lm/model/llama.js';
import { headCrossEntropy } from '../lm/train/loss.js';
import { Tokenizer, trainTokenizer } from '../lm/tokenizer/tokenizer.js';
import { pretrainDocuments, tokenizerCorpus } from './corpus.js';
import { trainLm, type LmLogEntry } from '../lm/train/train.js';
import { pretrainLlamaConfig, validatePretrainConfig, type PretrainConfig } from './config.js';
import { copyCurriculum, copyMixture, copyVocab } from './copy.js';
import { copyProbe, type CopyProbeResult } from './copy_probe.js';

export const HELDOUT_FRACTION = 0.02;
const KIND = 'lm-pretrain';

export interface PretrainLogEntry {
  step: number; // over both phases: the curriculum's steps first
  phase: 'copy' | 'text';
  loss: number;
  lr: number;
  grad_norm: number;
  tokens: number; // input tokens of the step
  tok_s: number;
  elapsed_s: number; // since the phase began (resumed runs included)
  heldout_loss?: number;
  heldout_ppl?: number;
  copy_probe?: CopyProbeResult; // on the curriculum's last step
}

export interface PretrainMetrics {
  params: number;
  tied: boolean; // output head = token embeddings
  tokens_seen: number; // text-phase tokens (replayed curriculum sequences included)
  seconds: number; // text training time over all (resumed) runs, evaluation included
  copy_steps: number;
  copy_tokens: number;
  copy_seconds: number; // the curriculum's training time
  copy_probe: CopyProbeResult; // of the final model
  copy_probe_after_curriculum?: CopyProbeResult; // before the text (absent without a curriculum)
  heldout_ppl: number;
  heldout_loss: number; // mean nats per held-out token
  final_loss: number;
  steps: number;
  vocab: number; // tokenizer size (uniform perplexity)
  train_windows: number;
  heldout_windows: number;
}

/** Documents (each followed by eos) concatenated and cut into full windows of seqLen tokens. */
export function packWindows(docs: readonly (readonly number[])[], eos: number, seqLen: number): Int32Array[] {
  const stream: number[] = [];
  for (const d of docs) stream.push(...d, eos);
  const windows: Int32Array[] = [];
  for (let s = 0; s + seqLen <= stream.length; s += seqLen) windows.push(Int32Array.from(stream.slice(s, s + seqLen)));
  return windows;
}

/** Brown sentences (in corpus order) then item texts, tokenised, packed, split into train / held-out windows. */
export function pretrainWindows(
  tok: Tokenizer,
  dataDir: string,
  seqLen: number,
  seed: number,
): { train: Int32Array[]; heldout: Int32Array[] } {
  const windows = packWindows(
    pretrainDocuments(dataDir).map((t) => tok.encode(t)),
    tok.special.eos,
    seqLen,
  );
  if (windows.length < 2)
    throw new UserError(`the pre-training text makes ${windows.length} window(s) of ${seqLen} tokens; lower --seq-len`);
  const order = new Rng(seed + 0x9e37).shuffle(windows.map((_, i) => i));
  const nHeld = Math.max(1, Math.round(HELDOUT_FRACTION * windows.length));
  return { heldout: order.slice(0, nHeld).map((i) => windows[i]), train: order.slice(nHeld).map((i) => windows[i]) };
}

/** Next-token loss Σ −log p / denom over windows [B,T] (every position but the last predicts). */
function windowLoss(model: Llama, windows: readonly Int32Array[], denom: number): Scalar {
  const B = windows.length;
  const T = windows[0].length;
  const ids = new Int32Array(B * T);
  windows.forEach((w, b) => ids.set(w, b * T));
  const rows = new Int32Array(B * (T - 1));
  const targets = new Int32Array(B * (T - 1));
  for (let b = 0, k = 0; b < B; b++)
    for (let t = 0; t + 1 < T; t++, k++) {
      rows[k] = b * T + t;
      targets[k] = ids[b * T + t + 1];
    }
  const h = tf.reshape(model.forward(model.embed(ids, B, T)), [B * T, -1]);
  return headCrossEntropy(tf.gather(h, tf.tensor1d(rows, 'int32')), model.headWeight, targets, denom);
}

/** Mean loss per predicted token over the held-out windows. */
export function heldoutLoss(model: Llama, windows: readonly Int32Array[], batchSize: number): number {
  const denom = windows.length * (windows[0].length - 1);
  let sum = 0;
  for (let i = 0; i < windows.length; i += batchSize) {
    const l = tf.tidy(() => windowLoss(model, windows.slice(i, i + batchSize), denom));
    sum += l.dataSync()[0];
    l.dispose();
  }
  return sum;
}

/** The keys a resumed run must share with its checkpoint to continue exactly. */
function resumeKeys(cfg: PretrainConfig, llama: LlamaConfig): Record<string, unknown> {
  return {
    llama,
    copy: [cfg.copySteps, cfg.copyLr, cfg.copyBatchSize, cfg.copyReplay],
    seqLen: cfg.seqLen,
    batchSize: cfg.batchSize,
    steps: cfg.steps,
    lr: cfg.lr,
    warmup: cfg.warmup,
    evalEvery: cfg.evalEvery,
    seed: cfg.seed,
  };
}

export async function pretrain(cfg: PretrainConfig): Promise<PretrainMetrics> {
  validatePretrainConfig(cfg);
  await initEngine({ backend: 'auto' });
  const folder = new RunFolder(cfg.out, 'a pre-training run', 'pretrain');
  folder.open(cfg.resume, cfg, cfg.force);

  const tokPath = join(cfg.out, 'tokenizer.json');
  let tok: Tokenizer;
  if (existsSync(tokPath)) tok = Tokenizer.load(tokPath);
  else {
    if (!cfg.quiet) console.error(`training a ${cfg.vocab}-token BPE tokenizer …`);
    tok = trainTokenizer({ texts: tokenizerCorpus(cfg.data), vocabSize: cfg.vocab });
    tok.save(tokPath);
  }
  if (tok.vocabSize > cfg.vocab) throw new UserError(`${tokPath} has ${tok.vocabSize} tokens, more than --vocab ${cfg.vocab}`);
  const { train, heldout } = pretrainWindows(tok, cfg.data, cfg.seqLen, cfg.seed);
  if (train.length < cfg.batchSize) throw new UserError(`only ${train.length} training windows for --batch-size ${cfg.batchSize}`);

  const llama = pretrainLlamaConfig(cfg);
  const model = new Llama(llama, cfg.seed);
  const params = model.variables().reduce((n, v) => n + v.size, 0);
  const trainLog = folder.trainLog<PretrainLogEntry>(cfg.resume, (e) => e.step);
  if (!cfg.quiet)
    console.error(
      `${(params / 1e6).toFixed(2)}M parameters; ${train.length} training windows of ${cfg.seqLen} tokens, ${heldout.length} held out`,
    );
  const titles = readDataset(cfg.data).items.map((i) => i.title);
  const entry = (phase: PretrainLogEntry['phase'], offset: number, e: LmLogEntry): PretrainLogEntry => ({
    step: offset + e.step,
    phase,
    loss: e.loss,
    lr: e.lr,
    grad_norm: e.grad_norm,
    tokens: e.tokens,
    tok_s: e.tok_s,
    elapsed_s: e.elapsed_s,
  });
  const schedule = { lr: cfg.lr, batchSize: cfg.batchSize, warmupSteps: cfg.warmup, clipNorm: 1, seed: cfg.seed, quiet: cfg.quiet };
  const copy = copyVocab(tok, titles);
  const replayed = cfg.copySteps > 0 ? Math.round((cfg.copyReplay / (1 - cfg.copyReplay)) * train.length) : 0;
  const textExamples = [
    ...train.map((w) => ({ ids: Array.from(w) })),
    ...copyMixture(copy, replayed, cfg.seqLen, llama.max_position_embeddings, cfg.seed + 0xc0b2),
  ];
  let seconds = 0;
  try {
    if (cfg.copySteps > 0 && !cfg.resume) {
      const n = cfg.copySteps * cfg.copyBatchSize;
      const examples = copyCurriculum(copy, n, cfg.seqLen, llama.max_position_embeddings, cfg.seed + 0xc0b1);
      const batch = { lr: cfg.copyLr, gradAccum: cfg.copyBatchSize / cfg.batchSize, epochs: 1, maxSteps: cfg.copySteps, shuffle: false };
      trainLm(
        model,
        examples,
        { ...schedule, ...batch, label: 'copy curriculum' },
        {
          onLog: (e) =>
            trainLog.push({ ...entry('copy', 0, e), ...(e.step === cfg.copySteps && { copy_probe: copyProbe(model, tok, titles) }) }),
        },
      );
    }
    seconds = trainLm(
      model,
      textExamples,
      {
        ...schedule,
        label: 'pretrain',
        epochs: Math.ceil(cfg.steps / Math.ceil(textExamples.length / cfg.batchSize)),
        maxSteps: cfg.steps,
      },
      {
        checkpoint: { path: folder.checkpoint, every: cfg.evalEvery, kind: KIND, config: resumeKeys(cfg, llama), resume: cfg.resume },
        onLog: (e) => {
          const x = entry('text', cfg.copySteps, e);
          if (e.step % cfg.evalEvery === 0 || e.step === cfg.steps) {
            x.heldout_loss = heldoutLoss(model, heldout, cfg.batchSize);
            x.heldout_ppl = Math.exp(x.heldout_loss);
          }
          trainLog.push(x);
        },
      },
    ).seconds;
  } catch (e) {
    model.dispose();
    throw e;
  }
  const log = trainLog.entries;
  const last = log[log.length - 1];
  if (!last || last.heldout_loss === undefined)
    throw new UserError(`${folder.log}: the log lacks the final evaluation (was the file edited?)`);
  const copyLog = log.filter((e) => e.phase === 'copy');
  saveLm(cfg.out, model, { kind: KIND, step: String(last.step) });
  const probe = copyProbe(model, tok, titles);
  model.dispose();
  const metrics: PretrainMetrics = {
    params,
    tied: cfg.tied,
    tokens_seen: log.reduce((n, e) => n + (e.phase === 'text' ? e.tokens : 0), 0),
    seconds,
    copy_steps: copyLog.length,
    copy_tokens: copyLog.reduce((n, e) => n + e.tokens, 0),
    copy_seconds: copyLog.at(-1)?.elapsed_s ?? 0,
    copy_probe: probe,
    copy_probe_after_curriculum: copyLog.at(-1)?.copy_probe,
    heldout_ppl: last.heldout_ppl!,
    heldout_loss: last.heldout_loss,
    final_loss: last.loss,
    steps: last.step - cfg.copySteps,
    vocab: tok.vocabSize,
    train_windows: train.length,
    heldout_windows: heldout.length,
  };
  writeFileAtomic(
    join(cfg.out, 'loss.svg'),
    lineChart({
      title: 'pre-training',
      xLabel: 'step',
      series: [
        { name: 'train loss', points: log.map((e) => [e.step, e.loss]) }, // the curriculum's steps first
        { name: 'held-out perplexity', points: log.filter((e) => e.heldout_ppl !== undefined).map((e) => [e.step, e.heldout_ppl!]) },
      ],
    }),
  );
  folder.writeMetrics(metrics);
  return metrics;
}
