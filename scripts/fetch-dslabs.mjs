// Fetches the default data set (MovieLens latest-small inside Debian's r-cran-dslabs) into
// <repo>/.cache/dslabs with apt-get download + dpkg-deb -x; no R needed. Idempotent: does nothing
// when the system R library or the cache already has dslabs/data/Rdata.rdb. Exits 1 with one line on failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'r-cran-dslabs';
const PACKAGE_DATA = 'usr/lib/R/site-library/dslabs/data/Rdata.rdb';
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const debDir = join(root, '.cache', 'debs');
const extractDir = join(root, '.cache', 'dslabs');
const cached = join(extractDir, PACKAGE_DATA);
const systemPaths = ['/' + PACKAGE_DATA, '/usr/local/lib/R/site-library/dslabs/data/Rdata.rdb'];

function fail(message) {
  console.error(`fetch-dslabs: ${message}`);
  process.exit(1);
}

/** Runs a command with its output shown; returns false on a non-zero exit, fails if it cannot start. */
function run(cmd, args, cwd) {
  try {
    execFileSync(cmd, args, { cwd, stdio: 'inherit' });
    return true;
  } catch (err) {
    if (err.code === 'ENOENT') fail(`${cmd} not found: this step needs a Debian/Ubuntu system (or pass --input to an Rdata.rdb)`);
    return false;
  }
}

// As root, apt's download sandbox user cannot write into our cache folder; download as root instead.
const download = ['download', ...(process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : []), PACKAGE];

function debFile() {
  return readdirSync(debDir)
    .filter((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'))
    .sort()
    .pop();
}

const present = [...systemPaths, cached].find((p) => existsSync(p));
if (present) {
  console.log(`dslabs data already present: ${present}`);
  process.exit(0);
}

mkdirSync(debDir, { recursive: true });
if (!debFile() && !run('apt-get', download, debDir)) {
  console.log(`apt-get download ${PACKAGE} failed; running apt-get update once and retrying`);
  if (!run('apt-get', ['update'], debDir)) fail('apt-get update failed (are the Debian repositories reachable?)');
  if (!run('apt-get', download, debDir)) fail(`apt-get download ${PACKAGE} failed`);
}
const deb = debFile();
if (!deb) fail(`apt-get reported success but no ${PACKAGE}_*.deb is in ${debDir}`);
mkdirSync(extractDir, { recursive: true });
if (!run('dpkg-deb', ['-x', join(debDir, deb), extractDir], root)) fail(`dpkg-deb -x ${deb} failed`);
if (!existsSync(cached)) fail(`${deb} has no ${PACKAGE_DATA}`);
console.log(`dslabs data ready: ${cached}`);
