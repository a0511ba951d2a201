/**
 * `kind` is an ordinary label (issue 10, point 5): ingest accepts it, and it cannot steer the
 * month's report — a series' probe kind comes from the metric catalog. Two practices get the same
 * planted week (an EPS tcp check and the national link's ICMP check, each with a planted outage);
 * the second one's samples also carry `kind` labels that say something else (a check's static labels). Their
 * reports give the same figures, and those are the planted ones. Real SQLite store and report service.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { createCoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { zonedClock } from '../../../shared/src/calendar/zoned.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import { createReportService } from '../../../collector/src/reports/index.ts';
import type { PracticeReport } from '../../../collector/src/reports/model.ts';
import { checkIngestBody } from '../../../collector/src/ingest/check.ts';

const MONTH = '2026-11';
const PLAIN = 'K11001';
const LABELLED = 'K11002';
const NOW = Date.UTC(2026, 11, 2, 9);
const london = zonedClock('Europe/London');
const nov = (day: number, hour: number, minute = 0): number => london.toInstant(2026, 11, day, hour, minute);
const MIN = 60_000;
const FROM = nov(2, 0); // Monday
const TO = nov(7, 0); // five weekdays
const EPS_DOWN = { from: nov(3, 10), to: nov(3, 11, 30) }; // 90 core minutes
const N3_DOWN = { from: nov(5, 14), to: nov(5, 14, 45) }; // 45 core minutes

let dir: string;
let meta: Meta;
let store: SeriesStore;
const reports: Record<string, PracticeReport> = {};

/** One run a minute of each check; `kinds` adds a `kind` label to every sample of a check, as its static `labels:` would. */
function week(kinds: { eps?: string; n3?: string }): WireSample[] {
  const eps = {
    check: 'tcp:eps',
    role: 'national-app',
    app: 'eps',
    target: 'eps.example.invalid:443',
    ...(kinds.eps === undefined ? {} : { kind: kinds.eps }),
  };
  const n3 = { check: 'icmp:n3', role: 'n3-gateway', target: '192.0.2.1', ...(kinds.n3 === undefined ? {} : { kind: kinds.n3 }) };
  const out: WireSample[] = [];
  for (let ts = FROM + 5_000; ts < TO; ts += MIN) {
    const epsDown = ts >= EPS_DOWN.from && ts < EPS_DOWN.to;
    const n3Down = ts >= N3_DOWN.from && ts < N3_DOWN.to;
    out.push({ metric: 'probe_success', labels: { ...eps, outcome: epsDown ? 'refused' : 'success' }, ts, value: epsDown ? 0 : 1 });
    if (!epsDown) out.push({ metric: 'tcp_connect_ms', labels: eps, ts, value: 35 });
    out.push({ metric: 'probe_success', labels: { ...n3, outcome: n3Down ? 'timeout' : 'success' }, ts: ts + 1000, value: n3Down ? 0 : 1 });
    out.push({ metric: 'icmp_loss_ratio', labels: n3, ts: ts + 1000, value: n3Down ? 1 : 0 });
    if (!n3Down) out.push({ metric: 'icmp_rtt_avg_ms', labels: n3, ts: ts + 1000, value: 24 });
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-kind-label-'));
  const log = silentLogger();
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig(
    [
      { ods: PLAIN, name: 'Plain Surgery', sites: [] },
      { ods: LABELLED, name: 'Labelled Surgery', sites: [] },
    ],
    NOW,
  );
  store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log, synchronous: 'normal' });
  const labelled = week({ eps: 'http', n3: 'snmp' });
  // Ingest takes `kind` as an ordinary label (nothing refused).
  const checked = checkIngestBody({ batchId: 'k', samples: labelled.slice(0, 10) }, labelled[0]?.ts ?? 0);
  expect(checked.ok && checked.refused).toEqual([]);
  for (const [ods, samples] of [
    [PLAIN, week({})],
    [LABELLED, labelled],
  ] as const) {
    for (let i = 0; i < samples.length; i += 20_000) await store.write({ practice: ods, agent: 'server1', samples: samples.slice(i, i + 20_000) });
  }
  await store.maintain(NOW);
  const service = createReportService({
    dataDir: dir,
    organisation: 'Example ICB',
    practicesConfig: [],
    meta,
    store,
    calendar: createCoreCalendar(),
    thresholds: loadThresholds({}),
    clock: { now: () => NOW, monotonic: () => performance.now() },
    log,
  });
  for (const ods of [PLAIN, LABELLED]) reports[ods] = await service.practiceReport(ods, MONTH);
}, 120_000);

afterAll(async () => {
  await store?.close();
  void meta?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('a `kind` label does not steer the report', () => {
  it('EPS availability is the planted figure, with or without kind="http" on its samples', () => {
    const runs = (TO - FROM) / MIN;
    for (const ods of [PLAIN, LABELLED]) {
      const eps = reports[ods]?.apps.apps.find((a) => a.app === 'eps');
      expect(eps, ods).toBeDefined();
      expect(eps?.all.runs, ods).toBe(runs);
      expect(eps?.all.up, ods).toBe(runs - 90);
      expect(eps?.core.runs, ods).toBe(5 * 630);
      expect(eps?.core.up, ods).toBe(5 * 630 - 90);
    }
    const [plain, labelled] = [PLAIN, LABELLED].map((ods) => reports[ods]?.apps.apps.find((a) => a.app === 'eps'));
    expect(labelled?.core).toEqual(plain?.core);
    expect(labelled?.all).toEqual(plain?.all);
    // Its timings (the connect time and the share within the threshold) too: the kind is tcp, from tcp_connect_ms.
    expect(labelled?.timings).toEqual(plain?.timings);
    expect(plain?.timings.length).toBeGreaterThan(0);
    expect(reports[LABELLED]?.apps).toEqual(reports[PLAIN]?.apps);
  });

  it('the national link\'s ICMP check is shown, with the planted figures, with or without kind="snmp"', () => {
    for (const ods of [PLAIN, LABELLED]) {
      const n3 = reports[ods]?.link.checks.find((c) => c.check === 'icmp:n3');
      expect(n3, ods).toBeDefined();
      expect(n3?.core.up, ods).toBe(5 * 630 - 45);
      expect(n3?.all.runs, ods).toBe((TO - FROM) / MIN);
    }
    expect(reports[LABELLED]?.link.checks).toEqual(reports[PLAIN]?.link.checks);
    expect(reports[LABELLED]?.link.rtt).toEqual(reports[PLAIN]?.link.rtt);
  });
});
