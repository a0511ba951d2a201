/**
 * Security headers on every response the collector sends — API JSON, errors (404, 401, …), the
 * dashboard and its files, reports — from one onSend hook registered before any route:
 *
 *   X-Content-Type-Options: nosniff       no type guessing (a CSV or JSON body is never run as HTML)
 *   X-Frame-Options: DENY                 + CSP frame-ancestors 'none': never inside another page
 *   Referrer-Policy: same-origin          URLs (practice codes, months) never leave in Referer
 *   Content-Security-Policy: DEFAULT_CSP  for everything but the dashboard: nothing loads, no
 *                                         script runs; inline styles and data: images only, which
 *                                         is what the self-contained HTML reports need
 *   Strict-Transport-Security             when the request came over HTTPS (directly, or from a
 *                                         trusted proxy: Fastify's trustProxy) or the config says
 *                                         the collector is reached over HTTPS (ui.secureCookies: always)
 *
 * A route (the dashboard's scope) may set its own Content-Security-Policy: the hook keeps it.
 * docs/security.md explains each header.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypedApp } from '../context.ts';

/** The HTML reports' policy (and every non-dashboard response's): no script, no fetch, no frames. */
export const DEFAULT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** One year; no includeSubDomains (n3mon does not own its parent domain's other hosts). */
export const HSTS = 'max-age=31536000';

export const ALWAYS: ReadonlyArray<readonly [string, string]> = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'same-origin'],
];

/** Every header this plugin sets (docs/security.md lists each; a test keeps them in step). */
export const SECURITY_HEADER_NAMES: readonly string[] = [...ALWAYS.map(([k]) => k), 'content-security-policy', 'strict-transport-security'];

export interface SecurityHeaderOptions {
  /** True when the config says every browser reaches the collector over HTTPS (ui.secureCookies: always). */
  httpsAlways: boolean;
}

/** The request came over HTTPS: TLS on this socket, or X-Forwarded-Proto from a proxy Fastify trusts. */
export function cameOverHttps(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

function addHeaders(req: FastifyRequest, reply: FastifyReply, opts: SecurityHeaderOptions): void {
  for (const [k, v] of ALWAYS) reply.header(k, v);
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', DEFAULT_CSP);
  if (opts.httpsAlways || cameOverHttps(req)) reply.header('strict-transport-security', HSTS);
}

export function registerSecurityHeaders(app: TypedApp, opts: SecurityHeaderOptions): void {
  // Callback style: no promise per response (measured 2–4 µs a response, ~1 % of the cheapest request).
  app.addHook('onSend', (req, reply, payload, done) => {
    addHeaders(req, reply, opts);
    done(null, payload);
  });
}
