/**
 * The month's report and the throughput probe's `reading` label: readings the probe marked as not
 * the link's rate (lower_bound, stalled, receiver_behind) are left out of the median, the slowest
 * 10 % and "median / contracted", and the report says how many. The samples are made by the real
 * probe (transfers replaced by recorded progress marks) with the documented check's labels, stored
 * in a real SQLite store and read by the real report service and renderers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { createCoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { zonedClock } from '../../../shared/src/calendar/zoned.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import { createReportService } from '../../../collector/src/reports/index.ts';
import { renderPractice } from '../../../collector/src/reports/formats.ts';
import { reportZone } from '../../../collector/src/reports/month.ts';
import type { PracticeReport } from '../../../collector/src/reports/model.ts';
import { createThroughputProbe } from '../../../agent/src/probes/throughput/probe.ts';
import type { Transfer, TransferResult } from '../../../agent/src/probes/throughput/transfer.ts';
import type { ThroughputCheck } from '../../../agent/src/probes/throughput/schema.ts';
import { checkLabels, exampleCheck } from '../../unit/evaluation/agent-samples.ts';

const MONTH = '2026-11';
const ODS = 'D84005';
const NOW = Date.UTC(2026, 11, 2, 9);
const london = zonedClock('Europe/London');
const CONTRACT_BPS = 2_000_000;

/** Progress marks of a transfer at `bps` for 4.5 s, read every 50 ms while bytes arrive; `idleAtMs`: the link carries nothing for 600 ms from then. */
function marksAt(bps: number, idleAtMs?: number): TransferResult {
  const perMs = bps / 8000;
  const marks = [];
  for (let t = 0; t <= 4500; t += 50) {
    const busyMs = idleAtMs === undefined || t <= idleAtMs ? t : t <= idleAtMs + 600 ? idleAtMs : t - 600;
    const bytes = 1448 + Math.round(busyMs * perMs);
    // A read only when bytes arrived.
    if (marks.length === 0 || bytes > (marks.at(-1) as { bytes: number }).bytes) marks.push({ tMs: t, bytes });
  }
  const bytes = (marks.at(-1) as { bytes: number }).bytes;
  return { ok: true, marks, bytes, stoppedEarly: false, elapsedMs: 4600, receiverLagMs: 2 };
}

type Night = { down: TransferResult; up: TransferResult; what: 'trusted' | 'stalled' | 'receiver_behind' | 'lower_bound' };
/** 14 nights: 8 clean ones at 1.90–1.91 Mbit/s; 2 stalled, 2 with the receiver late, 2 over in one read (all read low). */
function nights(): Night[] {
  const out: Night[] = [];
  for (let i = 0; i < 8; i++) out.push({ down: marksAt(1_900_000 + i * 1000), up: marksAt(1_905_000 + i * 1000), what: 'trusted' });
  for (let i = 0; i < 2; i++) out.push({ down: marksAt(1_900_000, 1500), up: marksAt(1_900_000, 2000), what: 'stalled' });
  for (let i = 0; i < 2; i++)
    out.push({
      down: { ...(marksAt(1_200_000) as Extract<TransferResult, { ok: true }>), receiverLagMs: 900 },
      up: { ...(marksAt(1_200_000) as Extract<TransferResult, { ok: true }>), receiverLagMs: 900 },
      what: 'receiver_behind',
    });
  // sizeBytes 100 kB over in one read: the agent's whole time for it is a lower bound.
  const oneRead: TransferResult = { ok: true, marks: [{ tMs: 0, bytes: 100_000 }], bytes: 100_000, stoppedEarly: false, elapsedMs: 800 };
  for (let i = 0; i < 2; i++) out.push({ down: oneRead, up: oneRead, what: 'lower_bound' });
  return out;
}

let dir: string;
let meta: Meta;
let store: SeriesStore;
let report: PracticeReport;
const made: Array<{ what: string; reading: string | undefined; metric: string; value: number }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-report-throughput-'));
  const log = silentLogger();
  const documented = exampleCheck('throughput') as unknown as ThroughputCheck;
  const labels = checkLabels(documented as never);
  const samples: WireSample[] = [];
  let night = 0;
  for (const n of nights()) {
    const transfers: { down: Transfer; up: Transfer } = { down: async () => n.down, up: async () => n.up };
    const probe = createThroughputProbe({ ...documented, sizeBytes: 100_000 }, { log, collector: { url: 'http://127.0.0.1:1', token: 't' } }, { transfers });
    const ts = london.toInstant(2026, 11, 3 + night++, 2, 0);
    const r = await probe.run({ signal: new AbortController().signal, timeoutMs: 90_000, log, clock: { now: () => ts, monotonic: () => 0 } });
    expect(r.outcome, r.message).toBe('success');
    for (const s of r.samples) {
      made.push({ what: n.what, reading: s.labels?.reading, metric: s.metric, value: s.value });
      samples.push({ metric: s.metric, labels: { ...labels, ...(s.labels ?? {}) }, ts, value: s.value });
    }
  }
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig([{ ods: ODS, name: 'Throughput Surgery', sites: [{ name: 'Main' }] }], NOW);
  store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log, synchronous: 'normal' });
  await store.write({ practice: ODS, agent: 'server1', samples });
  await store.maintain(NOW);
  const service = createReportService({
    dataDir: dir,
    organisation: 'Example ICB',
    practicesConfig: [
      { ods: ODS, name: 'Throughput Surgery', sites: [{ name: 'Main' }], link: { contractedDownBps: CONTRACT_BPS, contractedUpBps: CONTRACT_BPS } },
    ],
    meta,
    store,
    calendar: createCoreCalendar(),
    thresholds: loadThresholds({}),
    clock: { now: () => NOW, monotonic: () => performance.now() },
    log,
  });
  report = await service.practiceReport(ODS, MONTH);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await meta?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('throughput readings the probe marked', () => {
  it('the probe marked exactly the nights that cannot be trusted, with the reason', () => {
    const byWhat = (w: string): Array<string | undefined> => [...new Set(made.filter((m) => m.what === w).map((m) => m.reading))];
    expect(byWhat('trusted')).toEqual([undefined]);
    expect(byWhat('stalled')).toEqual(['stalled']);
    expect(byWhat('receiver_behind')).toEqual(['receiver_behind']);
    expect(byWhat('lower_bound')).toEqual(['lower_bound']);
  });

  it('are left out of median / contracted, and counted', () => {
    for (const direction of ['down', 'up'] as const) {
      const t = report.link.throughput.find((x) => x.direction === direction);
      const trusted = made
        .filter((m) => m.metric === `throughput_${direction}_bps` && m.reading === undefined)
        .map((m) => m.value)
        .sort((a, b) => a - b);
      expect(trusted).toHaveLength(8);
      expect(t?.count).toBe(8);
      expect(t?.leftOut).toBe(6);
      // Within the sketch's 1 %: with the six low readings in, the median would fall to ~1.85 Mbit/s.
      expect(Math.abs((t?.median ?? 0) / (trusted[3] as number) - 1)).toBeLessThan(0.01);
      expect(t?.p10).toBeGreaterThan(1_890_000);
      expect(t?.ratio).toBeGreaterThan(0.94);
    }
    expect(report.link.notes).toContain(
      "Throughput download: 6 readings left out of median / contracted (a lower bound, a stall, or a receiver running late: the probe's `reading` label).",
    );
  });

  it('the HTML and CSV say how many were left out', async () => {
    const csv = (await renderPractice(report, 'csv', reportZone())).body.toString('utf8');
    expect(csv.split('\n').filter((l) => l.includes('left_out'))).toEqual([
      expect.stringMatching(/throughput_down.*left_out.*24x7.*\b6\b.*count/),
      expect.stringMatching(/throughput_up.*left_out.*24x7.*\b6\b.*count/),
    ]);
    const html = (await renderPractice(report, 'html', reportZone())).body.toString('utf8');
    expect(html).toContain('Left out');
  });
});
