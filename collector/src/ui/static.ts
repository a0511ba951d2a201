/**
 * The built dashboard (dist/web: index.html, app.js, app.css — `npm run build`) served at `/` by
 * @fastify/static, with a strict Content-Security-Policy: everything from this origin, nothing
 * inline, nothing from the network. Files are revalidated (ETag) on each load, so a rebuilt
 * dashboard shows up with a plain reload.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { TypedApp } from '../context.ts';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

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

function addSecurityHeaders(reply: FastifyReply): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
}

export async function registerStatic(scope: TypedApp, webRoot: string | undefined): Promise<void> {
  scope.addHook('onSend', async (_req, reply, payload) => {
    addSecurityHeaders(reply);
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
