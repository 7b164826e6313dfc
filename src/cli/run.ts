// `recexplainer run`: every implemented pipeline stage on the embedded default data set,
// one artifact folder per stage under --out, then report.json + report.md at its top.
import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { DATA_DEFAULTS } from '../data/config.js';
import { buildDataset } from '../data/build.js';
import { writeFileAtomic, writeJsonAtomic } from '../engine/atomic.js';
import { statsMarkdown } from '../data/stats.js';
import { intArg } from './options.js';

interface RunFlags {
  out: string;
  seed: number;
  quiet: boolean;
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function runCommand(): Command {
  return new Command('run')
    .description('Run the whole pipeline on the embedded default data set (MovieLens from r-cran-dslabs)')
    .option('--out <dir>', 'output folder', 'runs/default')
    .option('--seed <n>', 'random seed', intArg(0), DATA_DEFAULTS.seed)
    .option('--quiet', 'no progress bars', false)
    .action(async (f: RunFlags) => {
      const timings: Record<string, number> = {};
      const t0 = Date.now();
      const dataDir = join(f.out, 'dataset');
      console.log('[1/1] data: MovieLens latest-small (dslabs), 5-core, leave-one-out');
      const stats = await buildDataset({ ...DATA_DEFAULTS, seed: f.seed, quiet: f.quiet, out: dataDir });
      timings.data = (Date.now() - t0) / 1000;
      console.log(`      ${stats.users} users, ${stats.items} items, ${stats.interactions} interactions`);
      const report = { dataset: stats, methods: {}, timings, peak_rss_mb: peakRssMb() };
      writeJsonAtomic(join(f.out, 'report.json'), report);
      const md = [
        '# RecExplainer run',
        '',
        'Stages run: data. (Recommender training, alignment and evaluation are added as they land.)',
        '',
        '| stage | seconds |',
        '|---|---:|',
        ...Object.entries(timings).map(([k, v]) => `| ${k} | ${v.toFixed(1)} |`),
        '',
        `Peak RSS: ${report.peak_rss_mb} MB.`,
        '',
        statsMarkdown(stats, 'dataset/sequence_lengths.svg').replace(/^# /, '## '),
      ].join('\n');
      writeFileAtomic(join(f.out, 'report.md'), md);
      console.log(`report: ${resolve(f.out, 'report.md')}`);
    });
}
