// Installs Debian's `chromium` package, the browser the UI test (test/serve/ui.test.ts) drives through
// playwright-core, when /usr/bin/chromium is missing: apt-get update, then apt-get install -y
// --no-install-recommends chromium, as root (or through sudo when it is available without a password).
// Idempotent: does nothing when the browser is there. Exits 1 with one line on failure.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BROWSER = '/usr/bin/chromium';
const PACKAGE = 'chromium';

function fail(message) {
  console.error(`install-chromium: ${message}`);
  process.exit(1);
}

/** The command as root: itself when we are root, else through passwordless sudo. */
function asRoot(args) {
  if (process.getuid?.() === 0) return args;
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  } catch {
    fail(`${BROWSER} is missing and installing ${PACKAGE} needs root: run \`sudo apt-get install ${PACKAGE}\` or this step as root`);
  }
  return ['sudo', '-n', ...args];
}

function run(args) {
  const [cmd, ...rest] = asRoot(args);
  try {
    execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    if (err.code === 'ENOENT') fail(`${cmd} not found: this step needs a Debian/Ubuntu system with apt-get`);
    fail(`${args.join(' ')} failed (exit ${err.status})`);
  }
}

if (existsSync(BROWSER)) {
  console.log(`chromium already present: ${BROWSER}`);
  process.exit(0);
}
run(['apt-get', 'update']);
run(['apt-get', 'install', '-y', '--no-install-recommends', PACKAGE]);
if (!existsSync(BROWSER)) fail(`apt-get installed ${PACKAGE} but ${BROWSER} is still missing`);
console.log(`chromium ready: ${BROWSER}`);
