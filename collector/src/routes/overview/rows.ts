/**
 * The overview's rows and query (pure: filter, count, sort, page), apart from the route so it is
 * unit-tested and benchmarked as it runs. Everything comes from memory: practice rows, the status
 * provider, agent activity.
 */
import { AREAS, type Area } from '../../rules/profile-schema.ts';
import type { PracticeStatus, PracticeStatusCode, StatusProvider } from '../../status/provider.ts';
import type { OverviewQuery, OverviewResponse, OverviewRow } from './schemas.ts';

/**
 * What a status provider may add to PracticeStatus: RAG per area and since when (the rule-based
 * provider, collector/src/alerting/status.ts, gives both). Without them an area shows null —
 * except `agent`, judged from last seen — and `since` is known only for `unknown` (last seen).
 */
export type StatusWithAreas = PracticeStatus & { areas?: Partial<Record<Area, PracticeStatusCode>>; since?: number | null };

/** Agent silence after which the `agent` area is unknown when no provider judges it (as the default status). */
export const AGENT_STALE_MS = 5 * 60_000;

const SEVERITY: Record<PracticeStatusCode, number> = { critical: 0, warning: 1, unknown: 2, ok: 3 };

export interface RowInput {
  ods: string;
  name: string;
}

export interface RowSources {
  status: StatusProvider;
  lastSeen(practice: string): number | null;
}

export function rowOf(p: RowInput, src: RowSources, now: number): OverviewRow {
  const st: StatusWithAreas = src.status.statusOf(p.ods, now);
  const lastSeen = src.lastSeen(p.ods);
  const judged = st.areas ?? {};
  const areas = {} as OverviewRow['areas'];
  for (const a of AREAS) areas[a] = judged[a] ?? null;
  if (areas.agent === null) areas.agent = lastSeen !== null && now - lastSeen <= AGENT_STALE_MS ? 'ok' : 'unknown';
  let since = st.since ?? null;
  if (since === null && st.status === 'unknown') since = lastSeen;
  if (st.status === 'ok') since = null;
  return { ods: p.ods, name: p.name, status: st.status, since, lastSeen, openAlerts: st.openAlerts, areas, reason: st.reasons[0] ?? null };
}

function comparator(sort: OverviewQuery['sort']): (a: OverviewRow, b: OverviewRow) => number {
  const byOds = (a: OverviewRow, b: OverviewRow) => (a.ods < b.ods ? -1 : a.ods > b.ods ? 1 : 0);
  // Nulls last in ascending order: "never seen" sorts after every time.
  const num = (x: number | null) => (x === null ? Number.POSITIVE_INFINITY : x);
  switch (sort) {
    case 'ods':
      return byOds;
    case 'name':
      return (a, b) => a.name.localeCompare(b.name) || byOds(a, b);
    case 'lastSeen':
      return (a, b) => num(a.lastSeen) - num(b.lastSeen) || byOds(a, b);
    case 'since':
      return (a, b) => num(a.since) - num(b.since) || byOds(a, b);
    case 'openAlerts':
      return (a, b) => b.openAlerts - a.openAlerts || byOds(a, b);
    case 'status':
      // Worst first; within a status, the longest in it first; then most alerts.
      return (a, b) => SEVERITY[a.status] - SEVERITY[b.status] || num(a.since) - num(b.since) || b.openAlerts - a.openAlerts || byOds(a, b);
  }
}

/** Filter, count, sort and page the practices. */
export function queryOverview(practices: readonly RowInput[], src: RowSources, q: OverviewQuery, now: number): OverviewResponse {
  const needle = q.q?.trim().toLowerCase() ?? '';
  const statuses = q.status === undefined ? undefined : new Set(q.status.split(','));
  const counts: OverviewResponse['counts'] = { ok: 0, warning: 0, critical: 0, unknown: 0 };
  const matched: OverviewRow[] = [];
  for (const p of practices) {
    if (needle !== '' && !p.ods.toLowerCase().includes(needle) && !p.name.toLowerCase().includes(needle)) continue;
    const row = rowOf(p, src, now);
    counts[row.status]++;
    if (statuses !== undefined && !statuses.has(row.status)) continue;
    if (q.area !== undefined) {
      const cell = row.areas[q.area];
      if (cell !== 'warning' && cell !== 'critical') continue;
    }
    matched.push(row);
  }
  const cmp = comparator(q.sort);
  matched.sort(q.dir === 'desc' ? (a, b) => cmp(b, a) : cmp);
  return { now, total: matched.length, offset: q.offset, limit: q.limit, counts, areas: [...AREAS], items: matched.slice(q.offset, q.offset + q.limit) };
}
