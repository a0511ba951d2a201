/**
 * Who may read the operational documents, `GET /metrics` and `GET /openapi.json` (config
 * `metrics.public`, default false):
 *
 *   public: true    anyone, no credential
 *   public: false   without a credential from loopback only (a Prometheus or an operator on the
 *                   collector's own machine); from anywhere else with a servicedesk API key — or
 *                   an admin/servicedesk dashboard session — (401 without one, 403 for a practice
 *                   key)
 *
 * Why not public by default: /metrics names every practice with its status and the ingest
 * counters, which tell an outsider which practices are down and how busy the service is; the
 * OpenAPI document maps the attack surface. Why loopback without a key: the quick start and a
 * local scraper work unchanged. Loopback is the client address after trusted proxies (`req.ip`,
 * Fastify's trustProxy); a request carrying X-Forwarded-For or Forwarded is never treated as
 * local, so a reverse proxy on the same machine does not make the whole internet "loopback".
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { N3monError } from '../../../shared/src/errors.ts';
import { isLoopbackAddress } from '../../../shared/src/loopback.ts';
import type { AppContext } from '../context.ts';

/** The client is on this machine and no proxy stands between. */
export function isLocalRequest(req: FastifyRequest): boolean {
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) return false;
  return isLoopbackAddress(req.ip);
}

/** onRequest hook for /metrics and /openapi.json. */
export function opsAccess(ctx: Pick<AppContext, 'config' | 'auth'>) {
  return async function opsAccessHook(this: unknown, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (ctx.config.metrics.public) return;
    if (req.headers.authorization === undefined && isLocalRequest(req)) return;
    await ctx.auth.apiKey.call(this as never, req, reply);
    if (req.reader?.role !== 'servicedesk') {
      throw new N3monError('N3MON_ERR_AUTH_FORBIDDEN', 'this needs a servicedesk key (or metrics.public: true in the collector config)');
    }
  };
}
