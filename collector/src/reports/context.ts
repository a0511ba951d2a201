/**
 * What every section builder reads: the month, its periods, the series index, the buckets read
 * for it, per-check runs, thresholds and the practice's own facts. Built once per report by
 * build.ts; section builders are pure functions of it.
 */
import type { QuantileSketch, StoredSeries } from '../storage/types.ts';
import type { ZonedClock } from '../../../shared/src/calendar/zoned.ts';
import type { MonthFrame } from './month.ts';
import type { Period, SeriesBuckets } from './periods.ts';
import type { SeriesIndex, CheckRef } from './series-index.ts';
import type { ReportThresholds } from './thresholds.ts';
import type { RunCount, Outage } from './accounting.ts';
import type { Interval } from './intervals.ts';
import type { HourMap } from './hour-map.ts';
import type { AppIncidentSplit } from './incident-split.ts';

/** The practice's facts that come from configuration, not measurement (docs/reports.md). */
export interface PracticeFacts {
  ods: string;
  name: string;
  organisation: string;
  sites: string[];
  contractedDownBps?: number;
  contractedUpBps?: number;
  assets: ReadonlyArray<{ name: string; kind: string; installed: string }>;
}

/** An alert of the month, as the incidents section needs it (from collector/src/alerts/). */
export interface IncidentRecord {
  id: string;
  rule: string;
  severity: string;
  subject: string;
  /** Check key (`agent/check`) or role the alert was about, when known. */
  check?: string;
  role?: string;
  start: number;
  end: number | null;
}

export interface MaintenanceRecord {
  start: number;
  end: number;
  reason: string;
}

export interface CheckRuns {
  check: CheckRef;
  success: StoredSeries[];
  /** Nominal runs per hour (0 when the check never ran this month). */
  runsPerHour: number;
  hourly: HourMap<RunCount>;
  outages: Outage[];
}

export interface ReportContext {
  frame: MonthFrame;
  /** Hour start → index of its day in frame.days. */
  dayOfHour: ReadonlyMap<number, number>;
  zone: ZonedClock;
  now: number;
  /** The judged part of the month: all of it once over, the elapsed part of a month in progress (month.ts judgedEnd). */
  judged: Interval;
  core: Period;
  all: Period;
  maintenance: Interval[];
  index: SeriesIndex;
  data: ReadonlyMap<string, SeriesBuckets>;
  runs: ReadonlyMap<string, CheckRuns>;
  thresholds: ReportThresholds;
  practice: PracticeFacts;
  incidents: { available: boolean; alerts: IncidentRecord[]; maintenance: MaintenanceRecord[] };
  /** Per national application: its periods split by the national incidents the practice was part of (incident-split.ts). */
  nationalSplit?: ReadonlyMap<string, AppIncidentSplit>;
  /** The national link's periods split by its provider's national incidents the practice was part of (incident-split.ts). */
  linkSplit?: AppIncidentSplit;
  newSketch: () => QuantileSketch;
  /** Month sketches already merged, by series ids (figures.ts monthSketches). */
  memo: Map<string, { core: QuantileSketch; all: QuantileSketch; daily?: QuantileSketch[] }>;
}

export function bucketsOf(ctx: ReportContext, series: readonly StoredSeries[]): SeriesBuckets[] {
  const out: SeriesBuckets[] = [];
  for (const s of series) {
    const d = ctx.data.get(s.id);
    if (d !== undefined) out.push(d);
  }
  return out;
}
