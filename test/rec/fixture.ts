// Small synthetic fixtures for recommender tests: a data set folder of 200 users walking a ring of
// 120 items with small random skips (so the next item is predictable), written with the real
// writer; and a tiny SASRec trained on it once, in-process, and cached on disk for every test
// file that needs one (keyed by its settings and the source it depends on, so a code change retrains).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawLog } from '../../src/data/rawlog.js';
import { processLog } from '../../src/data/process.js';
import { writeDataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/engine/rng.js';
import { TRAIN_REC_DEFAULTS } from '../../src/rec/config.js';
import { trainRec } from '../../src/rec/train.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Writes the ring data set into `dir` (default: a new temporary folder) and returns the folder. */
export function ringDataset(users = 200, items = 120, seed = 3, dir = mkdtempSync(join(tmpdir(), 'ring-'))): string {
  const rng = new Rng(seed);
  const log = new RawLog();
  for (let u = 0; u < users; u++) {
    let at = rng.int(items);
    const len = 8 + rng.int(10);
    const seen = new Set<number>();
    for (let t = 0; t < len; t++) {
      if (!seen.has(at)) log.addEvent(`u${u}`, `i${at}`, t);
      seen.add(at);
      at = (at + 1 + rng.int(2)) % items;
    }
  }
  for (let i = 0; i < items; i++) log.setItem(`i${i}`, `Item ${i}`, {});
  const p = processLog(log, { topItems: 0, users: 0, kcore: 0, seed: 1 });
  writeDataset(dir, p, 'ring');
  return dir;
}

/** The tiny SASRec of the ring tests (train-rec flags --epochs 4 --hidden 16 --max-len 10 --batch-size 32 --lr 0.01 --eval-every 2). */
const RING_SASREC = { epochs: 4, hidden: 16, maxLen: 10, batchSize: 32, lr: 0.01, evalEvery: 2 } as const;

function sourceHash(): string {
  const h = createHash('sha256').update(JSON.stringify(RING_SASREC));
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) h.update(p).update(readFileSync(p));
    }
  };
  for (const d of ['engine', 'data', 'rec']) walk(join(ROOT, 'src', d));
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

let trained: Promise<{ data: string; rec: string }> | undefined;

/**
 * The ring data set and a train-rec folder of RING_SASREC on it, under .cache/test-fixtures/ring-<hash>/
 * ({data, rec}); built once (to a temp folder, then renamed into place) and shared by later test files.
 * Read-only for callers: copy it before writing into it.
 */
export function trainedRing(): Promise<{ data: string; rec: string }> {
  trained ??= (async () => {
    const cache = join(ROOT, '.cache', 'test-fixtures');
    const dir = join(cache, `ring-${sourceHash()}`);
    const paths = { data: join(dir, 'data'), rec: join(dir, 'rec') };
    if (existsSync(join(paths.rec, 'metrics.json'))) return paths;
    mkdirSync(cache, { recursive: true });
    const tmp = mkdtempSync(join(cache, '.building-'));
    ringDataset(200, 120, 3, join(tmp, 'data'));
    await trainRec({ ...TRAIN_REC_DEFAULTS, ...RING_SASREC, data: join(tmp, 'data'), out: join(tmp, 'rec'), backend: 'wasm', quiet: true });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!existsSync(join(paths.rec, 'metrics.json'))) throw err; // another test process won the race: use its copy
      rmSync(tmp, { recursive: true, force: true });
    }
    return paths;
  })();
  return trained;
}
