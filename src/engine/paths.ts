// Locates the repository root (the folder whose package.json is named "recexplainer"), from
// src/ under tsx and from dist/ after a build alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function repoRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'recexplainer') return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('recexplainer: cannot find the package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}
