// Build: bundles our TypeScript into dist/ (npm packages stay external and load from
// node_modules), and the dashboard (dashboards/web) into dist/web/ for the browser — uPlot and
// its CSS bundled in, so nothing is fetched from a CDN at run time. Type checking is separate
// (`npm run typecheck`, part of `npm test`).
//
// The build never leaves dist/ half-written for a process that is starting or running: it builds
// into a fresh directory, then renames each file into dist/ (atomic per file). Chunks of older
// builds stay for an hour, because a running n3mon loads some chunks lazily.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
const staging = mkdtempSync(join(dist, '.build-'));

// npm packages stay external, except BUNDLED: pure-JS packages that Node would otherwise load as
// hundreds of separate module files. typebox is ~700 ESM files; loaded from node_modules it costs
// a process ~13-20 MB of RSS, bundled ~2 MB (measured with bench/agent.ts: docs/performance.md,
// "Agent footprint"). Native or large packages (better-sqlite3, net-snmp, systeminformation, …)
// stay external.
const BUNDLED = new Set(['typebox']);
const externalExceptBundled = {
  name: 'external-except-bundled',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.split('/', args.path.startsWith('@') ? 2 : 1).join('/');
      return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

const started = Date.now();
try {
  await build({
    absWorkingDir: root,
    // store-worker: the SQLite store's worker thread (collector/src/storage/threaded/);
    // report-worker: the report workers' threads (collector/src/reports/workers/).
    entryPoints: {
      cli: 'cli/index.ts',
      'store-worker': 'collector/src/storage/threaded/worker.ts',
      'report-worker': 'collector/src/reports/workers/worker.ts',
    },
    outdir: staging,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    splitting: true,
    plugins: [externalExceptBundled],
    sourcemap: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  // The dashboard: one script, one stylesheet, one page (fixed names; the server revalidates them).
  const web = join(staging, 'web');
  const browser = { absWorkingDir: root, outdir: web, bundle: true, minify: true, sourcemap: true, legalComments: 'eof', logLevel: 'warning' };
  await build({
    ...browser,
    entryPoints: { app: 'dashboards/web/src/main.ts' },
    platform: 'browser',
    format: 'iife',
    target: ['chrome109', 'firefox115', 'safari16'],
  });
  await build({ ...browser, entryPoints: { app: 'dashboards/web/styles/app.css' }, target: ['chrome109', 'firefox115', 'safari16'] });
  copyFileSync(join(root, 'dashboards/web/index.html'), join(web, 'index.html'));
  const moved = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const from = join(dir, entry.name);
      if (entry.isDirectory()) walk(from);
      else moved.push(relative(staging, from));
    }
  };
  walk(staging);
  // Chunks first, the entry point last: a process started mid-build finds every chunk it names.
  // Likewise the dashboard's page after its script and stylesheet.
  const rank = (f) => (f.startsWith('chunks') ? 0 : f === join('web', 'index.html') ? 2 : 1);
  moved.sort((a, b) => rank(a) - rank(b) || Number(a === 'cli.js') - Number(b === 'cli.js'));
  for (const file of moved) {
    mkdirSync(dirname(join(dist, file)), { recursive: true });
    renameSync(join(staging, file), join(dist, file));
  }
  const keep = new Set(moved);
  const hourAgo = Date.now() - 3600_000;
  for (const name of readdirSync(join(dist, 'chunks'))) {
    const file = join('chunks', name);
    if (!keep.has(file) && statSync(join(dist, file)).mtimeMs < hourAgo) rmSync(join(dist, file), { force: true });
  }
} finally {
  rmSync(staging, { recursive: true, force: true });
}
console.log(`build: dist/ in ${Date.now() - started} ms`);
