/**
 * The report component of a running collector (what startCollector wires): the report service
 * on the collector's stores, calendar and threshold profiles, alerts and maintenance windows as
 * its incident source, its read-API routes, and the monthly schedule with optional emailing.
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { CoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import type { CollectorConfig } from '../config/schema.ts';
import type { RouteModule } from '../context.ts';
import type { Meta } from '../meta/index.ts';
import type { ThresholdProfiles } from '../evaluation/profile.ts';
import type { SeriesStore } from '../storage/types.ts';
import type { AlertStore } from '../alerts/store.ts';
import { IncidentStore } from '../incidents/store.ts';
import type { MaintenanceStore } from '../alerts/maintenance.ts';
import { EmailConfig } from '../notifications/channels/email/index.ts';
import { reportRoutes } from '../routes/reports/index.ts';
import { alertIncidentSource, emailReportMailer } from './adapters.ts';
import { createReportService } from './index.ts';
import { startReportScheduler, type ReportScheduler } from './scheduler.ts';
import { reportWorkersFromConfig } from './workers/index.ts';
import type { ReportMailer, ReportService } from './service.ts';
import { checker } from '../../../shared/src/validate.ts';

export interface ReportComponent {
  service: ReportService;
  routes: RouteModule;
  /** Start the monthly schedule (call once the collector listens); idempotent. */
  /** `lease`: the 'reports' lease when several collectors share the state (collector/src/ha/). */
  start(opts?: { lease?: { holds(): boolean; onGain(fn: () => void): void } }): void;
  stop(): Promise<void>;
}

const isEmailChannel = checker(EmailConfig);

/** The report mailer when `reports.email.enabled`, over the first email notification channel. */
export function mailerFromConfig(
  config: Pick<CollectorConfig, 'reports' | 'notifications'>,
  deps: { log: Logger; sleep: (ms: number) => Promise<void> },
): ReportMailer | undefined {
  if (config.reports?.email.enabled !== true) return undefined;
  const channel = config.notifications.find((n) => isEmailChannel(n));
  if (channel === undefined || !isEmailChannel(channel)) {
    deps.log.warn({}, 'reports.email.enabled is set but no email notification channel is configured: report PDFs will not be emailed');
    return undefined;
  }
  return emailReportMailer(channel, deps);
}

/** National incidents (collector/src/incidents) for the report's split; the tables are alerting's (createAlerting, which runs first, migrates them). */
function nationalIncidents(meta: Meta): IncidentStore {
  return new IncidentStore(meta.state);
}

export function createReportComponent(opts: {
  config: CollectorConfig;
  meta: Meta;
  store: SeriesStore;
  calendar: CoreCalendar;
  thresholds: ThresholdProfiles;
  alerts: AlertStore;
  maintenance: MaintenanceStore;
  clock: Clock;
  log: Logger;
  sleep: (ms: number) => Promise<void>;
  mailer?: ReportMailer;
}): ReportComponent {
  const { config } = opts;
  const log = opts.log.child({ component: 'reports' });
  const mailer = opts.mailer ?? mailerFromConfig(config, { log, sleep: opts.sleep });
  // Reports build in worker threads with their own read connections, so the main thread keeps
  // serving ingest and the API during the 1st-of-the-month run (docs/reports.md).
  const workers = reportWorkersFromConfig(config, log);
  const service = createReportService({
    dataDir: config.dataDir,
    ...(config.reports?.archiveDir === undefined ? {} : { archiveDir: config.reports.archiveDir }),
    organisation: config.organisation.name,
    practicesConfig: config.practices,
    meta: opts.meta,
    store: opts.store,
    calendar: opts.calendar,
    thresholds: opts.thresholds,
    // National incidents' tables are migrated by alerting (collector/src/notifications/index.ts), which starts first.
    incidents: alertIncidentSource(opts.alerts, opts.maintenance, nationalIncidents(opts.meta)),
    ...(mailer === undefined ? {} : { mailer }),
    ...(workers === undefined ? {} : { workers }),
    clock: opts.clock,
    log: opts.log,
  });
  const schedule = config.reports?.schedule ?? { enabled: true, hour: 2 };
  let scheduler: ReportScheduler | undefined;
  return {
    service,
    routes: reportRoutes(service),
    start(startOpts = {}) {
      if (scheduler !== undefined || !schedule.enabled) return;
      scheduler = startReportScheduler({
        service,
        clock: opts.clock,
        log,
        hour: schedule.hour,
        email: mailer !== undefined,
        ...(startOpts.lease === undefined ? {} : { lease: startOpts.lease }),
      });
    },
    async stop() {
      await scheduler?.stop();
      await workers?.close();
    },
  };
}
