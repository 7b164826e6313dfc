// Layers only point down: every import in src/ from one top-level folder into another must go to a
// lower layer (README, Architecture). A new folder must be given its layer here before it can import
// or be imported; a sideways import between two folders of one layer fails like an upward one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Layer of each top-level folder of src/, lowest first. */
const LAYER: Record<string, number> = {
  engine: 0, // tensors, kernels, files, errors, RNG, progress
  report: 0, // SVG charts
  data: 1, // raw logs → data set folder; text forms of titles and lists
  lm: 1, // the language model, a library that knows no data set
  openai: 2, // chat models for the LLM roles: OpenAI-compatible endpoints, GGUF files through llama.cpp (lm)
  rec: 2, // target recommenders
  facts: 3, // f-grounded facts: attribution, aspects, explanation texts, citations
  tasks: 4, // alignment samples and their folder
  base: 5, // the embedded base LM's corpus and pre-training stage
  align: 5, // RecExplainer-B/I/H alignment
  eval: 6, // Table 1
  explain: 6, // explanations and their scores
  run: 7, // the pipeline
  serve: 8, // the HTTP service over a run folder
  cli: 9, // commands
};

interface Edge {
  file: string; // importing file, relative to src/
  target: string; // imported file, relative to src/
}

/** The relative imports of the given files (paths relative to src/, contents by path). */
function importEdges(files: ReadonlyMap<string, string>): Edge[] {
  const edges: Edge[] = [];
  const spec =
    /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*'(\.{1,2}\/[^']+)'|(?:^|\n)\s*import\s+'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;
  for (const [file, text] of files) {
    for (const m of text.matchAll(spec)) {
      const target = join(dirname(file), m[1] ?? m[2] ?? m[3]);
      edges.push({ file, target });
    }
  }
  return edges;
}

/** Edges that leave their folder for one that is not in a lower layer, in words. */
function wrongWayEdges(edges: readonly Edge[], layer: Readonly<Record<string, number>>): string[] {
  const top = (p: string) => p.split('/')[0];
  const out: string[] = [];
  for (const { file, target } of edges) {
    const [a, b] = [top(file), top(target)];
    if (a === b) continue;
    if (!(a in layer)) out.push(`${file}: folder ${a}/ has no layer`);
    else if (!(b in layer)) out.push(`${file} → ${target}: folder ${b}/ has no layer`);
    else if (layer[b] >= layer[a]) out.push(`${file} → ${target}: ${a} (layer ${layer[a]}) may not import ${b} (layer ${layer[b]})`);
  }
  return out;
}

function sources(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts')) out.set(relative(SRC, p), readFileSync(p, 'utf8'));
  }
  return out;
}

test('every import in src/ points to a lower layer', () => {
  const files = sources(SRC);
  const edges = importEdges(files);
  assert.ok(edges.length > 200, `only ${edges.length} imports read: the reader is broken`);
  assert.ok(
    edges.some((e) => e.file.startsWith('cli/') && e.target.startsWith('run/')),
    'the reader misses cross-folder imports',
  );
  assert.deepEqual(wrongWayEdges(edges, LAYER), []);
});

test('an upward, a sideways and an unplaced import are each caught', () => {
  const files = new Map([
    ['lm/model/llama.ts', "import { tf } from '../../engine/tf.js';\nimport { readDataset } from '../../data/dataset.js';"],
    ['eval/run.ts', "import type { X } from '../explain/run.js';\nimport { y } from './metrics.js';"],
    ['web/api.ts', "import { explainAll } from '../explain/run.js';"],
    ['rec/train.ts', "const m = await import('../tasks/build.js');\nimport '../run/pipeline.js';"],
  ]);
  const found = wrongWayEdges(importEdges(files), LAYER);
  assert.equal(found.length, 5, found.join('\n'));
  assert.equal(found[0], 'lm/model/llama.ts → data/dataset.js: lm (layer 1) may not import data (layer 1)');
  assert.match(found[1], /eval\/run\.ts → explain\/run\.js: eval \(layer 6\) may not import explain \(layer 6\)/);
  assert.match(found[2], /web\/api\.ts: folder web\/ has no layer/);
  assert.match(found[3], /rec\/train\.ts → tasks\/build\.js/);
  assert.match(found[4], /rec\/train\.ts → run\/pipeline\.js/);
});
