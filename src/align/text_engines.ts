// Text-only engines (lm/decode/text_engine.ts) for the surrogates a stage decodes, by the stage's
// --engine: ours (none: our model decodes) or llama-cpp, opened on the surrogate's GGUF file: the
// file itself when the surrogate was read from one, else the model written as an F32 GGUF (LoRA
// merged, byte-level BPE vocabulary) into a temporary folder removed at dispose. One engine per
// model path, loaded once and shared (base-lm and icl read the same base model). The caller asks
// only for text-only surrogates (B form: no projectors).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openLlamaCpp } from '../lm/decode/llama_cpp.js';
import type { EngineName, TextEngine } from '../lm/decode/text_engine.js';
import type { Surrogate } from './model.js';

export class TextEngines {
  private readonly opened = new Map<string, TextEngine>();
  private tmp?: string;

  constructor(readonly name: EngineName) {}

  /** The engine for surrogate `s`, read from `path` (a .gguf file or a folder); undefined for ours. */
  for(s: Surrogate, path: string): TextEngine | undefined {
    if (this.name === 'ours') return undefined;
    const key = resolve(path);
    const known = this.opened.get(key);
    if (known) return known;
    const engine = openLlamaCpp(statSync(key).isFile() ? key : this.written(s));
    this.opened.set(key, engine);
    return engine;
  }

  /** s as an F32 GGUF in the temporary folder. */
  private written(s: Surrogate): string {
    this.tmp ??= mkdtempSync(join(tmpdir(), 'recexplainer-llama-cpp-'));
    const file = join(this.tmp, `model-${this.opened.size}.gguf`);
    s.exportGguf(file, 'f32');
    return file;
  }

  dispose(): void {
    for (const e of this.opened.values()) e.dispose();
    this.opened.clear();
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = undefined;
  }
}
