// The job's one launch command, train.sh: it builds the target-model checkpoint from the exported
// tables, then starts the reference's trainer (RecAI RecExplainer/src/sft_training.py: HF Trainer,
// PEFT LoRA on q/k/v/o, the user/item connectors, embed_tokens and lm_head as modules_to_save) with
// `accelerate launch` on the job's accelerate + DeepSpeed config, with the arguments its
// shell/train.sh passes, set from the export-job flags. The adapter lands in <job>/output.
import type { ExportJobConfig } from './config.js';
import { ACCELERATE_FILE } from './configs.js';
import { DATA_DIR, SEQUENTIAL_FILE, TRAIN_FILE, VALID_FILE } from './data.js';
import { CHECKPOINT_FILE, CHECKPOINT_SCRIPT, REC_DIR } from './embeddings.js';
import type { JobManifest } from './manifest.js';

export const LAUNCH_FILE = 'train.sh';
export const OUTPUT_DIR = 'output';

/** A word for bash, single-quoted when it needs to be. */
export function shellWord(s: string): string {
  return /^[\w./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** sft_training.py's arguments, in the order of the reference's shell/train.sh. */
export function trainerArgs(cfg: ExportJobConfig, m: JobManifest): [string, string | null][] {
  return [
    ['--seed', String(cfg.seed)],
    ['--do_train', null],
    ['--do_eval', null],
    ['--bf16', null],
    ['--torch_dtype', 'bfloat16'],
    ['--model_name_or_path', cfg.baseModel],
    ['--rec_model_name_or_path', `${REC_DIR}/${CHECKPOINT_FILE}`],
    ['--rec_model_type', 'MF'],
    ['--model_max_length', String(cfg.maxLength)],
    ['--train_file', `${DATA_DIR}/${TRAIN_FILE}`],
    ['--validation_file', `${DATA_DIR}/${VALID_FILE}`],
    ['--sequential_file', `${DATA_DIR}/${SEQUENTIAL_FILE}`],
    ['--max_hist_len', String(m.max_history)],
    ['--task_type', m.task_type],
    ['--template_name', cfg.template],
    ['--lora_r', String(cfg.loraR)],
    ['--lora_alpha', String(cfg.loraAlpha)],
    ['--lora_dropout', String(cfg.loraDropout)],
    ['--output_dir', OUTPUT_DIR],
    ['--learning_rate', String(cfg.lr)],
    ['--num_train_epochs', String(cfg.epochs)],
    ['--per_device_train_batch_size', String(cfg.batchSize)],
    ['--per_device_eval_batch_size', '1'],
    ['--gradient_accumulation_steps', String(cfg.gradAccum)],
    ['--weight_decay', '0.0'],
    ['--warmup_ratio', String(cfg.warmupRatio)],
    ['--logging_steps', '10'],
    ['--save_strategy', 'epoch'],
    ['--evaluation_strategy', 'epoch'],
    ['--report_to', 'none'],
  ];
}

/** train.sh: run on every node (the main node with MACHINE_RANK=0). */
export function launchScript(cfg: ExportJobConfig, m: JobManifest): string {
  const multi = cfg.nodes > 1;
  const args = trainerArgs(cfg, m).map(([k, v]) => `  ${k}${v === null ? '' : ` ${shellWord(v)}`}`);
  return (
    [
      '#!/usr/bin/env bash',
      "# Written by `recexplainer export-job`: aligns the base LM to f with RecAI's RecExplainer trainer",
      `# on ${cfg.nodes} node(s) × ${cfg.gpus} GPU(s) (accelerate + DeepSpeed ZeRO-2). Run it from anywhere:`,
      multi
        ? `#   RECAI=/path/to/RecAI MAIN_IP=<node 0's address> MACHINE_RANK=<0..${cfg.nodes - 1}> bash ${LAUNCH_FILE}   (on each node)`
        : `#   RECAI=/path/to/RecAI bash ${LAUNCH_FILE}`,
      `# The adapter lands in ${OUTPUT_DIR}/ (a checkpoint-N/ folder per epoch): bring it back to import-adapter.`,
      'set -euo pipefail',
      ': "${RECAI:?set RECAI to a clone of https://github.com/microsoft/RecAI with RecExplainer/requirements.txt installed}"',
      'RECAI="$(cd "$RECAI" && pwd)"',
      'cd "$(dirname "$0")"',
      `python ${REC_DIR}/${CHECKPOINT_SCRIPT}`,
      `accelerate launch --config_file ${ACCELERATE_FILE} \\`,
      ...(multi
        ? ['  --machine_rank "${MACHINE_RANK:?set MACHINE_RANK (0 on the main node)}" --main_process_ip "${MAIN_IP:?set MAIN_IP}" \\']
        : []),
      '  "$RECAI/RecExplainer/src/sft_training.py" \\',
      args.join(' \\\n'),
    ].join('\n') + '\n'
  );
}
