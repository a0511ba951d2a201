/**
 * GET /api/v1/overview — the dashboard's overview: every practice the reader may see, with its
 * status, RAG per area, since when, last seen, open alerts and the first reason; filtered, sorted
 * and paged on the server, so it stays small and fast for 8,000 practices (bench/overview.ts).
 */
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { OverviewQuery, OverviewResponse } from './schemas.ts';
import { queryOverview, type RowInput } from './rows.ts';

function register(app: TypedApp, ctx: AppContext): void {
  const sources = { status: ctx.status, lastSeen: (ods: string) => ctx.activity.lastSeen(ods) };
  // Practice rows are shared and frozen until the practice list changes: cache their search text.
  const hay = new WeakMap<RowInput, string>();
  const haystack = (p: RowInput): string => {
    let t = hay.get(p);
    if (t === undefined) hay.set(p, (t = `${p.ods} ${p.name}`.toLowerCase()));
    return t;
  };
  app.get(
    '/api/v1/overview',
    {
      onRequest: ctx.auth.apiKey,
      schema: {
        tags: ['read'],
        summary: 'Overview of practices: status, RAG per area, since when, last seen, open alerts (filter, search, sort, page)',
        security: SECURITY.reader,
        querystring: OverviewQuery,
        response: { 200: OverviewResponse, ...errorResponses(400, 401) },
      },
    },
    async (req, reply) => {
      const reader = req.reader!;
      let rows: readonly RowInput[];
      if (reader.role === 'servicedesk') rows = await ctx.meta.practices.list();
      else {
        const own = reader.practice === null ? undefined : await ctx.meta.practices.get(reader.practice);
        rows = own === undefined ? [] : [own];
      }
      reply.header('cache-control', 'no-store');
      return queryOverview(rows, sources, req.query, ctx.clock.now(), haystack);
    },
  );
}

export const overviewRoutes: RouteModule = { name: 'overview', register };
