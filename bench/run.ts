// `npm run bench -- <name> [args]`: runs bench/<name>.ts, which writes bench/out/<name>.json.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../src/engine/paths.js';

const dir = join(repoRoot(), 'bench');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'common.ts'].includes(f))
  .map((f) => f.slice(0, -3));
const name = process.argv[2];
if (!name || !existsSync(join(dir, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <name> [args]; benchmarks: ${names.join(', ')}`);
  process.exit(1);
}
await import(pathToFileURL(join(dir, `${name}.ts`)).href);
