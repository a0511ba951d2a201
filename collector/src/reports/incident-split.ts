/**
 * National incidents in the monthly report (docs/accounting-rules.md §12): for each national
 * application with national incidents the practice was part of this month, its judged periods are
 * split into the minutes inside those incidents and the practice's own minutes — the same
 * accounting rules on each part, the two parts adding up to the whole. The practice's own
 * infrastructure is judged on its own minutes; both are shown. The national link is split the same
 * way by the incidents of the practice's national-link provider (scope `provider`). Pure.
 */
import { RTT_METRIC, type CheckRef, type SeriesIndex } from './series-index.ts';
import { intersect, roundOutToMinutes, subtract, totalMs, type Interval } from './intervals.ts';
import { makePeriod, type Period } from './periods.ts';

/** A national incident (collector/src/incidents) the practice was a member of. */
export interface NationalIncidentRecord {
  id: number;
  scope: { kind: 'app' | 'target' | 'provider'; value: string };
  summary: string;
  start: number;
  /** null while open (it then counts up to the end of the judged part). */
  end: number | null;
}

export interface SplitPeriods {
  core: Period;
  all: Period;
}

export interface AppIncidentSplit {
  incidents: NationalIncidentRecord[];
  national: SplitPeriods;
  own: SplitPeriods;
  /** Series of the application whose minute pieces the split periods need. */
  seriesIds: string[];
}

/** Metrics the apps section reads per application (availability and response time). */
const APP_METRICS = ['tcp_connect_ms', 'http_phase_ms', 'http_total_ms'] as const;
/** Metrics the link section reads for the national link (sections/link.ts: RTT, jitter, loss). */
const LINK_METRICS = [RTT_METRIC, 'icmp_jitter_ms', 'icmp_loss_ratio'] as const;

interface PlanOpts {
  index: SeriesIndex;
  incidents: readonly NationalIncidentRecord[];
  core: Period;
  all: Period;
  judged: Interval;
}

/** The application a check belongs to in the apps section (sections/apps.ts groups the same way). */
export function appOfCheck(c: CheckRef): string {
  return c.app ?? c.target ?? c.check;
}

function incidentCovers(i: NationalIncidentRecord, checks: readonly CheckRef[]): boolean {
  if (i.scope.kind === 'app') return checks.some((c) => c.app === i.scope.value);
  if (i.scope.kind === 'target') return checks.some((c) => c.app === undefined && c.target === i.scope.value);
  return false;
}

/** The national and own periods of a group of checks under the given incidents; undefined when they cover no judged minute. */
function splitOf(opts: PlanOpts, incidents: NationalIncidentRecord[], checks: readonly CheckRef[], metrics: readonly string[]): AppIncidentSplit | undefined {
  if (incidents.length === 0) return undefined;
  const spans = roundOutToMinutes(
    intersect(
      incidents.map((i) => ({ from: i.start, to: i.end ?? opts.judged.to })),
      [opts.judged],
    ),
  );
  if (totalMs(spans) === 0) return undefined;
  const split = (name: 'national' | 'own', p: Period): Period => {
    const parts = name === 'national' ? intersect(p.intervals, spans) : subtract(p.intervals, spans);
    return { ...makePeriod(p.name, parts, []), excludedMs: p.excludedMs };
  };
  const keys = new Set(checks.map((c) => c.key));
  const seriesIds = [
    ...checks.flatMap((c) => opts.index.success(c.key).map((s) => s.id)),
    ...metrics.flatMap((m) => opts.index.metric(m, (c) => keys.has(c.key)).map((s) => s.id)),
  ];
  return {
    incidents,
    national: { core: split('national', opts.core), all: split('national', opts.all) },
    own: { core: split('own', opts.core), all: split('own', opts.all) },
    seriesIds,
  };
}

/** Per application with incidents this month: its national and own periods (core hours and 24×7). */
export function planIncidentSplit(opts: PlanOpts): Map<string, AppIncidentSplit> {
  const out = new Map<string, AppIncidentSplit>();
  if (opts.incidents.length === 0) return out;
  const byApp = new Map<string, CheckRef[]>();
  for (const c of opts.index.checks) {
    if (c.role !== 'national-app') continue;
    const app = appOfCheck(c);
    const list = byApp.get(app);
    if (list === undefined) byApp.set(app, [c]);
    else list.push(c);
  }
  for (const [app, checks] of byApp) {
    const split = splitOf(
      opts,
      opts.incidents.filter((i) => incidentCovers(i, checks)),
      checks,
      APP_METRICS,
    );
    if (split !== undefined) out.set(app, split);
  }
  return out;
}

/**
 * The national link's periods split by the incidents of the practice's national-link provider it
 * was part of (scope `provider`); `linkChecks` are the link section's reachability checks.
 */
export function planLinkIncidentSplit(opts: PlanOpts & { linkChecks: readonly CheckRef[] }): AppIncidentSplit | undefined {
  if (opts.linkChecks.length === 0) return undefined;
  return splitOf(
    opts,
    opts.incidents.filter((i) => i.scope.kind === 'provider'),
    opts.linkChecks,
    LINK_METRICS,
  );
}
