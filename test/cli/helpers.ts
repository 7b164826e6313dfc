// Runs the CLI in a child process (through tsx, from source) and captures its output.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], cwd = ROOT): CliResult {
  const code = `import { main } from ${JSON.stringify(ROOT + 'src/cli/main.ts')}; process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, ...args], { cwd, encoding: 'utf8', env: { ...process.env, RECEXPLAINER_DEBUG: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const REPO_ROOT = ROOT;
