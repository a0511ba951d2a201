/**
 * GET /healthz (no auth): 200 while the collector accepts ingest — not shutting down, the data
 * dir writable, the state database answering, the last store write (if any failed) followed by a good one;
 * otherwise 503 with the reason.
 */
import { accessSync, constants } from 'node:fs';
import Type from 'typebox';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  reasons: Type.Array(Type.String()),
  uptimeS: Type.Number(),
  store: Type.Object({ backend: Type.String(), writable: Type.Boolean() }),
  inflightBatches: Type.Integer(),
});

async function problems(ctx: AppContext): Promise<string[]> {
  const out: string[] = [];
  if (ctx.lifecycle.shuttingDown) out.push('shutting down');
  try {
    accessSync(ctx.config.dataDir, constants.W_OK);
  } catch (err) {
    out.push(`data dir not writable (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    await ctx.meta.state.get('SELECT 1 AS ok');
  } catch (err) {
    out.push(`state database not answering (${(err as Error).message})`);
  }
  const failed = ctx.ingestor.lastStoreError;
  if (failed !== null) out.push(`last store write failed at ${new Date(failed.at).toISOString()}: ${failed.message}`);
  return out;
}

function register(app: TypedApp, ctx: AppContext): void {
  const started = ctx.clock.monotonic();
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], summary: 'Liveness and readiness (no auth)', response: { 200: Health, 503: Health } } },
    async (_req, reply) => {
      const reasons = await problems(ctx);
      const storeOk = !reasons.some((r) => !r.startsWith('shutting'));
      return reply.status(reasons.length === 0 ? 200 : 503).send({
        status: reasons.length === 0 ? 'ok' : 'unavailable',
        reasons,
        uptimeS: Math.round((ctx.clock.monotonic() - started) / 100) / 10,
        store: { backend: ctx.store.backend, writable: storeOk },
        inflightBatches: ctx.ingestor.inflight,
      });
    },
  );
}

export const healthRoutes: RouteModule = { name: 'health', register };
