/**
 * The current month's report (issue 10, point 7): a month in progress is judged on its elapsed
 * whole hours, up to the report's "now" (the clock seam), and says so; the same data judged as a
 * finished month is incomplete. Real SQLite store and report service; data planted with the
 * synthetic-month generator, as an agent would send it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../shared/src/clock.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { createCoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { zonedClock } from '../../../shared/src/calendar/zoned.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import { createReportService } from '../../../collector/src/reports/index.ts';
import { monthFrame } from '../../../collector/src/reports/month.ts';
import type { PracticeReport } from '../../../collector/src/reports/model.ts';
import { deliverMonth, type SyntheticMonth } from '../../helpers/synthetic-month.ts';

const ODS = 'A81001';
const MONTH = '2026-12';
const H = 3_600_000;
const MIN = 60_000;
/** Runs of a once-a-minute check in the judged part; in its core hours (Tue 1 – Fri 4 December, 10.5 h each, and Monday 7th 08:00–14:21). */
const RUNS = 6 * 24 * 60 + 14 * 60 + 21;
const CORE_RUNS = 4 * 630 + 6 * 60 + 21;
const london = zonedClock('Europe/London');
const dec = (day: number, hour: number, minute = 0): number => london.toInstant(2026, 12, day, hour, minute);
/** Generated on Monday 7 December at 14:23:30; the agent's runs from 14:21 on are still in flight. */
const NOW = dec(7, 14, 23) + 30_000;
const DELIVERED_TO = dec(7, 14, 21);
/** Judged: 1 December 00:00 to 7 December 14:21 (2 minutes settle), in hours. */
const JUDGED_H = 6 * 24 + 14 + 21 / 60;

let dir: string;
let meta: Meta;
let store: SeriesStore;

function serviceAt(now: number) {
  const clock: Clock = { now: () => now, monotonic: () => performance.now() };
  return createReportService({
    dataDir: dir,
    organisation: 'Example ICB',
    practicesConfig: [{ ods: ODS, name: 'Example Surgery', sites: [] }],
    meta,
    store,
    calendar: createCoreCalendar(),
    thresholds: loadThresholds({}),
    clock,
    log: silentLogger(),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-report-progress-'));
  const config = parseCollectorConfig(
    { dataDir: dir, organisation: { name: 'Example ICB' }, practices: [{ ods: ODS, name: 'Example Surgery', sites: [] }] },
    'test',
  );
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig(config.practices, NOW);
  const clock: Clock = { now: () => NOW, monotonic: () => performance.now() };
  store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log: silentLogger(), clock, synchronous: 'normal' });
  const month: SyntheticMonth = {
    practice: ODS,
    agent: 'server1',
    from: monthFrame(MONTH).start,
    to: DELIVERED_TO,
    seed: 20261207,
    gaps: [],
    checks: [
      { id: 'icmp:n3', kind: 'icmp', role: 'n3-gateway', target: '192.0.2.1', intervalMs: 60_000, offsetMs: 5_000, medianMs: 24, sigma: 0.25 },
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
      },
      { id: 'icmp:lan', kind: 'icmp', role: 'lan-gateway', target: '192.0.2.254', intervalMs: 300_000, offsetMs: 7_000, medianMs: 0.8, sigma: 0.4 },
    ],
  };
  await deliverMonth(month, async (batch) => {
    await store.write({ practice: ODS, agent: 'server1', samples: batch });
  });
  await store.maintain(NOW);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await meta?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the report of a month in progress', () => {
  let report: PracticeReport;
  beforeAll(async () => {
    report = await serviceAt(NOW).practiceReport(ODS, MONTH);
  });

  it('is judged on the elapsed part, up to the last minute settled before "now"', () => {
    expect(report.period.inProgress).toBe(true);
    expect(report.period.judgedTo).toBe(dec(7, 14, 21));
    expect(report.period.allMs).toBe((6 * 24 * 60 + 14 * 60 + 21) * MIN);
    expect(report.period.coreMs).toBe((4 * 630 + 6 * 60 + 21) * MIN);
  });

  it('a fully covered elapsed part reads complete and green, with nothing unknown', () => {
    const c = report.completeness;
    expect(c.rag).toBe('green');
    expect(c.overall).toBe(1);
    const n3 = c.checks.find((k) => k.check === 'icmp:n3');
    expect(n3).toMatchObject({ runsPerHour: 60, expected: RUNS, received: RUNS, completeness: 1, unknownMs: 0 });
    // Every 5 minutes: the judged 21 minutes of 14:00 expect 4.2 runs; 5 arrived (14:00 … 14:20), capped at what was expected.
    const lan = c.checks.find((k) => k.check === 'icmp:lan');
    expect(lan).toMatchObject({ runsPerHour: 12, completeness: 1, unknownMs: 0 });
    expect(lan?.expected).toBeCloseTo(JUDGED_H * 12, 9);
    // One entry per day begun (the 7th judged to 14:00); days to come are not listed as unknown.
    expect(c.daily.map((d) => d.date)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07']);
    expect(c.daily.every((d) => d.completeness === 1)).toBe(true);
    expect(c.gaps).toEqual([]);
    expect(report.summary.areas.find((a) => a.area === 'completeness')?.rag).toBe('green');
  });

  it('availability of the elapsed part: no unknown time, targets met, core hours counted to 14:21', () => {
    const link = report.link.checks.find((k) => k.check === 'icmp:n3');
    expect(link?.all).toMatchObject({ runs: RUNS, expected: RUNS, unknownMs: 0, verdict: 'met' });
    expect(link?.core).toMatchObject({ runs: CORE_RUNS, expected: CORE_RUNS, unknownMs: 0, verdict: 'met' });
    const spine = report.apps.apps.find((a) => a.app === 'spine');
    expect(spine?.all).toMatchObject({ expected: RUNS, unknownMs: 0, verdict: 'met' });
    expect(spine?.core).toMatchObject({ expected: CORE_RUNS, unknownMs: 0, verdict: 'met' });
    expect(report.link.rtt.all.count).toBe(RUNS);
    // Days to come hold nothing; they are not listed as days without data.
    expect(report.link.daily.find((d) => d.date === '2026-12-08')?.rtt).toBeNull();
  });

  it('says so in HTML and CSV', async () => {
    const service = serviceAt(NOW);
    const html = (await service.renderPracticeReport(ODS, MONTH, 'html')).body.toString('utf8');
    expect(html).toContain('Month in progress: judged on 1–7 December up to 14:21');
    expect(html).toContain('in the judged part of the month (1–7 December up to 14:21)');
    const csv = (await service.renderPracticeReport(ODS, MONTH, 'csv')).body.toString('utf8');
    expect(csv).toContain(`,summary,period,in_progress,month,1,boolean,`);
    expect(csv).toContain(`,summary,period,judged_to,month,${dec(7, 14, 21)},epoch_ms,`);
  });

  it('in the first minutes of the month nothing is judged: grey, not red', async () => {
    const early = await serviceAt(dec(1, 0, 1)).practiceReport(ODS, MONTH);
    expect(early.period.judgedTo).toBe(dec(1, 0));
    expect(early.completeness.rag).toBe('grey');
    expect(early.completeness.daily).toEqual([]);
    const html = (await serviceAt(dec(1, 0, 1)).renderPracticeReport(ODS, MONTH, 'html')).body.toString('utf8');
    expect(html).toContain('Month in progress: nothing judged yet');
  });
});

describe('the same data judged as a finished month', () => {
  let report: PracticeReport;
  beforeAll(async () => {
    report = await serviceAt(Date.UTC(2027, 0, 2, 9)).practiceReport(ODS, MONTH);
  });

  it('is incomplete: the rest of the month is unknown, never up', () => {
    expect(report.period.inProgress).toBe(false);
    expect(report.period.judgedTo).toBe(monthFrame(MONTH).end);
    expect(report.period.allMs).toBe(744 * H);
    const c = report.completeness;
    expect(c.rag).toBe('red');
    const n3 = c.checks.find((k) => k.check === 'icmp:n3');
    // Runs delivered: every minute to 14:21 on the 7th (the last at 14:20:05).
    expect(n3).toMatchObject({ expected: 744 * 60, received: RUNS });
    expect(n3?.unknownMs).toBe((744 * 60 - RUNS) * MIN);
    expect(c.daily).toHaveLength(31);
    expect(c.daily.find((d) => d.date === '2026-12-20')?.completeness).toBe(0);
    const link = report.link.checks.find((k) => k.check === 'icmp:n3');
    expect(link?.all.verdict).toBe('unknown'); // 21 % of the runs: the gaps could hide anything
  });
});
