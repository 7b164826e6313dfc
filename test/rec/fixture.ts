// A small synthetic data set folder for recommender tests: 200 users walking a ring of 120
// items with small random skips (so the next item is predictable), written with the real
// writer so it is a valid canonical folder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawLog } from '../../src/data/rawlog.js';
import { processLog } from '../../src/data/process.js';
import { writeDataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/engine/rng.js';

export function ringDataset(users = 200, items = 120, seed = 3): string {
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
  const dir = mkdtempSync(join(tmpdir(), 'ring-'));
  writeDataset(dir, p, 'ring');
  return dir;
}
