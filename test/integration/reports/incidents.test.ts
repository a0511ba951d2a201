/**
 * Incidents and maintenance in the report, with the real alert and maintenance stores (meta.db)
 * and the real SQLite series store: outages found in the data are matched to alerts, maintenance
 * windows are left out of availability on both sides, and alerts with no outage are still listed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { ALERT_STATE_MIGRATIONS } from '../../../collector/src/alerts/schema.ts';
import { AlertStore } from '../../../collector/src/alerts/store.ts';
import { MaintenanceStore } from '../../../collector/src/alerts/maintenance.ts';
import { createCoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { zonedClock } from '../../../shared/src/calendar/zoned.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import { alertIncidentSource } from '../../../collector/src/reports/adapters.ts';
import { createReportService } from '../../../collector/src/reports/index.ts';
import { monthFrame } from '../../../collector/src/reports/month.ts';
import type { PracticeReport } from '../../../collector/src/reports/model.ts';
import { deliverMonth, type SyntheticMonth } from '../../helpers/synthetic-month.ts';

const MONTH = '2026-11';
const ODS = 'C83003';
const NOW = Date.UTC(2026, 11, 2, 9);
const london = zonedClock('Europe/London');
const nov = (day: number, hour: number, minute = 0): number => london.toInstant(2026, 11, day, hour, minute);
const MIN = 60_000;

let dir: string;
let meta: Meta;
let store: SeriesStore;
let report: PracticeReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-report-incidents-'));
  const log = silentLogger();
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig([{ ods: ODS, name: 'Incident Surgery', sites: [] }], NOW);
  await meta.state.migrate('alerts', ALERT_STATE_MIGRATIONS);
  store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log, synchronous: 'normal' });
  const f = monthFrame(MONTH);
  const month: SyntheticMonth = {
    practice: ODS,
    agent: 'main',
    from: f.start,
    to: f.end,
    seed: 7,
    gaps: [],
    checks: [
      {
        id: 'icmp:n3',
        kind: 'icmp',
        role: 'n3-gateway',
        target: '192.0.2.1',
        intervalMs: 60_000,
        offsetMs: 3_000,
        medianMs: 20,
        down: [
          { from: nov(10, 10), to: nov(10, 11) },
          { from: nov(12, 14), to: nov(12, 14, 20) },
        ],
      },
    ],
  };
  await deliverMonth(month, async (batch) => {
    await store.write({ practice: ODS, agent: 'main', samples: batch });
  });
  await store.maintain(NOW);

  const alerts = new AlertStore(meta.state);
  const base = {
    practice: ODS,
    agent: 'main',
    seriesId: '1',
    metric: 'probe_success',
    area: 'national-link' as const,
    source: 'test',
    unit: 'ratio',
    state: 'resolved' as const,
    value: 0,
    cause: null,
    now: NOW,
  };
  await alerts.insert({
    ...base,
    ruleId: 'n3-link-down',
    labels: { check: 'icmp:n3', role: 'n3-gateway', target: '192.0.2.1' },
    title: 'National link down',
    severity: 'critical',
    peak: 'critical',
    startedAt: nov(10, 10, 3),
    raisedAt: nov(10, 10, 5),
  });
  await alerts.insert({
    ...base,
    ruleId: 'n3-rtt-p95',
    metric: 'icmp_rtt_avg_ms',
    labels: { check: 'icmp:n3', role: 'n3-gateway', target: '192.0.2.1' },
    title: 'National link round-trip time (15-min p95)',
    severity: 'warning',
    peak: 'warning',
    startedAt: nov(20, 9),
    raisedAt: nov(20, 9, 2),
    unit: 'ms',
    value: 71,
  });
  const all = (await alerts.list({ limit: 10, offset: 0 })).items;
  for (const a of all) await alerts.update(a.id, { state: 'resolved', endedAt: a.ruleId === 'n3-link-down' ? nov(10, 11, 2) : nov(20, 9, 40) }, NOW);
  const maintenance = new MaintenanceStore(meta.state);
  await maintenance.create(
    { practice: ODS, startsAt: nov(12, 13, 59) + 30_000, endsAt: nov(12, 14, 29) + 10_000, reason: 'router firmware', createdBy: 'desk' },
    NOW,
  );

  const service = createReportService({
    dataDir: dir,
    organisation: 'Example ICB',
    practicesConfig: [],
    meta,
    store,
    calendar: createCoreCalendar(),
    thresholds: loadThresholds({}),
    incidents: alertIncidentSource(alerts, maintenance),
    clock: { now: () => NOW, monotonic: () => performance.now() },
    log,
  });
  report = await service.practiceReport(ODS, MONTH);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await meta?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('incidents and maintenance in the report', () => {
  it('lists every alert of the month with start, end, duration and severity', () => {
    expect(report.incidents.alertsAvailable).toBe(true);
    expect(report.incidents.alerts.map((a) => [a.rule, a.severity, a.start, a.end, a.durationMs])).toEqual([
      ['n3-link-down', 'critical', nov(10, 10, 3), nov(10, 11, 2), 59 * MIN],
      ['n3-rtt-p95', 'warning', nov(20, 9), nov(20, 9, 40), 40 * MIN],
    ]);
  });

  it('matches the outage to its alert; the outage in maintenance is marked and matches none', () => {
    const [first, second] = report.incidents.outages;
    expect(first).toMatchObject({ start: nov(10, 10), end: nov(10, 11), inMaintenance: false, over5h: false });
    const linkDown = report.incidents.alerts.find((a) => a.rule === 'n3-link-down');
    expect(first?.incidentIds).toEqual([linkDown?.id]);
    expect(second).toMatchObject({ start: nov(12, 14), end: nov(12, 14, 20), inMaintenance: true, incidentIds: [] });
    expect(report.incidents.maintenance).toEqual([{ start: nov(12, 13, 59) + 30_000, end: nov(12, 14, 29) + 10_000, reason: 'router firmware' }]);
  });

  it('leaves maintenance (widened to whole minutes) out of availability on both sides', () => {
    expect(report.period.maintenanceMs).toBe(31 * MIN); // 13:59:30–14:29:10 → 13:59–14:30
    const n3 = report.link.checks[0];
    const minutes = 30 * 24 * 60;
    expect(n3?.all.runs).toBe(minutes - 31);
    expect(n3?.all.up).toBe(minutes - 31 - 60); // the 20 down minutes in maintenance do not count
    expect(n3?.all.expected).toBe(minutes - 31);
    expect(report.completeness.overall).toBe(1);
  });

  it('the incidents area is red: a critical alert', () => {
    expect(report.incidents.rag).toBe('red');
  });
});
