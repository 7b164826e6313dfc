// The web UI's files, made at server start: src/serve/ui/main.ts and what it imports bundled by esbuild
// into one browser script held in memory (about 0.1 s; the package ships the sources, so there is no
// build step to forget and no CDN), index.html and style.css as they are; and the run folder's charts
// (its top-level *.svg) for the Compare page. Every page is served with a self-only Content-Security-Policy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../engine/paths.js';
import { noBody, RawBody, route, type Route } from './route.js';

const UI = () => join(repoRoot(), 'src', 'serve', 'ui');
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'";

/** The UI as one script: esbuild's bundle of ui/main.ts (types stripped, imports inlined). */
export async function bundleUi(): Promise<string> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: [join(UI(), 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    charset: 'utf8',
    logLevel: 'silent',
  });
  return r.outputFiles[0].text;
}

/** The run's charts: the names of its top-level SVG files. */
export function chartNames(run: string): string[] {
  return existsSync(run)
    ? readdirSync(run)
        .filter((f) => /^[\w.-]+\.svg$/.test(f))
        .sort()
    : [];
}

export async function uiRoutes(run: string): Promise<Route[]> {
  const page = new RawBody('text/html; charset=utf-8', readFileSync(join(UI(), 'index.html')), { 'content-security-policy': CSP });
  const css = new RawBody('text/css; charset=utf-8', readFileSync(join(UI(), 'style.css')));
  const js = new RawBody('text/javascript; charset=utf-8', await bundleUi());
  const charts = chartNames(run);
  return [
    route('GET', '/', false, noBody, () => page),
    route('GET', '/ui/app.js', false, noBody, () => js),
    route('GET', '/ui/style.css', false, noBody, () => css),
    route('GET', '/v1/report/charts', false, noBody, () => ({ charts: charts.map((c) => `/v1/report/${c}`) })),
    ...charts.map((c) =>
      route('GET', `/v1/report/${c}`, false, noBody, () => new RawBody('image/svg+xml; charset=utf-8', readFileSync(join(run, c)))),
    ),
  ];
}
