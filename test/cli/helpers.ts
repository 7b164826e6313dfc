// Runs the CLI in a child process (through tsx, from source) and captures its output; or
// starts it and kills it mid-run, for resume tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = `import { main } from ${JSON.stringify(ROOT + 'src/cli/main.ts')}; process.exitCode = await main(process.argv.slice(1));`;
const NODE_ARGS = ['--import', 'tsx', '--input-type=module', '-e', ENTRY];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], cwd = ROOT, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, RECEXPLAINER_DEBUG: '', ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** As cli(), without blocking the event loop (for tests that serve the CLI from this process). */
export function cliAsync(args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env: { ...process.env, RECEXPLAINER_DEBUG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/**
 * Starts the CLI and SIGKILLs it as soon as `logFile` holds at least `minLines` lines; rejects
 * if the run exits on its own having written `doneFile` (it finished before it could be killed).
 */
export function cliKilledAt(args: string[], logFile: string, minLines: number, doneFile: string, pollMs = 20): Promise<void> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, stdio: 'ignore' });
  return new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(logFile) && readFileSync(logFile, 'utf8').trim().split('\n').length >= minLines) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
    }, pollMs);
    child.on(
      'exit',
      () => (clearInterval(poll), existsSync(doneFile) ? reject(new Error('run finished before it was killed')) : resolve()),
    );
  });
}
