/**
 * Building one practice's report for one month: read the store through the accounting rules'
 * plan (collect.ts), count runs per check, find outages, then compute each section (sections/)
 * and the summary. Everything the report needs from outside comes in through ReportSources.
 */
import type { Logger } from '../../../shared/src/log.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import type { QuantileSketch, SeriesStore, StoredSeries } from '../storage/types.ts';
import type { ZonedClock } from '../../../shared/src/calendar/zoned.ts';
import { findOutages, hourlyRuns, inferRunsPerHour, type RunCount } from './accounting.ts';
import { emptyReadStats, readMinuteRuns, readMonthBuckets, type ReadStats } from './collect.ts';
import type { CheckRuns, IncidentRecord, MaintenanceRecord, PracticeFacts, ReportContext } from './context.ts';
import { intersect, roundOutToMinutes, totalMs, type Interval } from './intervals.ts';
import type { PracticeReport } from './model.ts';
import { HOUR_MS, judgedEnd, MINUTE_MS, monthFrame, REPORT_TIME_ZONE, reportZone } from './month.ts';
import { makePeriod } from './periods.ts';
import { planIncidentSplit, planLinkIncidentSplit, type NationalIncidentRecord } from './incident-split.ts';
import { isLinkReachability } from './sections/link.ts';
import { eachHour } from './hour-map.ts';
import { ACCOUNTING_RULES_VERSION } from './rules.ts';
import { indexSeries, type CheckRef } from './series-index.ts';
import type { ReportThresholds } from './thresholds.ts';
import { buildAppsSection } from './sections/apps.ts';
import { buildLinkSection, isWanInterface } from './sections/link.ts';
import { buildLanSection } from './sections/lan.ts';
import { buildIncidentsSection, isReachabilityCheck } from './sections/incidents.ts';
import { buildServersSection } from './sections/servers.ts';
import { buildCompletenessSection } from './sections/completeness.ts';
import { buildAppendix, buildSummary, type Headline, type OrgBaseline } from './sections/summary.ts';

/** Where a report's inputs come from; the composition root wires the real ones. */
export interface ReportSources {
  /** The series store, or a report worker's own reader (workers/). */
  store: Pick<SeriesStore, 'findSeries' | 'aggregate'>;
  newSketch: () => QuantileSketch;
  /** Core-time parts of [from, to) (collector/src/calendar). */
  coreIntervals: (from: number, to: number) => Array<{ from: number; to: number }>;
  /** The core hours in words, for the report header. */
  coreHoursText: string;
  thresholdsFor: (ods: string) => ReportThresholds;
  practice: (ods: string) => PracticeFacts | undefined | Promise<PracticeFacts | undefined>;
  /** Alerts and maintenance windows of a practice overlapping [from, to); undefined = no alert store. */
  incidents?: (
    ods: string,
    from: number,
    to: number,
  ) => Promise<{ alerts: IncidentRecord[]; maintenance: MaintenanceRecord[]; national?: NationalIncidentRecord[] }>;
  now: () => number;
  log: Logger;
}

/** The metrics a report reads (everything else of the practice is left in the store). */
export const REPORT_METRICS = [
  'probe_success',
  'icmp_rtt_avg_ms',
  'icmp_jitter_ms',
  'icmp_loss_ratio',
  'tcp_connect_ms',
  'http_phase_ms',
  'http_total_ms',
  'snmp_if_in_utilisation_ratio',
  'snmp_if_out_utilisation_ratio',
  'snmp_if_in_bps',
  'snmp_if_out_bps',
  'snmp_if_in_errors_per_s',
  'snmp_if_out_errors_per_s',
  'snmp_if_in_discards_per_s',
  'snmp_if_out_discards_per_s',
  'snmp_device_uptime_s',
  'host_cpu_load_ratio',
  'host_mem_used_ratio',
  'host_disk_used_ratio',
  'throughput_down_bps',
  'throughput_up_bps',
] as const;

/** Metrics of which only some series are used (utilisation: WAN interfaces only). */
const READ_ONLY: Partial<Record<string, (c: CheckRef, s: StoredSeries) => boolean>> = {
  snmp_if_in_utilisation_ratio: isWanInterface,
  snmp_if_out_utilisation_ratio: isWanInterface,
};

/** Metrics with core-hours figures: only these need the minute-tier pieces of core hours (18:00–18:30). */
export const CORE_METRICS: ReadonlySet<string> = new Set([
  'probe_success',
  'icmp_rtt_avg_ms',
  'icmp_jitter_ms',
  'icmp_loss_ratio',
  'tcp_connect_ms',
  'http_phase_ms',
  'http_total_ms',
]);

export interface BuildOptions {
  /** Last month's headline (from the archive or computed), for "what changed". */
  previous?: Headline | null;
  /** Organisation medians of the month. */
  org?: OrgBaseline | null;
}

export interface BuildResult {
  report: PracticeReport;
  /** False when the store holds no sample of the practice in the month (the report says "no data" throughout). */
  hasData: boolean;
  stats: ReadStats & { series: number; readMs: number; outageMs: number; computeMs: number; ms: number };
}

function checkRunsOf(ctx: Pick<ReportContext, 'index' | 'data'>, bounds: Interval): Map<string, CheckRuns> {
  const out = new Map<string, CheckRuns>();
  for (const check of ctx.index.checks) {
    const success = ctx.index.success(check.key);
    if (success.length === 0) continue;
    const hourly = hourlyRuns(
      success.map((s) => ctx.data.get(s.id)).filter((d) => d !== undefined),
      bounds.from,
      (bounds.to - bounds.from) / HOUR_MS,
    );
    for (const h of [...hourly.keys()]) if (h < bounds.from || h >= bounds.to) hourly.delete(h);
    out.set(check.key, { check, success, runsPerHour: inferRunsPerHour(hourly), hourly, outages: [] });
  }
  return out;
}

/** Hours with failed runs (and the hour after each, so an outage's end is seen) per reachability check. */
function failureHours(runs: ReadonlyMap<string, CheckRuns>, bounds: Interval): Map<string, { seriesIds: string[]; hours: number[] }> {
  const needs = new Map<string, { seriesIds: string[]; hours: number[] }>();
  for (const [key, r] of runs) {
    if (!isReachabilityCheck(r.check)) continue;
    const hours = new Set<number>();
    eachHour(r.hourly, (h, rc) => {
      if (rc.up >= rc.runs) return;
      hours.add(h);
      if (h + HOUR_MS < bounds.to) hours.add(h + HOUR_MS);
    });
    if (hours.size > 0) needs.set(key, { seriesIds: r.success.map((s) => s.id), hours: [...hours].sort((a, b) => a - b) });
  }
  return needs;
}

export async function buildPracticeReport(src: ReportSources, ods: string, month: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const practice = await src.practice(ods);
  if (practice === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `practice ${ods} is not known to this collector`);
  const zone: ZonedClock = reportZone();
  const frame = monthFrame(month, zone);
  const now = src.now();
  if (now < frame.start) throw new N3monError('N3MON_ERR_REQUEST_INVALID', `month ${month} has not started yet`);
  // A month in progress is judged up to its last settled minute (judgedEnd); the future is neither up, down nor unknown.
  const bounds: Interval = { from: frame.start, to: judgedEnd(frame, now) };
  const fetched = src.incidents === undefined ? undefined : await src.incidents(ods, frame.start, frame.end);
  const incidents =
    fetched === undefined ? { available: false, alerts: [], maintenance: [] } : { available: true, alerts: fetched.alerts, maintenance: fetched.maintenance };
  const maintenance = roundOutToMinutes(
    intersect(
      incidents.maintenance.map((m) => ({ from: m.start, to: m.end })),
      [bounds],
    ),
  );
  const core = makePeriod('core', intersect(src.coreIntervals(bounds.from, bounds.to), [bounds]), maintenance);
  const all = makePeriod('all', [bounds], maintenance);

  const series = await src.store.findSeries({ practice: ods, metric: REPORT_METRICS });
  const index = indexSeries(series, frame.start);
  const stats = emptyReadStats();
  const ids = REPORT_METRICS.flatMap((m) => index.metric(m, READ_ONLY[m]).map((s) => s.id));
  const t0 = performance.now();
  const coreIds = REPORT_METRICS.filter((m) => CORE_METRICS.has(m)).flatMap((m) => index.metric(m).map((s) => s.id));
  // National incidents split an application's periods (incident-split.ts): their edges are read from the minute tier too.
  const nationalSplit = planIncidentSplit({ index, incidents: fetched?.national ?? [], core, all, judged: bounds });
  const linkSplit = planLinkIncidentSplit({
    index,
    incidents: fetched?.national ?? [],
    core,
    all,
    judged: bounds,
    linkChecks: index.checks.filter(isLinkReachability),
  });
  const splitPeriods = [...nationalSplit.values(), ...(linkSplit === undefined ? [] : [linkSplit])].flatMap((s) =>
    [s.national.core, s.national.all, s.own.core, s.own.all].map((period) => ({ period, seriesIds: s.seriesIds })),
  );
  const data = await readMonthBuckets({
    store: src.store,
    seriesIds: ids,
    frame,
    judgedTo: bounds.to,
    periods: [{ period: core, seriesIds: coreIds }, { period: all, seriesIds: ids }, ...splitPeriods],
    stats,
  });
  const t1 = performance.now();
  const runs = checkRunsOf({ index, data }, bounds);
  const minutes = await readMinuteRuns({ store: src.store, needs: failureHours(runs, bounds), stats });
  const t2 = performance.now();
  for (const [key, m] of minutes) {
    const r = runs.get(key) as CheckRuns;
    r.outages = findOutages(m as ReadonlyMap<number, RunCount>, r.runsPerHour > 0 ? HOUR_MS / r.runsPerHour : MINUTE_MS, bounds);
  }

  const dayOfHour = new Map<number, number>();
  frame.days.forEach((day, i) => {
    for (let h = day.start; h < day.end; h += HOUR_MS) dayOfHour.set(h, i);
  });
  const ctx: ReportContext = {
    frame,
    dayOfHour,
    zone,
    now,
    judged: bounds,
    core,
    all,
    maintenance,
    index,
    data,
    runs,
    thresholds: src.thresholdsFor(ods),
    practice,
    incidents,
    nationalSplit,
    ...(linkSplit === undefined ? {} : { linkSplit }),
    newSketch: src.newSketch,
    memo: new Map(),
  };
  const sections = {
    apps: buildAppsSection(ctx),
    link: buildLinkSection(ctx),
    lan: buildLanSection(ctx),
    incidents: buildIncidentsSection(ctx),
    servers: buildServersSection(ctx),
    completeness: buildCompletenessSection(ctx),
  };
  const report: PracticeReport = {
    kind: 'practice-report',
    rulesVersion: ACCOUNTING_RULES_VERSION,
    generatedAt: now,
    month,
    timeZone: REPORT_TIME_ZONE,
    period: {
      start: frame.start,
      end: frame.end,
      judgedTo: bounds.to,
      inProgress: now < frame.end,
      coreHours: src.coreHoursText,
      coreMs: core.lengthMs,
      allMs: all.lengthMs,
      maintenanceMs: totalMs(maintenance),
    },
    practice: { ods: practice.ods, name: practice.name, organisation: practice.organisation, sites: [...practice.sites] },
    summary: buildSummary(sections, opts.previous ?? null, opts.org ?? null),
    ...sections,
    appendix: buildAppendix(ctx.thresholds),
  };
  const t3 = performance.now();
  const timing = { readMs: t1 - t0, outageMs: t2 - t1, computeMs: t3 - t2, ms: t3 - started };
  src.log.debug({ ods, month, series: ids.length, ...stats, ms: Math.round(timing.ms) }, 'report built');
  return { report, hasData: stats.hourBuckets + stats.pieceBuckets > 0, stats: { ...stats, series: ids.length, ...timing } };
}
