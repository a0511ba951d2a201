/**
 * GET /api/v1/practices/:ods/series?metric=&from=&to=&step=&agent=&<label>=… — one metric's
 * series of a practice, summarised per step (count, mean, min, max, p50, p95) by store.aggregate.
 */
import { N3monError } from '../../../../shared/src/errors.ts';
import { LabelNamePattern, RESERVED_LABELS } from '../../../../shared/src/wire.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import type { Bucket } from '../../storage/types.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertCanRead } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { OdsParams, SeriesQuery, SeriesResponse, type Point } from './schemas.ts';
import { MAX_POINTS, resolveRange } from './time.ts';
import { practiceOr404 } from './index.ts';

export const MAX_SERIES = 500;
const labelName = new RegExp(LabelNamePattern);
const reserved: readonly string[] = RESERVED_LABELS;

export function toPoint(b: Bucket): Point {
  return { ts: b.start, count: b.count, mean: b.sum / b.count, min: b.min, max: b.max, p50: b.sketch.quantile(0.5), p95: b.sketch.quantile(0.95) };
}

/** Label filters from the query (everything but the known parameters). */
export function labelFilters(query: Record<string, string | undefined>): { labels: Record<string, string>; problems: string[] } {
  const labels: Record<string, string> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (['metric', 'from', 'to', 'step', 'agent'].includes(k) || v === undefined) continue;
    if (reserved.includes(k)) problems.push(`query.${k}: not a label filter (the practice is in the path; use agent= for the agent)`);
    else if (!labelName.test(k) || k.length > 64) problems.push(`query[${JSON.stringify(k)}]: not a known parameter or a label name`);
    else labels[k] = v;
  }
  return { labels, problems };
}

function register(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/api/v1/practices/:ods/series',
    {
      onRequest: ctx.auth.apiKey,
      schema: {
        tags: ['read'],
        summary: 'Time series of one metric, aggregated per step',
        description:
          'Any query parameter besides metric, from, to, step and agent is a label filter (e.g. role=n3-gateway&target=10.0.0.1). ' +
          `At most ${MAX_POINTS} points per series and ${MAX_SERIES} series; p50/p95 come from a quantile sketch (within 1 %).`,
        security: SECURITY.reader,
        params: OdsParams,
        querystring: SeriesQuery,
        response: { 200: SeriesResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { ods } = req.params;
      assertCanRead(req, ods);
      await practiceOr404(ctx, ods);
      const q = req.query;
      const { labels, problems } = labelFilters(q);
      const range = resolveRange(q, ctx.clock.now());
      if (!range.ok) problems.push(...range.problems);
      if (problems.length > 0 || !range.ok) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid query', { problems });
      const found = await ctx.store.findSeries({ practice: ods, metric: q.metric, ...(q.agent === undefined ? {} : { agent: q.agent }), labels });
      if (found.length > MAX_SERIES) {
        throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'too many series', {
          problems: [`query: ${found.length} series match (at most ${MAX_SERIES}); add label filters such as role= or target=`],
        });
      }
      const buckets =
        found.length === 0
          ? new Map<string, Bucket[]>()
          : await ctx.store.aggregate({ seriesIds: found.map((s) => s.id), from: range.from, to: range.to, stepMs: range.stepMs });
      const series = found
        .map((s) => ({ id: s.id, agent: s.agent, labels: { ...s.labels }, points: (buckets.get(s.id) ?? []).map(toPoint) }))
        .sort((a, b) => a.agent.localeCompare(b.agent) || JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
      return { practice: ods, metric: q.metric, from: range.from, to: range.to, stepMs: range.stepMs, series };
    },
  );
}

export const seriesRoutes: RouteModule = { name: 'series', register };
