// SASRec training speed and accuracy on the default data set (5-core dslabs MovieLens),
// against PyTorch on the same machine (../shared/BENCHMARKS.md): 20 epochs in the SASRec
// paper's setting (hidden 50, maxlen 200) and in RecExplainer's (hidden 256, maxlen 9).
// Each setting runs in its own process (so peak RSS is its own). Writes bench/out/sasrec.json.
// Run: npm run bench -- sasrec [--epochs N]
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../src/data/build.js';
import { DATA_DEFAULTS } from '../src/data/config.js';
import { TRAIN_REC_DEFAULTS, type TrainRecConfig } from '../src/rec/config.js';
import { trainRec } from '../src/rec/train.js';
import { OUT_DIR, peakRssMb, writeResult } from './common.js';

// PyTorch 1.13 + OpenBLAS, 2 threads, 20 epochs (BENCHMARKS.md, medians)
const REF = {
  sec_per_epoch: 3.58,
  seq_per_sec: 215,
  peak_rss_mb: 949,
  'ndcg@10_sampled100': 0.234,
  'hr@10_sampled100': 0.42,
  paper_sec_per_epoch: 0.748,
  paper_seq_per_sec: 1027,
  paper_peak_rss_mb: 404,
  'paper_ndcg@10_sampled100': 0.238,
  'paper_hr@10_sampled100': 0.401,
};

const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const epochs = Number(arg('--epochs') ?? 20);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs: expected a positive integer, got ${arg('--epochs')}`);
const work = join(OUT_DIR, 'sasrec-work');
const SETTINGS: Record<string, Partial<TrainRecConfig>> = { ml: { hidden: 50, maxLen: 200 }, paper: { hidden: 256, maxLen: 9 } };

interface Part {
  sec: number;
  seq: number;
  ndcg: number;
  hr: number;
  rss: number;
}

/** One setting, in this process: its peak RSS is then its own. */
async function run(name: string): Promise<Part> {
  const cfg: TrainRecConfig = {
    ...TRAIN_REC_DEFAULTS,
    data: join(work, 'data'),
    out: join(work, name),
    epochs,
    evalEvery: epochs,
    patience: 1,
    ...SETTINGS[name],
  };
  const r = await trainRec(cfg);
  return { sec: r.secPerEpoch, seq: r.seqPerSec, ndcg: r.test.sampled100['ndcg@10'], hr: r.test.sampled100['hr@10'], rss: peakRssMb() };
}

/** Each setting in a child process of this script (--only NAME), which prints its Part as JSON. */
function child(name: string): Part {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--only', name, '--epochs', String(epochs)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`bench sasrec --only ${name} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Part;
}

const only = arg('--only');
if (only) {
  console.log(JSON.stringify(await run(only)));
} else {
  rmSync(work, { recursive: true, force: true });
  await buildDataset({ ...DATA_DEFAULTS, out: join(work, 'data'), quiet: true });
  const ml = child('ml');
  const paper = child('paper');
  const result: Record<string, number> = {
    epochs,
    sec_per_epoch: ml.sec,
    seq_per_sec: ml.seq,
    peak_rss_mb: ml.rss,
    'ndcg@10_sampled100': ml.ndcg,
    'hr@10_sampled100': ml.hr,
    paper_sec_per_epoch: paper.sec,
    paper_seq_per_sec: paper.seq,
    paper_peak_rss_mb: paper.rss,
    'paper_ndcg@10_sampled100': paper.ndcg,
    'paper_hr@10_sampled100': paper.hr,
  };
  for (const [k, v] of Object.entries(REF)) result[`ref_${k}`] = v;
  // ratios: ours / reference (≤ 1 is faster for times; ≥ 1 is faster for throughputs)
  for (const k of ['sec_per_epoch', 'seq_per_sec', 'peak_rss_mb', 'paper_sec_per_epoch', 'paper_seq_per_sec', 'paper_peak_rss_mb']) {
    result[`ratio_${k}`] = result[k] / result[`ref_${k}`];
  }
  writeResult('sasrec', result);
}
