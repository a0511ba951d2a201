/**
 * GET /api/v1/practices and GET /api/v1/practices/:ods. A servicedesk key sees every practice, a
 * practice key only its own (403 for another). The overview answers from memory (the practice list
 * cached by PracticeRepo, one change-counter read per request, + the status provider), so it stays
 * fast for thousands of practices.
 */
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AppContext, RouteModule, TypedApp } from '../../context.ts';
import type { PracticeRow } from '../../meta/index.ts';
import type { StoredSeries } from '../../storage/types.ts';
import type { PracticeStatus, PracticeStatusCode } from '../../status/provider.ts';
import { errorResponses } from '../../plugins/errors.ts';
import { assertCanRead } from '../../plugins/auth.ts';
import { SECURITY } from '../../plugins/swagger.ts';
import { ListQuery, OdsParams, PracticeDetail, PracticeList, type PracticeSummary } from './schemas.ts';

const SEVERITY: Record<PracticeStatusCode, number> = { critical: 0, warning: 1, unknown: 2, ok: 3 };

export function isoOrNull(ts: number | null): string | null {
  return ts === null ? null : new Date(ts).toISOString();
}

function summary(ctx: AppContext, p: PracticeRow, st: PracticeStatus): PracticeSummary {
  return {
    ods: p.ods,
    name: p.name,
    status: st.status,
    lastSeen: isoOrNull(ctx.activity.lastSeen(p.ods)),
    openAlerts: st.openAlerts,
    sites: p.sites,
    ...(st.areas === undefined ? {} : { areas: st.areas as Record<string, PracticeStatusCode> }),
  };
}

/** The practice row, or 404 (after the caller checked the reader may see it). */
export async function practiceOr404(ctx: AppContext, ods: string): Promise<PracticeRow> {
  const p = await ctx.meta.practices.get(ods);
  if (p === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `practice ${ods} is not known`);
  return p;
}

/** Group a practice's series by agent + `check` label, for the detail view. */
export function checksOf(series: readonly StoredSeries[]): PracticeDetail['checks'] {
  const byKey = new Map<string, PracticeDetail['checks'][number] & { metricSet: Set<string> }>();
  for (const s of series) {
    const check = s.labels.check ?? '';
    const key = `${s.agent}\u0000${check}`;
    let c = byKey.get(key);
    if (c === undefined) {
      c = { agent: s.agent, check, metrics: [], series: 0, lastTs: null, metricSet: new Set() };
      for (const k of ['role', 'target', 'device', 'app'] as const) if (s.labels[k] !== undefined) c[k] = s.labels[k];
      byKey.set(key, c);
    }
    c.metricSet.add(s.metric);
    c.series++;
    if (s.lastTs !== undefined && (c.lastTs === null || s.lastTs > c.lastTs)) c.lastTs = s.lastTs;
  }
  return [...byKey.values()]
    .map(({ metricSet, ...c }) => ({ ...c, metrics: [...metricSet].sort() }))
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.check.localeCompare(b.check));
}

function register(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/api/v1/practices',
    {
      onRequest: ctx.auth.apiKey,
      schema: {
        tags: ['read'],
        summary: 'Practices with status, last seen and open alerts (filter, search, page)',
        security: SECURITY.reader,
        querystring: ListQuery,
        response: { 200: PracticeList, ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      const reader = req.reader!;
      const q = req.query;
      const now = ctx.clock.now();
      let rows: PracticeRow[];
      if (reader.role === 'servicedesk') rows = await ctx.meta.practices.list();
      else {
        const own = reader.practice === null ? undefined : await ctx.meta.practices.get(reader.practice);
        rows = own === undefined ? [] : [own];
      }
      const needle = q.q?.toLowerCase();
      const counts = { ok: 0, warning: 0, critical: 0, unknown: 0 };
      const matches: { p: PracticeRow; st: PracticeStatus }[] = [];
      for (const p of rows) {
        if (needle !== undefined && needle !== '' && !p.ods.toLowerCase().includes(needle) && !p.name.toLowerCase().includes(needle)) continue;
        const st = ctx.status.statusOf(p.ods, now);
        counts[st.status]++;
        if (q.status === undefined || st.status === q.status) matches.push({ p, st });
      }
      // Rows come ordered by ODS code; sorts are stable, so ties stay in ODS order.
      if (q.sort === 'name') matches.sort((a, b) => a.p.name.localeCompare(b.p.name));
      else if (q.sort === 'status') matches.sort((a, b) => SEVERITY[a.st.status] - SEVERITY[b.st.status]);
      const page = matches.slice(q.offset, q.offset + q.limit).map(({ p, st }) => summary(ctx, p, st));
      return { total: matches.length, offset: q.offset, limit: q.limit, counts, items: page };
    },
  );

  app.get(
    '/api/v1/practices/:ods',
    {
      onRequest: ctx.auth.apiKey,
      schema: {
        tags: ['read'],
        summary: 'One practice: status and why, agents with last seen, the checks and metrics it reports',
        security: SECURITY.reader,
        params: OdsParams,
        response: { 200: PracticeDetail, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { ods } = req.params;
      assertCanRead(req, ods);
      const p = await practiceOr404(ctx, ods);
      const st = ctx.status.statusOf(ods, ctx.clock.now());
      const series = await ctx.store.findSeries({ practice: ods });
      const metricCounts = new Map<string, number>();
      for (const s of series) metricCounts.set(s.metric, (metricCounts.get(s.metric) ?? 0) + 1);
      return {
        ...summary(ctx, p, st),
        reasons: st.reasons,
        agents: (await ctx.meta.agents.list(ods)).map((a) => ({
          name: a.name,
          lastSeen: isoOrNull(ctx.activity.agentLastSeen(ods, a.name) ?? a.lastSeen),
          createdAt: new Date(a.createdAt).toISOString(),
        })),
        checks: checksOf(series),
        metrics: [...metricCounts].sort(([a], [b]) => a.localeCompare(b)).map(([metric, n]) => ({ metric, series: n })),
      };
    },
  );
}

export const practiceRoutes: RouteModule = { name: 'practices', register };
