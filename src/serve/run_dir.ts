// Which run folder the service answers from: the one given, or the latest finished `run` folder
// under <cwd>/runs/ (its marker says kind "run" and report.json is there; latest by report.json's
// time). No such folder is a one-line error naming the command that makes one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../engine/errors.js';
import { readMarker } from '../engine/out_folder.js';

const REPORT = 'report.json';

/** Whether `dir` is a finished run folder. */
function isRun(dir: string): boolean {
  try {
    return readMarker(dir)?.kind === 'run' && existsSync(join(dir, REPORT));
  } catch {
    return false; // a folder with a broken marker is not a candidate
  }
}

/** The folder to serve, absolute. */
export function runDir(given: string | undefined, cwd = process.cwd()): string {
  if (given !== undefined) {
    const dir = resolve(cwd, given);
    if (!existsSync(dir)) throw new UserError(`--run ${given}: no such folder`);
    if (!isRun(dir))
      throw new UserError(
        `--run ${given}: not a finished run folder (no run marker or no ${REPORT}); make one with \`npx recexplainer run\``,
      );
    return dir;
  }
  const root = join(cwd, 'runs');
  const runs = existsSync(root)
    ? readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && isRun(join(root, e.name)))
        .map((e) => ({ dir: join(root, e.name), at: statSync(join(root, e.name, REPORT)).mtimeMs }))
    : [];
  if (runs.length === 0) throw new UserError(`no finished run under ${root}: make one with \`npx recexplainer run\` (or give --run DIR)`);
  return runs.sort((a, b) => b.at - a.at || a.dir.localeCompare(b.dir))[0].dir;
}
