// The `recexplainer` command line: one subcommand per pipeline stage. A UserError (bad
// input, bad flag) or a file-system error (missing file, unwritable folder: engine/fs_errors.ts)
// prints one line and exits 1; anything else is a bug and exits 2.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { UserError } from '../engine/errors.js';
import { fsUserError } from '../engine/fs_errors.js';
import { alignCommand } from './align.js';
import { dataCommand } from './data.js';
import { distillCommand } from './distill.js';
import { evalCommand } from './eval.js';
import { explainCommand } from './explain.js';
import { exportGgufCommand } from './export_gguf.js';
import { exportJobCommand } from './export_job.js';
import { generateCommand } from './generate.js';
import { importAdapterCommand } from './import_adapter.js';
import { pretrainCommand } from './pretrain.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { tasksCommand } from './tasks.js';
import { trainRecCommand } from './train_rec.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('recexplainer')
    .description('RecExplainer: align a language model to a recommender, predict what it would do, and explain why')
    .version(pkg.version)
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ sortSubcommands: false });
  program.addCommand(runCommand());
  program.addCommand(serveCommand());
  program.addCommand(dataCommand());
  program.addCommand(trainRecCommand());
  program.addCommand(distillCommand());
  program.addCommand(pretrainCommand());
  program.addCommand(tasksCommand());
  program.addCommand(alignCommand());
  program.addCommand(evalCommand());
  program.addCommand(explainCommand());
  program.addCommand(generateCommand());
  program.addCommand(exportGgufCommand());
  program.addCommand(exportJobCommand());
  program.addCommand(importAdapterCommand());
  for (const c of program.commands) c.showHelpAfterError('(add --help for usage)');
  return program;
}

/** A closed stdout (`recexplainer … | head`) ends the process quietly, as other command-line tools do. */
function quietOnClosedPipe(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  const program = buildProgram().exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander already printed the message
    const user = err instanceof UserError ? err : fsUserError(err, argv);
    if (user) {
      console.error(`recexplainer: ${user.message}`);
      return 1;
    }
    const e = err as Error;
    console.error(`recexplainer: internal error: ${e?.message ?? String(err)}`);
    if (process.env.RECEXPLAINER_DEBUG) console.error(e?.stack);
    else console.error('(set RECEXPLAINER_DEBUG=1 for the stack trace, and please report it)');
    return 2;
  }
}
