// Shared by the benchmarks: where results go, the machine/date strings every result carries, best-of timing
// (DESIGN.md §6: a flat object of numbers plus "machine" and "date").
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/engine/atomic.js';
import { repoRoot } from '../src/engine/paths.js';

export const OUT_DIR = join(repoRoot(), 'bench', 'out');

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Writes bench/out/<name>.json and prints it. */
export function writeResult(name: string, result: Record<string, number | string | null>): string {
  const path = join(OUT_DIR, `${name}.json`);
  const full = { ...result, machine: machine(), date: new Date().toISOString() };
  writeJsonAtomic(path, full);
  console.log(JSON.stringify(full, null, 2));
  console.log(`written to ${path}`);
  return path;
}

/** Best seconds per call of `f` over at least 3 repeats filling at least `minSeconds` (after one warm-up call). */
export function timeCall(minSeconds: number, f: () => void): number {
  f();
  let best = Infinity;
  let total = 0;
  for (let reps = 0; reps < 3 || total < minSeconds; reps++) {
    const t0 = process.hrtime.bigint();
    f();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, dt);
    total += dt;
  }
  return best;
}

export { peakRssMb } from '../src/engine/resources.js';
