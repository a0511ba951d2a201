/**
 * The built dashboard (dist/web: index.html, app.js, app.css — `npm run build`) served at `/` by
 * @fastify/static, with a strict Content-Security-Policy (DASHBOARD_CSP): everything from this
 * origin, nothing inline, nothing from the network. Files are revalidated (ETag) on each load, so a rebuilt
 * dashboard shows up with a plain reload.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { TypedApp } from '../context.ts';

/**
 * The dashboard's Content-Security-Policy (the rest of the security headers come from
 * plugins/security-headers.ts on every response): scripts, styles, fetches only from this origin,
 * nothing inline, never framed. test/e2e/dashboard fails on any CSP violation Chromium reports.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Where the built dashboard is: dist/web next to the running code. The bundle runs from dist/
 * (dist/cli.js or dist/chunks/…), the sources from collector/src/ui/; both find <repo>/dist/web.
 */
export function findWebRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, 'web'), join(dir, 'dist', 'web')]) {
      if (existsSync(join(candidate, 'index.html'))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>n3mon</title>
<body><h1>n3mon</h1><p>The dashboard is not built. Run <code>npm run build</code>, then restart n3mon.</p>
<p>The API is up: <a href="/openapi.json">/openapi.json</a>.</p></body></html>`;

export async function registerStatic(scope: TypedApp, webRoot: string | undefined): Promise<void> {
  // Runs after the app-wide security-headers hook (a child scope's hooks come last): replaces its CSP.
  scope.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', DASHBOARD_CSP);
    return payload;
  });
  if (webRoot === undefined) {
    scope.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await scope.register(fastifyStatic, {
    root: webRoot,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    cacheControl: false,
    etag: true,
    lastModified: true,
    dotfiles: 'ignore',
    schemaHide: true,
    decorateReply: false,
    setHeaders: (reply) => {
      reply.header('cache-control', 'no-cache');
    },
  });
}
