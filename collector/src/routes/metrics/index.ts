/** GET /metrics (no auth): the collector's own metrics in Prometheus text format (docs/api.md). */
import Type from 'typebox';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/prom.ts';

function register(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics: collector health, ingest counters, store stats, per-practice status (no auth)',
        response: { 200: Type.String({ description: `Prometheus text exposition format (${PROMETHEUS_CONTENT_TYPE})` }) },
      },
    },
    async (_req, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(ctx.metrics.render()),
  );
}

export const metricsRoutes: RouteModule = { name: 'metrics', register };
