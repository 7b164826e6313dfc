// Independent pieces of `run` in child processes, N at a time (run --jobs): each job is one library
// call (align, evaluateAll or explainAll) with its config, made by job_child.ts in a fresh Node
// process whose native kernels use cores / N threads, so N jobs share the cores without fighting
// for them (the kernels split work by output blocks only: results do not depend on the threads).
// A job's output lines reach our stderr prefixed with its name; its progress bars print plain
// lines there (not a terminal). Jobs start longest first as slots free up. The first failure
// stops the others (their checkpoints let a rerun resume them) and is thrown: a UserError as the
// child's one line, anything else with the child's stack.
//   runJobs([{ name: 'align_b', kind: 'align', cfg }], 2, onDone) → resolves when every job ended well
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UserError } from '../engine/errors.js';

export type JobKind = 'align' | 'eval' | 'explain';

export interface Job {
  name: string; // shown before its lines, e.g. align_b
  kind: JobKind;
  cfg: object; // the call's config (plain JSON)
  weight?: number; // expected cost, larger first (default 1)
}

/** What the parent sends a child (one message). */
export interface JobRequest {
  kind: JobKind;
  cfg: object;
  threads: number;
}

/** What a child answers (one message), then it exits. */
export type JobReply =
  { ok: true; seconds: number; peak_rss_mb: number } | { ok: false; userError: boolean; message: string; stack?: string };

export interface JobDone {
  seconds: number; // the job's own wall time
  peak_rss_mb: number; // the child's peak RSS
}

/** N for --jobs 0: one job per core. */
export const jobSlots = (jobs: number) => (jobs > 0 ? jobs : availableParallelism());

/** Our Node flags for a child (a loader such as tsx's --import passes on), without those of a string script (-e, --input-type). */
export function childExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (['-e', '--eval', '-p', '--print', '--input-type'].includes(argv[i])) i++;
    else if (!/^--(eval|print|input-type)=/.test(argv[i])) out.push(argv[i]);
  }
  return out;
}

const here = fileURLToPath(import.meta.url);
// job_child.js beside this file in dist/, job_child.ts beside it under tsx (the child inherits our --import)
const CHILD = join(dirname(here), `job_child${extname(here)}`);

export async function runJobs(jobs: Job[], slots: number, onDone: (job: Job, done: JobDone) => void): Promise<void> {
  const queue = [...jobs].sort((a, b) => (b.weight ?? 1) - (a.weight ?? 1));
  const n = Math.max(1, Math.min(slots, queue.length));
  const threads = Math.max(1, Math.floor(availableParallelism() / n));
  const live = new Set<ChildProcess>();
  let failed: Error | undefined;
  const killAll = () => live.forEach((c) => c.kill('SIGTERM'));
  process.once('exit', killAll);
  const one = (job: Job) =>
    new Promise<void>((done, fail) => {
      const child = fork(CHILD, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: childExecArgv(process.execArgv) });
      live.add(child);
      for (const s of [child.stdout!, child.stderr!])
        createInterface({ input: s, crlfDelay: Infinity }).on('line', (l) => process.stderr.write(`[${job.name}] ${l}\n`));
      let reply: JobReply | undefined;
      child.on('message', (m) => (reply = m as JobReply));
      child.on('error', (e) => fail(new Error(`${job.name}: the job process failed to start: ${e.message}`)));
      child.on('exit', (code, signal) => {
        live.delete(child);
        if (reply?.ok) {
          onDone(job, { seconds: reply.seconds, peak_rss_mb: reply.peak_rss_mb });
          done();
        } else if (reply) fail(reply.userError ? new UserError(reply.message) : new Error(`${job.name}: ${reply.stack ?? reply.message}`));
        else if (signal)
          fail(
            new UserError(
              `${job.name}: its process was killed (${signal}: out of memory, or stopped from outside); rerun the same command to go on`,
            ),
          );
        else fail(new Error(`${job.name}: its process ended without an answer (exit code ${code})`));
      });
      child.send({ kind: job.kind, cfg: job.cfg, threads } satisfies JobRequest);
    });
  const worker = async () => {
    for (let job: Job | undefined; !failed && (job = queue.shift());) {
      try {
        await one(job);
      } catch (e) {
        failed ??= e as Error;
        killAll();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    process.off('exit', killAll);
  }
  if (failed) throw failed;
}
