/** The national applications section: availability, response-time percentiles per phase, share within threshold, worst hours. */
import type { QuantileSketch, StoredSeries } from '../../storage/types.ts';
import { quantileOf } from '../accounting.ts';
import { bucketsOf, type CheckRuns, type ReportContext } from '../context.ts';
import { availabilityFigure, dailySketches, noFigure, percentilesOf, sketchOf, withinShare, worstAvailability } from '../figures.ts';
import type { AppRow, AppsSection, IncidentSplitSide, TimingRow, WorstHour } from '../model.ts';
import type { SplitPeriods } from '../incident-split.ts';
import { ACCOUNTING, worstRag, type Rag } from '../rules.ts';
import type { CheckRef } from '../series-index.ts';
import { levelOf, type ThresholdKey } from '../thresholds.ts';
import type { Period } from '../periods.ts';
import { eachHour } from '../hour-map.ts';

interface TimingSpec {
  metric: string;
  series: (ctx: ReportContext, checks: ReadonlySet<string>) => StoredSeries[];
  label: string;
  kind: string;
  threshold?: ThresholdKey;
}

const inChecks = (checks: ReadonlySet<string>) => (c: CheckRef) => checks.has(c.key);

const TIMINGS: readonly TimingSpec[] = [
  {
    metric: 'tcp_connect_ms',
    label: 'TCP connect',
    kind: 'tcp',
    threshold: 'app-connect',
    series: (ctx, checks) => ctx.index.metric('tcp_connect_ms', inChecks(checks)),
  },
  ...ACCOUNTING.httpPhases.map(
    (phase): TimingSpec => ({
      metric: `http_phase_ms:${phase}`,
      label: `HTTP ${phase === 'ttfb' ? 'time to first byte' : phase}`,
      kind: 'http',
      ...(phase === 'connect' || phase === 'tls' ? { threshold: 'app-connect' as const } : {}),
      series: (ctx, checks) => ctx.index.metric('http_phase_ms', (c, s) => checks.has(c.key) && s.labels.phase === phase),
    }),
  ),
  {
    metric: 'http_total_ms',
    label: 'HTTP total',
    kind: 'http',
    threshold: 'app-http-total',
    series: (ctx, checks) => ctx.index.metric('http_total_ms', inChecks(checks)),
  },
];

function runsOfKind(ctx: ReportContext, checks: readonly CheckRef[], kind: string, period: Period): number {
  let n = 0;
  for (const c of checks) {
    if (c.kind !== kind) continue;
    const r = ctx.runs.get(c.key);
    if (r === undefined) continue;
    for (const d of bucketsOf(ctx, r.success)) {
      for (const h of period.plan.hours) n += d.hourly.get(h)?.count ?? 0;
      for (const p of period.plan.pieces) n += d.pieces.get(`${p.from}+${p.to - p.from}`)?.count ?? 0;
    }
  }
  return n;
}

function timingRow(ctx: ReportContext, spec: TimingSpec, checks: readonly CheckRef[], periods: SplitPeriods = ctx): TimingRow | undefined {
  const series = spec.series(ctx, new Set(checks.map((c) => c.key)));
  if (series.length === 0) return undefined;
  const rule = spec.threshold === undefined ? undefined : ctx.thresholds.get(spec.threshold);
  const core = sketchOf(ctx, series, periods.core);
  const all = sketchOf(ctx, series, periods.all);
  const limit = rule?.warning ?? null;
  const pAll = percentilesOf(all);
  return {
    metric: spec.metric,
    label: spec.label,
    core: percentilesOf(core),
    all: pAll,
    threshold: rule ?? null,
    withinCore: withinShare(core, limit, runsOfKind(ctx, checks, spec.kind, periods.core)),
    withinAll: withinShare(all, limit, runsOfKind(ctx, checks, spec.kind, periods.all)),
    level: levelOf(rule, pAll.p95),
  };
}

function headlineSeries(ctx: ReportContext, checks: readonly CheckRef[]): { metric: string; series: StoredSeries[] } {
  const keys = new Set(checks.map((c) => c.key));
  const http = ctx.index.metric('http_total_ms', inChecks(keys));
  if (http.length > 0) return { metric: 'http_total_ms', series: http };
  return { metric: 'tcp_connect_ms', series: ctx.index.metric('tcp_connect_ms', inChecks(keys)) };
}

function appRag(row: Omit<AppRow, 'rag'>): Rag {
  const verdicts = [row.core.verdict, row.all.verdict];
  const rags: Rag[] = [];
  if (verdicts.includes('missed')) rags.push('red');
  else if (verdicts.includes('met')) rags.push('green');
  for (const t of row.timings) {
    if (t.level === 'critical') rags.push('red');
    else if (t.level === 'warning') rags.push('amber');
    else if (t.level === 'ok') rags.push('green');
    if (t.withinAll !== null && t.threshold !== null) rags.push(t.withinAll < ACCOUNTING.withinThresholdAmber ? 'amber' : 'green');
  }
  return worstRag(rags);
}

/**
 * The app's worst core hours (whole hours of the working day, when users feel it) by p95 of its
 * headline measure. An hour's p95 is at most its max (kept
 * exactly in every bucket), so hours are visited by descending max and the search stops once the
 * kept top N all beat the next hour's max: exact, with a few sketch reads instead of one per hour.
 */
function worstHoursOf(ctx: ReportContext, app: string, metric: string, series: readonly StoredSeries[]): WorstHour[] {
  const hours = new Map<number, { max: number; sketches: QuantileSketch[] }>();
  for (const d of bucketsOf(ctx, series)) {
    eachHour(d.hourly, (h, b) => {
      if (b.count === 0 || !ctx.core.hourSet.has(h)) return;
      let e = hours.get(h);
      if (e === undefined) hours.set(h, (e = { max: b.max, sketches: [] }));
      e.max = Math.max(e.max, b.max);
      e.sketches.push(b.sketch);
    });
  }
  const n = ACCOUNTING.topN;
  const top: WorstHour[] = [];
  for (const [h, e] of [...hours].sort((a, b) => b[1].max - a[1].max || a[0] - b[0])) {
    if (top.length === n && (top[n - 1] as WorstHour).p95 >= e.max) break;
    let s = e.sketches[0] as QuantileSketch;
    if (e.sketches.length > 1) {
      s = ctx.newSketch();
      for (const x of e.sketches) s.merge(x);
    }
    const p95 = quantileOf(s, 0.95);
    if (p95 === null) continue;
    top.push({ app, metric, hourStart: h, p95, count: s.count });
    top.sort((a, b) => b.p95 - a.p95 || a.hourStart - b.hourStart);
    if (top.length > n) top.pop();
  }
  return top;
}

export function buildAppsSection(ctx: ReportContext): AppsSection {
  const target = ctx.thresholds.get('app-availability') ?? null;
  const targetValue = target?.warning ?? null;
  const byApp = new Map<string, CheckRef[]>();
  for (const c of ctx.index.checks) {
    if (c.role !== 'national-app') continue;
    const app = c.app ?? c.target ?? c.check;
    let list = byApp.get(app);
    if (list === undefined) byApp.set(app, (list = []));
    list.push(c);
  }
  const apps: AppRow[] = [];
  let worstHours: WorstHour[] = [];
  for (const [app, checks] of [...byApp].sort((a, b) => a[0].localeCompare(b[0]))) {
    const runs = checks.map((c) => ctx.runs.get(c.key)).filter((r): r is CheckRuns => r !== undefined && r.runsPerHour > 0);
    const core = worstAvailability(runs.map((r) => availabilityFigure(ctx, r, ctx.core, targetValue))) ?? noFigure();
    const all = worstAvailability(runs.map((r) => availabilityFigure(ctx, r, ctx.all, targetValue))) ?? noFigure();
    // Daily first: the headline series' month sketches then come with it (one pass, memoised).
    const head = headlineSeries(ctx, checks);
    const daily = dailySketches(ctx, head.series).map((s, i) => ({ date: ctx.frame.days[i]?.date ?? '', p50: quantileOf(s, 0.5), p95: quantileOf(s, 0.95) }));
    const timings = TIMINGS.map((t) => timingRow(ctx, t, checks)).filter((t) => t !== undefined);
    const row = { app, checks: checks.map((c) => c.target ?? c.check), core, all, timings, daily };
    const split = ctx.nationalSplit?.get(app);
    if (split === undefined) apps.push({ ...row, rag: appRag(row) });
    else {
      // Accounting rules §12: both parts shown, the practice judged on its own minutes.
      const side = (p: SplitPeriods): IncidentSplitSide => ({
        coreMs: p.core.lengthMs,
        allMs: p.all.lengthMs,
        core: worstAvailability(runs.map((r) => availabilityFigure(ctx, r, p.core, targetValue))) ?? noFigure(),
        all: worstAvailability(runs.map((r) => availabilityFigure(ctx, r, p.all, targetValue))) ?? noFigure(),
        timings: TIMINGS.map((t) => timingRow(ctx, t, checks, p)).filter((t) => t !== undefined),
      });
      const own = side(split.own);
      const incidentSplit = {
        incidents: split.incidents.map((i) => ({ id: i.id, summary: i.summary, start: i.start, end: i.end })),
        national: side(split.national),
        own,
      };
      apps.push({ ...row, rag: appRag({ ...row, core: own.core, all: own.all, timings: own.timings }), incidentSplit });
    }
    worstHours = worstHours.concat(worstHoursOf(ctx, app, head.metric, head.series));
  }
  worstHours.sort((a, b) => b.p95 - a.p95 || a.hourStart - b.hourStart);
  const notes: string[] = [];
  if (apps.length === 0) notes.push('No data: no national-application checks reported this month.');
  if (target === undefined || target === null) notes.push('No availability target in the threshold profile: availability is shown without a verdict.');
  return { target, apps, worstHours: worstHours.slice(0, ACCOUNTING.topN), rag: worstRag(apps.map((a) => a.rag)), notes };
}
