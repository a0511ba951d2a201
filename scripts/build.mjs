// Build: bundles our TypeScript into dist/ (npm packages stay external and load from
// node_modules). Type checking is separate (`npm run typecheck`, part of `npm test`).
import { build } from 'esbuild';
import { rmSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'shared/src/cli/index.ts' },
  outdir: dist,
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
console.log(`build: dist/ in ${Date.now() - started} ms`);
