// Builds the optional native kernels (native/ → native/build/Release/recx_kernels.node) with npm's bundled
// node-gyp against the installed Node headers, offline. Always exits 0: on failure it prints one line and the
// engine keeps using the tfjs-wasm kernels.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const prefix = dirname(dirname(process.execPath));

function skip(reason) {
  console.log(`native kernels not built (${reason}); the engine will use tfjs-wasm kernels`);
  process.exit(0);
}

// npm's own node-gyp: beside the npm running this script, else beside this node.
const gyp = [
  process.env.npm_execpath && join(dirname(dirname(process.env.npm_execpath)), 'node_modules/node-gyp/bin/node-gyp.js'),
  join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].find((p) => p && existsSync(p));
if (!gyp) skip('node-gyp not found beside npm');

// Headers installed with node (e.g. /usr/include/node) avoid node-gyp's download.
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined);
const args = [gyp, 'rebuild', '--directory', join(root, 'native'), ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
if (r.error) skip(r.error.message);
if (r.status !== 0) {
  // the compiler's or gyp's own complaint, else node-gyp's summary
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim());
  const why =
    lines.find((l) => /error:|^gyp: /i.test(l) && !l.startsWith('gyp ERR!')) ??
    lines.find((l) => l.startsWith('gyp ERR! stack Error:'))?.slice('gyp ERR! stack '.length);
  skip(why ?? `node-gyp exited with ${r.status}`);
}
console.log('native kernels built: native/build/Release/recx_kernels.node');
