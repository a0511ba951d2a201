/**
 * The report model: every figure of the monthly CFH Applications Monitoring Report, computed
 * from stored data under the accounting rules. HTML, PDF and CSV are renderings of this one
 * object (and the archive keeps it as JSON, for month-on-month comparison). `null` = no data.
 */
import type { Rag } from './rules.ts';
import type { ThresholdRef, Level } from './thresholds.ts';
import type { Verdict } from './accounting.ts';

export const AREAS = ['apps', 'link', 'lan', 'branch', 'incidents', 'servers', 'completeness'] as const;
export type AreaId = (typeof AREAS)[number];

export const AREA_TITLES: Record<AreaId, string> = {
  apps: 'National applications',
  link: 'National link',
  lan: 'Practice LAN',
  branch: 'Branch links',
  incidents: 'Incidents',
  servers: 'Servers',
  completeness: 'Data completeness',
};

export interface AvailabilityFigure {
  runs: number;
  up: number;
  expected: number;
  availability: number | null;
  lowerBound: number | null;
  completeness: number | null;
  unknownMs: number;
  downMs: number;
  verdict: Verdict;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
}

export interface TimingRow {
  /** `tcp_connect_ms`, `http_total_ms`, `http_phase_ms:ttfb` … */
  metric: string;
  label: string;
  core: Percentiles;
  all: Percentiles;
  threshold: ThresholdRef | null;
  /** Share of runs measured at or under the warning level (failed runs count as not within). */
  withinCore: number | null;
  withinAll: number | null;
  level: Level | null;
}

export interface DailyPercentiles {
  date: string;
  p50: number | null;
  p95: number | null;
}

export interface AppRow {
  app: string;
  checks: string[];
  core: AvailabilityFigure;
  all: AvailabilityFigure;
  timings: TimingRow[];
  daily: DailyPercentiles[];
  /** Judged on the practice's own minutes when `incidentSplit` is there (accounting rules §12). */
  rag: Rag;
  /** Only for an application with national incidents the practice was part of this month. */
  incidentSplit?: AppIncidentSplitFigures;
}

/** The figures of one part of an application's periods: inside national incidents, or the practice's own. */
export interface IncidentSplitSide {
  /** Length of the part of core hours and of 24×7 (maintenance already left out), ms. */
  coreMs: number;
  allMs: number;
  core: AvailabilityFigure;
  all: AvailabilityFigure;
  timings: TimingRow[];
}

export interface AppIncidentSplitFigures {
  incidents: Array<{ id: number; summary: string; start: number; end: number | null }>;
  national: IncidentSplitSide;
  own: IncidentSplitSide;
}

export interface WorstHour {
  app: string;
  metric: string;
  hourStart: number;
  p95: number;
  count: number;
}

export interface AppsSection {
  target: ThresholdRef | null;
  apps: AppRow[];
  worstHours: WorstHour[];
  rag: Rag;
  notes: string[];
}

export interface CheckAvailability {
  check: string;
  target: string;
  role: string;
  core: AvailabilityFigure;
  all: AvailabilityFigure;
}

export interface SmokeDay {
  date: string;
  /** Distribution of per-round median RTTs that day (ms). */
  rtt: { min: number; p10: number; p25: number; p50: number; p75: number; p90: number; max: number; count: number } | null;
  lossMean: number | null;
}

export interface InterfaceUtilisation {
  device: string;
  ifName: string;
  p95In: number | null;
  p95Out: number | null;
  /** Share of samples above the warning level (75 %), in or out. */
  overWarningShare: number | null;
  level: Level | null;
}

export interface ThroughputFigure {
  direction: 'down' | 'up';
  /** Readings used (no `reading` label). */
  count: number;
  /** Readings left out of median / contracted: marked by the probe as not the link's rate. */
  leftOut: number;
  median: number | null;
  p10: number | null;
  contractedBps: number | null;
  /** median / contracted. */
  ratio: number | null;
}

export interface LinkSection {
  target: ThresholdRef | null;
  checks: CheckAvailability[];
  rtt: { core: Percentiles; all: Percentiles; threshold: ThresholdRef | null; level: Level | null };
  jitter: { core: Percentiles; all: Percentiles; threshold: ThresholdRef | null; level: Level | null };
  loss: { core: number | null; all: number | null; threshold: ThresholdRef | null; level: Level | null };
  daily: SmokeDay[];
  utilisation: { interfaces: InterfaceUtilisation[]; daily: Array<{ date: string; p95: number | null }>; threshold: ThresholdRef | null };
  throughput: ThroughputFigure[];
  /** Judged on the practice's own minutes when `incidentSplit` is there (accounting rules §12). */
  rag: Rag;
  notes: string[];
  /** Only when the practice was part of national incidents of its national-link provider this month. */
  incidentSplit?: LinkIncidentSplitFigures;
}

/** The national link's figures on one part of its periods: inside national incidents, or the practice's own. */
export interface LinkIncidentSplitSide {
  /** Length of the part of core hours and of 24×7 (maintenance already left out), ms. */
  coreMs: number;
  allMs: number;
  checks: CheckAvailability[];
  rtt: { core: Percentiles; all: Percentiles; level: Level | null };
  jitter: { core: Percentiles; all: Percentiles; level: Level | null };
  loss: { core: number | null; all: number | null; level: Level | null };
}

export interface LinkIncidentSplitFigures {
  incidents: AppIncidentSplitFigures['incidents'];
  national: LinkIncidentSplitSide;
  own: LinkIncidentSplitSide;
}

export interface GatewayRow {
  check: string;
  target: string;
  all: AvailabilityFigure;
  rtt: Percentiles;
  lossMean: number | null;
  level: Level | null;
}

export interface InterfaceErrors {
  device: string;
  ifName: string;
  /** Estimated events over the month: Σ rate × interval (from the hourly sums). */
  errors: number;
  discards: number;
  peakPerS: number;
}

export interface PortLoad {
  device: string;
  ifName: string;
  meanInBps: number | null;
  meanOutBps: number | null;
  p95InBps: number | null;
  p95OutBps: number | null;
}

export interface DeviceReboots {
  device: string;
  reboots: number;
  at: number[];
}

/** One branch-site check: the link from the main practice to a branch surgery. */
export interface BranchRow {
  check: string;
  /** The check's `site` label (the branch's name), when it has one. */
  site: string | null;
  target: string;
  core: AvailabilityFigure;
  all: AvailabilityFigure;
  rtt: Percentiles;
  lossMean: number | null;
  /** Worst of the RTT p95 and mean loss against the branch link rules. */
  level: Level | null;
}

export interface BranchSection {
  sites: BranchRow[];
  target: ThresholdRef | null;
  rttThreshold: ThresholdRef | null;
  lossThreshold: ThresholdRef | null;
  rag: Rag;
  notes: string[];
}

export interface LanSection {
  /** lan-gateway checks; branch sites are in `branches`. */
  gateways: GatewayRow[];
  threshold: ThresholdRef | null;
  errors: InterfaceErrors[];
  busiestPorts: PortLoad[];
  reboots: DeviceReboots[];
  snmp: boolean;
  /** Branch links; absent in reports archived before branch sites were judged. */
  branches?: BranchSection;
  rag: Rag;
  notes: string[];
}

export interface IncidentRow {
  id: string;
  rule: string;
  severity: string;
  subject: string;
  start: number;
  end: number | null;
  /** Within the month. */
  durationMs: number;
  over5h: boolean;
}

export interface OutageRow {
  check: string;
  role: string;
  app: string | null;
  target: string;
  start: number;
  end: number;
  durationMs: number;
  endedInGap: boolean;
  inMaintenance: boolean;
  over5h: boolean;
  incidentIds: string[];
}

export interface IncidentsSection {
  alertsAvailable: boolean;
  alerts: IncidentRow[];
  outages: OutageRow[];
  maintenance: Array<{ start: number; end: number; reason: string }>;
  longOutageRule: ThresholdRef | null;
  rag: Rag;
  notes: string[];
}

export interface HostRow {
  agent: string;
  host: string;
  cpu: { mean: number | null; p95: number | null };
  memory: { p95: number | null; max: number | null; level: Level | null };
  disks: Array<{ mount: string; last: number | null; max: number | null; level: Level | null }>;
}

export interface AssetRow {
  name: string;
  kind: string;
  installed: string;
  ageYears: number;
  level: Level;
  threshold: ThresholdRef | null;
}

export interface ServersSection {
  hosts: HostRow[];
  memoryThreshold: ThresholdRef | null;
  diskThreshold: ThresholdRef | null;
  assetsConfigured: boolean;
  assets: AssetRow[];
  rag: Rag;
  notes: string[];
}

export interface CompletenessRow {
  check: string;
  role: string;
  kind: string;
  runsPerHour: number;
  expected: number;
  received: number;
  completeness: number | null;
  unknownMs: number;
}

export interface CompletenessSection {
  overall: number | null;
  expected: number;
  received: number;
  checks: CompletenessRow[];
  notAssessed: Array<{ check: string; reason: string }>;
  /** Days begun (all of a finished month's); null when nothing was expected (maintenance all day). */
  daily: Array<{ date: string; completeness: number | null }>;
  gaps: Array<{ start: number; end: number; durationMs: number }>;
  rag: Rag;
}

export interface HeadlineFigure {
  id: string;
  label: string;
  unit: 'ratio' | 'ms';
  better: 'higher' | 'lower';
  value: number | null;
  previous: number | null;
  orgMedian: number | null;
}

export interface SummarySection {
  overall: Rag;
  areas: Array<{ area: AreaId; title: string; rag: Rag; previous: Rag | null; reason: string }>;
  figures: HeadlineFigure[];
  changes: string[];
  /** Practices behind the organisation median. */
  orgPractices: number;
}

export interface AppendixSection {
  rulesVersion: string;
  rulesDocument: string;
  rules: string[];
  thresholds: ThresholdRef[];
}

export interface PracticeReport {
  kind: 'practice-report';
  rulesVersion: string;
  generatedAt: number;
  month: string;
  timeZone: string;
  period: {
    start: number;
    end: number;
    /**
     * End of the judged time: `end` for a finished month; for a month in progress the last whole
     * hour settled before generation (rules 1.1). Absent in reports archived under rules 1.0 (= end).
     */
    judgedTo?: number;
    /** Generated before the month ended. Absent in reports archived under rules 1.0 (= false). */
    inProgress?: boolean;
    coreHours: string;
    /** Core-hours and 24×7 time judged (the elapsed part of a month in progress), maintenance excluded, ms. */
    coreMs: number;
    allMs: number;
    maintenanceMs: number;
  };
  practice: { ods: string; name: string; organisation: string; sites: string[] };
  summary: SummarySection;
  apps: AppsSection;
  link: LinkSection;
  lan: LanSection;
  incidents: IncidentsSection;
  servers: ServersSection;
  completeness: CompletenessSection;
  appendix: AppendixSection;
}
