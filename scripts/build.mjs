// Build: bundles our TypeScript into dist/ (npm packages stay external and load from
// node_modules). Type checking is separate (`npm run typecheck`, part of `npm test`).
//
// The build never leaves dist/ half-written for a process that is starting or running: it builds
// into a fresh directory, then renames each file into dist/ (atomic per file). Chunks of older
// builds stay for an hour, because a running n3mon loads some chunks lazily.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
const staging = mkdtempSync(join(dist, '.build-'));

const started = Date.now();
try {
  await build({
    absWorkingDir: root,
    entryPoints: { cli: 'shared/src/cli/index.ts' },
    outdir: staging,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    splitting: true,
    packages: 'external',
    sourcemap: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
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
  moved.sort((a, b) => Number(b.startsWith('chunks')) - Number(a.startsWith('chunks')));
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
