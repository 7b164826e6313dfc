// `recexplainer serve`: the JSON API and the web UI over a run folder (src/serve/), until SIGTERM or SIGINT, which
// drain it: requests in progress finish, new ones are refused, then the command returns.
import { Command } from 'commander';
import { SERVE_SPEC, type ServeConfig } from '../serve/config.js';
import { runDir } from '../serve/run_dir.js';
import { startServer } from '../serve/server.js';
import { disposeService, loadService } from '../serve/service.js';
import { addOptions } from './options.js';

export function serveCommand(): Command {
  const cmd = new Command('serve').description(
    "Serve a run folder over HTTP: f's predictions, the aligned models' answers and scored explanations as a JSON API under /v1, and a web UI to explore, compare and rate them blind",
  );
  return addOptions(cmd, SERVE_SPEC).action(async (cfg: ServeConfig) => {
    const dir = runDir(cfg.run);
    const svc = await loadService(dir, (line) => console.error(line));
    const server = await startServer(svc, cfg, (line) => console.error(line));
    console.log(
      `serving ${dir} at ${server.url} (f + ${svc.lms.map((l) => l.name).join(', ') || 'no language model'}); the web UI at ${server.url}/; SIGTERM or Ctrl-C stops`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        console.error(`${signal}: draining (${server.queue.running} running, ${server.queue.queued} waiting) …`);
        void server.close().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    disposeService(svc);
    console.error('stopped');
  });
}
