/**
 * Wiring the report service from the collector's parts; the composition root calls
 * createReportService once and hands the service to the read API, the scheduler and the CLI.
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import { calendarFromConfig, type CoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { loadThresholds, type ThresholdProfiles } from '../evaluation/profile.ts';
import type { CollectorConfig } from '../config/schema.ts';
import type { Meta } from '../meta/index.ts';
import { DDSketch } from '../storage/sketch.ts';
import type { SeriesStore } from '../storage/types.ts';
import { ReportArchive } from './archive.ts';
import type { ReportSources } from './build.ts';
import { practiceFacts, type PracticeConfigForReport } from './config.ts';
import type { IncidentRecord, MaintenanceRecord, PracticeFacts } from './context.ts';
import type { NationalIncidentRecord } from './incident-split.ts';
import { ReportService, type ReportMailer } from './service.ts';
import { thresholdsFromRules } from './thresholds.ts';
import { workerBuilder, type ReportWorkerPool } from './workers/index.ts';

export { ReportService } from './service.ts';
export type { ReportMailer, GenerateResult } from './service.ts';

/** Alerts and maintenance windows of a practice (collector/src/alerts/), as the report reads them. */
export interface IncidentSource {
  /** `national`: national incidents the practice was part of (collector/src/incidents), for the report's split. */
  incidents(
    ods: string,
    from: number,
    to: number,
  ): Promise<{ alerts: IncidentRecord[]; maintenance: MaintenanceRecord[]; national?: NationalIncidentRecord[] }>;
}

export interface ReportWiring {
  dataDir: string;
  /** reports.archiveDir; absent: `<dataDir>/reports`. */
  archiveDir?: string;
  organisation: string;
  practicesConfig: readonly PracticeConfigForReport[];
  meta: Meta;
  store: SeriesStore;
  calendar: CoreCalendar;
  thresholds: ThresholdProfiles;
  incidents?: IncidentSource;
  mailer?: ReportMailer;
  /** Build and render in this pool's worker threads (the collector); absent: in this thread. */
  workers?: ReportWorkerPool;
  clock: Clock;
  log: Logger;
}

export function createReportService(w: ReportWiring): ReportService {
  const byOds = new Map(w.practicesConfig.map((p) => [p.ods, p]));
  const facts = async (ods: string): Promise<PracticeFacts | undefined> => {
    const row = await w.meta.practices.get(ods);
    return row === undefined ? undefined : practiceFacts(row, byOds.get(ods), w.organisation);
  };
  const log = w.log.child({ component: 'reports' });
  const sources: ReportSources = {
    store: w.store,
    newSketch: () => new DDSketch(),
    coreIntervals: (from, to) => w.calendar.coreIntervals(from, to),
    coreHoursText: describeCoreHours(w.calendar),
    thresholdsFor: (ods) => thresholdsFromRules([...w.thresholds.forPractice(ods).byId.values()]),
    practice: facts,
    ...(w.incidents === undefined ? {} : { incidents: (ods: string, from: number, to: number) => (w.incidents as IncidentSource).incidents(ods, from, to) }),
    now: () => w.clock.now(),
    log,
  };
  return new ReportService({
    sources,
    practices: async () => (await w.meta.practices.list()).map((row) => practiceFacts(row, byOds.get(row.ods), w.organisation)),
    recipients: (ods) => byOds.get(ods)?.reportTo ?? [],
    organisation: w.organisation,
    archive: new ReportArchive(w.dataDir, w.archiveDir),
    ...(w.mailer === undefined ? {} : { mailer: w.mailer }),
    ...(w.workers === undefined ? {} : { builder: workerBuilder(sources, w.workers) }),
    log,
  });
}

/** The core-hours calendar and threshold profiles a collector config describes. */
export function reportInputsFromConfig(
  config: Pick<CollectorConfig, 'calendar' | 'thresholds'>,
  opts: { baseDir?: string } = {},
): { calendar: CoreCalendar; thresholds: ThresholdProfiles } {
  return {
    calendar: calendarFromConfig(config.calendar),
    thresholds: loadThresholds(config.thresholds, opts.baseDir === undefined ? {} : { baseDir: opts.baseDir }),
  };
}

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "08:00–18:30 Monday–Friday, excluding bank holidays (england-and-wales), Europe/London". */
export function describeCoreHours(calendar: Pick<CoreCalendar, 'spec' | 'holidays'>): string {
  const days = [...calendar.spec.days].sort((a, b) => a - b);
  const contiguous = days.every((d, i) => i === 0 || d === (days[i - 1] as number) + 1);
  const dayText =
    days.length > 2 && contiguous
      ? `${DAY_NAMES[(days[0] as number) - 1]}–${DAY_NAMES[(days.at(-1) as number) - 1]}`
      : days.map((d) => DAY_NAMES[d - 1]).join(', ');
  const division = calendar.holidays.division
    .split('-')
    .map((w) => (w === 'and' ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
  return `${calendar.spec.start}–${calendar.spec.end} ${dayText}, excluding ${division} bank holidays, ${calendar.spec.timeZone}`;
}
