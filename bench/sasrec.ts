// SASRec training speed and accuracy on the default data set (5-core dslabs MovieLens),
// against PyTorch on the same machine (../shared/BENCHMARKS.md): 20 epochs in the SASRec
// paper's setting (hidden 50, maxlen 200) and in RecExplainer's (hidden 256, maxlen 9).
// Writes bench/out/sasrec.json. Run: npm run bench -- sasrec [--epochs N]
import { join } from 'node:path';
import { rmSync } from 'node:fs';
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

const epochs = Number(process.argv[process.argv.indexOf('--epochs') + 1] || 20);
const work = join(OUT_DIR, 'sasrec-work');
rmSync(work, { recursive: true, force: true });
await buildDataset({ ...DATA_DEFAULTS, out: join(work, 'data'), quiet: true });

async function run(name: string, over: Partial<TrainRecConfig>) {
  const cfg: TrainRecConfig = { ...TRAIN_REC_DEFAULTS, data: join(work, 'data'), out: join(work, name), epochs, evalEvery: epochs, patience: 1, ...over };
  const r = await trainRec(cfg);
  return { sec: r.secPerEpoch, seq: r.seqPerSec, ndcg: r.test.sampled100['ndcg@10'], hr: r.test.sampled100['hr@10'], rss: peakRssMb() };
}

const ml = await run('ml', { hidden: 50, maxLen: 200 });
const paper = await run('paper', { hidden: 256, maxLen: 9 });
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
for (const k of ['sec_per_epoch', 'seq_per_sec', 'paper_sec_per_epoch', 'paper_seq_per_sec', 'peak_rss_mb']) {
  result[`ratio_${k}`] = result[k] / result[`ref_${k}`];
}
writeResult('sasrec', result);
