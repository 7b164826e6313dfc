// The child process of run --jobs (jobs.ts): takes one JobRequest over IPC, sets the native kernels'
// threads, makes the call, answers one JobReply (its time and peak RSS, or the error) and exits.
import { align } from '../align/train.js';
import type { AlignConfig } from '../align/config.js';
import { UserError } from '../engine/errors.js';
import { loadNative } from '../engine/native.js';
import { peakRssMb } from '../engine/resources.js';
import type { EvalConfig } from '../eval/config.js';
import { evaluateAll } from '../eval/run.js';
import type { ExplainConfig } from '../explain/config.js';
import { explainAll } from '../explain/run.js';
import type { JobReply, JobRequest } from './jobs.js';

const answer = (r: JobReply) => process.send!(r, () => process.exit(r.ok ? 0 : 1));

process.once('message', async (m: JobRequest) => {
  try {
    loadNative()?.setThreads(m.threads);
    const t0 = performance.now();
    if (m.kind === 'align') await align(m.cfg as AlignConfig);
    else if (m.kind === 'eval') await evaluateAll(m.cfg as EvalConfig);
    else await explainAll(m.cfg as ExplainConfig);
    answer({ ok: true, seconds: (performance.now() - t0) / 1000, peak_rss_mb: peakRssMb() });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    answer({ ok: false, userError: err instanceof UserError, message: err.message, stack: err.stack });
  }
});
