// `recexplainer import-adapter`: the PEFT adapter the reference trained from an export-job folder →
// an aligned model folder that eval, explain, export-gguf and serve load.
import { Command } from 'commander';
import { IMPORT_ADAPTER_SPEC, type ImportAdapterConfig } from '../align/handoff/config.js';
import { importAdapter } from '../align/handoff/import.js';
import { addOptions } from './options.js';

export function importAdapterCommand(): Command {
  return addOptions(
    new Command('import-adapter').description(
      'Read a LoRA adapter trained by the reference implementation (from `export-job`) into an aligned model folder',
    ),
    IMPORT_ADAPTER_SPEC,
  ).action(async (flags: ImportAdapterConfig) => {
    const { meta, merged } = await importAdapter(flags);
    console.log(
      `imported (${meta.mode}, connector ${meta.connector}): ${merged ? 'LoRA merged with the trained embeddings and head into model.safetensors' : `LoRA r ${meta.lora!.r} in adapter.safetensors`}` +
        `${meta.projector_in === null ? '' : ', projectors.safetensors'}, align.json in ${flags.out}`,
    );
  });
}
