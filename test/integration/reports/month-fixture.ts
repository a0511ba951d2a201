/**
 * One collector (real SQLite store, meta.db, Fastify on a loopback socket) fed a synthetic
 * October 2026 through its ingest API with backdated timestamps — the month with the clock
 * change — with planted outages, a data gap and a device reboot. Shared by the report tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../shared/src/clock.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { buildApp } from '../../../collector/src/app.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { createCoreCalendar, type CoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { zonedClock } from '../../../shared/src/calendar/zoned.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import { monthFrame } from '../../../collector/src/reports/month.ts';
import { createReportService, type ReportService } from '../../../collector/src/reports/index.ts';
import type { TypedApp } from '../../../collector/src/context.ts';
import { reportRoutes } from '../../../collector/src/routes/reports/index.ts';
import { deliverMonth, ingestSink, type SyntheticMonth } from '../../helpers/synthetic-month.ts';
import { emailReportMailer } from '../../../collector/src/reports/adapters.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../alerts/servers.ts';

export const MONTH = '2026-10';
export const ODS = 'A81001';
export const OTHER_ODS = 'B82002';
/** The collector's clock: 2 Nov 2026, 09:00 UTC (the month is closed). */
export const NOW = Date.UTC(2026, 10, 2, 9, 0);

const london = zonedClock('Europe/London');
/** Instant of a London wall time in October 2026. */
export const oct = (day: number, hour: number, minute = 0): number => london.toInstant(2026, 10, day, hour, minute);

export const PLANTED = {
  n3Down: [
    { from: oct(14, 9), to: oct(14, 15) },
    { from: oct(20, 18, 10), to: oct(20, 18, 50) },
  ],
  spineDown: [{ from: oct(7, 10), to: oct(7, 10, 30) }],
  gap: { from: oct(22, 2), to: oct(22, 5) },
  reboot: oct(18, 3, 12),
};

export function plannedMonth(): SyntheticMonth {
  const f = monthFrame(MONTH);
  return {
    practice: ODS,
    agent: 'server1',
    from: f.start,
    to: f.end,
    seed: 20261001,
    gaps: [PLANTED.gap],
    checks: [
      {
        id: 'icmp:n3',
        kind: 'icmp',
        role: 'n3-gateway',
        target: '192.0.2.1',
        intervalMs: 60_000,
        offsetMs: 5_000,
        medianMs: 24,
        sigma: 0.25,
        down: PLANTED.n3Down,
      },
      { id: 'icmp:lan', kind: 'icmp', role: 'lan-gateway', target: '192.0.2.254', intervalMs: 300_000, offsetMs: 7_000, medianMs: 0.8, sigma: 0.4 },
      {
        id: 'http:spine',
        kind: 'http',
        role: 'national-app',
        app: 'spine',
        target: 'https://spine.example.invalid/health',
        intervalMs: 60_000,
        offsetMs: 11_000,
        medianMs: 320,
        sigma: 0.35,
        down: PLANTED.spineDown,
        failOutcome: 'refused',
        phases: ['connect', 'ttfb'],
      },
      {
        id: 'tcp:eps',
        kind: 'tcp',
        role: 'national-app',
        app: 'eps',
        target: 'eps.example.invalid:443',
        intervalMs: 300_000,
        offsetMs: 13_000,
        medianMs: 35,
        sigma: 0.2,
      },
      { id: 'host', kind: 'host', role: 'server', target: 'server1', intervalMs: 300_000, offsetMs: 17_000 },
      {
        id: 'snmp:router',
        kind: 'snmp',
        role: 'n3-gateway',
        target: '192.0.2.1:161',
        intervalMs: 300_000,
        offsetMs: 19_000,
        interfaces: [
          ['wan0', 'n3-gateway', 0.35],
          ['lan0', 'none', 0.2],
        ],
        reboots: [PLANTED.reboot],
      },
    ],
  };
}

export interface MonthCollector {
  dir: string;
  url: string;
  app: TypedApp;
  meta: Meta;
  store: SeriesStore;
  calendar: CoreCalendar;
  clock: Clock;
  service: ReportService;
  /** A real SMTP server on loopback receiving the report emails. */
  smtp: SmtpReceiver;
  /** Read-API keys: servicedesk, a practice key of ODS, a practice key of OTHER_ODS. */
  keys: { desk: string; own: string; other: string };
  delivered: { samples: number; batches: number; ms: number };
  maintainMs: number;
  close(): Promise<void>;
}

export const PRACTICES = [
  {
    ods: ODS,
    name: 'Example Surgery',
    sites: [{ name: 'Main' }, { name: 'Branch' }],
    assets: [
      { name: 'Practice server', class: 'server' as const, installed: '2021-03-01' },
      { name: 'Reception PC 1', class: 'pc' as const, installed: '2019-06-15' },
      { name: 'Main switch', class: 'switch' as const, installed: '2024-01-10' },
    ],
    link: { contractedDownBps: 80e6, contractedUpBps: 20e6 },
    reportTo: ['practice.manager@a81001.example.invalid'],
  },
  { ods: OTHER_ODS, name: 'Other Practice', sites: [] },
];

export async function startMonthCollector(): Promise<MonthCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-report-'));
  const clock: Clock = { now: () => NOW, monotonic: () => performance.now() };
  const log = silentLogger();
  const config = parseCollectorConfig(
    { dataDir: dir, organisation: { name: 'Example ICB' }, practices: PRACTICES.map((p) => ({ ods: p.ods, name: p.name, sites: p.sites })) },
    'test',
  );
  const meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig(config.practices, NOW);
  const token = (await createAgentToken(meta, { practice: ODS, agent: 'server1', now: NOW })).token;
  const keys = {
    desk: (await createApiKey(meta, { role: 'servicedesk', now: NOW })).key,
    own: (await createApiKey(meta, { role: 'practice', practice: ODS, now: NOW })).key,
    other: (await createApiKey(meta, { role: 'practice', practice: OTHER_ODS, now: NOW })).key,
  };
  const store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log, clock, synchronous: 'normal' });
  const calendar = createCoreCalendar();
  const smtp = await startSmtpReceiver();
  const mailer = emailReportMailer(
    {
      smtp: { host: '127.0.0.1', port: smtp.port, requireTLS: false, rejectUnauthorized: true, timeoutMs: 10_000 },
      from: 'n3mon@example.invalid',
      subjectPrefix: '[n3mon]',
      retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
    },
    { log, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  );
  const service = createReportService({
    dataDir: dir,
    organisation: 'Example ICB',
    practicesConfig: PRACTICES,
    meta,
    store,
    calendar,
    thresholds: loadThresholds({}),
    mailer,
    clock,
    log,
  });
  const app = await buildApp({ config, log, store, meta, clock, routes: [reportRoutes(service)] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  const delivered = await deliverMonth(plannedMonth(), ingestSink(url, token));
  const started = performance.now();
  await store.maintain(NOW);
  const maintainMs = performance.now() - started;
  return {
    dir,
    url,
    app,
    meta,
    store,
    calendar,
    clock,
    service,
    smtp,
    keys,
    delivered,
    maintainMs,
    async close() {
      await app.close();
      await smtp.close();
      await store.close();
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
