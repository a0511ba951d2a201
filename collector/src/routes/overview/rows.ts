/**
 * The overview's rows and query (pure: filter, count, sort, page), apart from the route so it is
 * unit-tested and benchmarked as it runs. Everything comes from memory: practice rows, the status
 * provider, agent activity.
 */
import { AREAS, type Area } from '../../evaluation/profile-schema.ts';
import type { PracticeStatus, PracticeStatusCode, StatusProvider } from '../../status/provider.ts';
import type { OverviewQuery, OverviewResponse, OverviewRow } from './schemas.ts';

/**
 * What a status provider may add to PracticeStatus: RAG per area and since when (the rule-based
 * provider, collector/src/notifications/status.ts, gives both). Without them an area shows null —
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

/** What sorting and filtering need of one practice; the full row is built for the page only. */
interface Match {
  p: RowInput;
  st: StatusWithAreas;
  since: number | null;
  lastSeen: number | null;
}

function sinceOf(st: StatusWithAreas, lastSeen: number | null): number | null {
  if (st.status === 'ok') return null;
  return st.since ?? (st.status === 'unknown' ? lastSeen : null);
}

function rowOfMatch(m: Match, now: number): OverviewRow {
  const judged = m.st.areas ?? {};
  const areas = {} as OverviewRow['areas'];
  for (const a of AREAS) areas[a] = judged[a] ?? null;
  if (areas.agent === null) areas.agent = m.lastSeen !== null && now - m.lastSeen <= AGENT_STALE_MS ? 'ok' : 'unknown';
  return {
    ods: m.p.ods,
    name: m.p.name,
    status: m.st.status,
    since: m.since,
    lastSeen: m.lastSeen,
    openAlerts: m.st.openAlerts,
    areas,
    reason: m.st.reasons[0] ?? null,
  };
}

function matchOf(p: RowInput, src: RowSources, now: number): Match {
  const st: StatusWithAreas = src.status.statusOf(p.ods, now);
  const lastSeen = src.lastSeen(p.ods);
  return { p, st, since: sinceOf(st, lastSeen), lastSeen };
}

/** One practice's row (the detail view and tests). */
export function rowOf(p: RowInput, src: RowSources, now: number): OverviewRow {
  return rowOfMatch(matchOf(p, src, now), now);
}

/** Is the area a problem (warning or critical) for this practice? Unjudged areas never are. */
function areaProblem(st: StatusWithAreas, area: Area): boolean {
  const cell = st.areas?.[area];
  return cell === 'warning' || cell === 'critical';
}

const collator = new Intl.Collator('en-GB', { sensitivity: 'base', numeric: true });
// Nulls last in ascending order: "never seen" sorts after every time.
const num = (x: number | null): number => (x === null ? Number.POSITIVE_INFINITY : x);
const byOds = (a: Match, b: Match): number => (a.p.ods < b.p.ods ? -1 : a.p.ods > b.p.ods ? 1 : 0);

function comparator(sort: OverviewQuery['sort']): (a: Match, b: Match) => number {
  switch (sort) {
    case 'ods':
      return byOds;
    case 'name':
      return (a, b) => collator.compare(a.p.name, b.p.name) || byOds(a, b);
    case 'lastSeen':
      return (a, b) => num(a.lastSeen) - num(b.lastSeen) || byOds(a, b);
    case 'since':
      return (a, b) => num(a.since) - num(b.since) || byOds(a, b);
    case 'openAlerts':
      return (a, b) => b.st.openAlerts - a.st.openAlerts || byOds(a, b);
    case 'status':
      // Worst first; within a status, the longest in it first; then most alerts.
      return (a, b) => SEVERITY[a.st.status] - SEVERITY[b.st.status] || num(a.since) - num(b.since) || b.st.openAlerts - a.st.openAlerts || byOds(a, b);
  }
}

/**
 * Filter, count, sort and page the practices. Per practice it asks the status provider once (from
 * memory) and keeps what sorting needs; full rows are built for the returned page only.
 * `haystack` gives the lower-cased "ods name" text to search (callers cache it per practice row).
 */
export function queryOverview(
  practices: readonly RowInput[],
  src: RowSources,
  q: OverviewQuery,
  now: number,
  haystack: (p: RowInput) => string = (p) => `${p.ods} ${p.name}`.toLowerCase(),
): OverviewResponse {
  const needle = q.q?.trim().toLowerCase() ?? '';
  const statuses = q.status === undefined ? undefined : new Set(q.status.split(','));
  const counts: OverviewResponse['counts'] = { ok: 0, warning: 0, critical: 0, unknown: 0 };
  const matched: Match[] = [];
  for (const p of practices) {
    if (needle !== '' && !haystack(p).includes(needle)) continue;
    const st: StatusWithAreas = src.status.statusOf(p.ods, now);
    counts[st.status]++;
    if (statuses !== undefined && !statuses.has(st.status)) continue;
    if (q.area !== undefined && !areaProblem(st, q.area)) continue;
    const lastSeen = src.lastSeen(p.ods);
    matched.push({ p, st, since: sinceOf(st, lastSeen), lastSeen });
  }
  const cmp = comparator(q.sort);
  matched.sort(q.dir === 'desc' ? (a, b) => cmp(b, a) : cmp);
  const items = matched.slice(q.offset, q.offset + q.limit).map((m) => rowOfMatch(m, now));
  return { now, total: matched.length, offset: q.offset, limit: q.limit, counts, areas: [...AREAS], items };
}
