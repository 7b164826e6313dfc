// The job folder's README.md: what the job trains, the one command that starts it (per node when
// it spans several), what each file is, and what to bring back to `import-adapter`.
import { describeRec } from '../../rec/source.js';
import type { ExportJobConfig } from './config.js';
import { ACCELERATE_FILE, DEEPSPEED_FILE } from './configs.js';
import { DATA_DIR, SEQUENTIAL_FILE, TRAIN_FILE, VALID_FILE } from './data.js';
import { CHECKPOINT_FILE, CHECKPOINT_SCRIPT, REC_CONFIG_FILE, REC_DIR, TABLES_FILE } from './embeddings.js';
import { LAUNCH_FILE, OUTPUT_DIR } from './launch.js';
import { JOB_FILE, type JobManifest } from './manifest.js';

export function jobReadme(cfg: ExportJobConfig, m: JobManifest): string {
  const start =
    cfg.nodes > 1
      ? [
          `# on each of the ${cfg.nodes} nodes, with this folder copied to it (MACHINE_RANK 0 on the node at MAIN_IP):`,
          `RECAI=$PWD/RecAI MAIN_IP=10.0.0.1 MACHINE_RANK=0 bash ${LAUNCH_FILE}`,
        ]
      : [`RECAI=$PWD/RecAI bash ${LAUNCH_FILE}`];
  const { train, valid } = m.counts;
  return `# Alignment job: RecExplainer-${m.mode} on ${cfg.nodes} node(s) × ${cfg.gpus} GPU(s)

Written by \`recexplainer export-job\`. It aligns the base LM \`${m.base_model}\` to the target
recommender f (\`${describeRec(m.rec)}\`) with the reference implementation's trainer (microsoft/RecAI,
\`RecExplainer/src/sft_training.py\`: HF Trainer, PEFT LoRA r ${m.lora.r} / alpha ${m.lora.alpha} on
${m.lora.target_modules.join(', ')}, the \`user_connector\` / \`item_connector\` MLPs), task type
\`${m.task_type}\`, template \`${m.template}\`, under accelerate + DeepSpeed ZeRO-2.

## Start it

\`\`\`sh
git clone https://github.com/microsoft/RecAI && pip install -r RecAI/RecExplainer/requirements.txt deepspeed
${start.join('\n')}
\`\`\`

\`${LAUNCH_FILE}\` first writes \`${REC_DIR}/${CHECKPOINT_FILE}\` from the exported tables, then runs
\`accelerate launch --config_file ${ACCELERATE_FILE} …/sft_training.py …\` with every training
argument spelled out (edit them there). \`--model_name_or_path\` is \`${m.base_model}\` as given to
export-job: it must name the model on this machine (a hub id or an absolute path).

## What is here

| file | content |
|---|---|
| \`${DATA_DIR}/${TRAIN_FILE}\`, \`${DATA_DIR}/${VALID_FILE}\` | the samples, in the reference's layout: ${train.entries} for training, ${valid.entries} for validation (from our train/test task files of form ${m.mode}); \`type\` picks the reader, \`question\`/\`answer\` fill a \`template\`, \`<user>\`/\`<item>\` are the placeholder tokens |
| \`${DATA_DIR}/${SEQUENTIAL_FILE}\` | one line per distinct history, \`uid item item …\`: a sample's \`uid\` is a row of the user table, not a user id |
| \`${REC_DIR}/${TABLES_FILE}\` | \`user_embedding.weight\` [${m.tables.users}, ${m.tables.dim}] (f's user vector of each history) and \`item_embedding.weight\` [${m.tables.items}, ${m.tables.dim}] (f's item table), row 0 padding, times the input scales ${m.connector.scale.user.toPrecision(4)} (users) and ${m.connector.scale.item.toPrecision(4)} (items) |
| \`${REC_DIR}/${REC_CONFIG_FILE}\`, \`${REC_DIR}/${CHECKPOINT_SCRIPT}\` | the reference's MF config for those tables, and the script that makes \`${CHECKPOINT_FILE}\` of the two |
| \`${ACCELERATE_FILE}\`, \`${DEEPSPEED_FILE}\` | accelerate (DeepSpeed, ${m.launch.processes} processes) and ZeRO stage-2 configs; batch sizes, precision and schedule are "auto": the launch arguments set them |
| \`${JOB_FILE}\` | what import-adapter reads back: mode, f, input scales, connector sizes, sample counts |

Samples per task (training / validation): ${Object.keys({ ...train.by_task, ...valid.by_task })
    .sort()
    .map((t) => `task ${t}: ${train.by_task[t] ?? 0} / ${valid.by_task[t] ?? 0}`)
    .join('; ')}.

## Bring back

\`${OUTPUT_DIR}/\` (or the \`${OUTPUT_DIR}/checkpoint-N/\` of the epoch you want): \`adapter_model.safetensors\`
(LoRA, connectors, and the embed_tokens / lm_head copies PEFT keeps as modules_to_save),
\`adapter_config.json\` and \`trainer_state.json\`. Then, where recexplainer runs:

\`\`\`sh
npx recexplainer import-adapter --peft ${OUTPUT_DIR} --job <this folder> --base-model <the base model, here> --out <aligned model folder>
\`\`\`

The result is an aligned model folder for \`eval\`, \`explain\`, \`export-gguf\` and \`serve\`; its
connectors add their outputs to the placeholder embeddings, as they were trained.

## Differences to know

- The reference's templates put their own chat markup (for \`vicuna\`: a system sentence before
  \`USER:\`) around the samples; recexplainer prompts the imported model in its own layout,
  \`<s>USER: {prompt} ASSISTANT:\`, without that sentence.
- The reference adds \`<user>\` and \`<item>\` to a tokenizer that lacks them (ids V and V + 1) and
  grows the embeddings; import-adapter appends them to the base model the same way and reads their
  trained rows from the adapter's \`embed_tokens\` / \`lm_head\` copies.
`;
}
