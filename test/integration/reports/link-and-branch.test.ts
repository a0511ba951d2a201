/**
 * The month's report reads the national-link interface and the branch links as the agent labels
 * them: the WAN utilisation table lists the port the documented agent config marks
 * `role: n3-gateway` (samples made by the agent's own rate code from a recorded snmpsimd
 * sequence), with its p95 and time over the warning level; stored `ifRole="wan"` data still
 * counts; the branch-site check of the documented config gets its row in "Branch links".
 * Real SQLite store, real report service and renderers.
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
import { checkLabels, exampleCheck, snmpPollsAsSent } from '../../unit/evaluation/agent-samples.ts';

const MONTH = '2026-11';
const ODS = 'D84004';
const NOW = Date.UTC(2026, 11, 2, 9);
const london = zonedClock('Europe/London');
const nov = (day: number, hour: number, minute = 0): number => london.toInstant(2026, 11, day, hour, minute);
const MIN = 60_000;
const FROM = nov(2, 0);
const TO = nov(9, 0); // a week of data
const WAN_PORT = 'Fa3/0/10';
const BRANCH_RTT_MS = 50; // over the branch rule's 40 ms warning, under its 100 ms critical

let dir: string;
let meta: Meta;
let store: SeriesStore;
let report: PracticeReport;
/** Exact figures of what was stored, to compare the report with. */
const planted = { wanIn: [] as number[], wanOut: [] as number[] };

/** The documented SNMP check polling the recorded switch, its WAN selector on Fa3/0/10 at 80 % of its contract in. */
function snmpMinutes(): WireSample[] {
  const polls = snmpPollsAsSent({
    checkId: 'hscn-router',
    sequence: 'snmpsim-steady-hc',
    adapt: (sel, i) => (i === 0 ? { ...sel, name: WAN_PORT, inBps: 200_000, outBps: 1_000_000 } : { ...sel, name: 'Fa3/0/11' }),
  }).slice(1);
  const out: WireSample[] = [];
  for (let ts = FROM + 7_000, i = 0; ts < TO; ts += MIN, i++) {
    for (const s of polls[i % polls.length] ?? []) {
      out.push({ ...s, ts });
      if (s.labels.ifName !== WAN_PORT) continue;
      if (s.metric === 'snmp_if_in_utilisation_ratio') planted.wanIn.push(s.value);
      if (s.metric === 'snmp_if_out_utilisation_ratio') planted.wanOut.push(s.value);
    }
  }
  return out;
}

/** A router stored before the role vocabulary was one: its WAN port labelled ifRole="wan". */
function legacyMinutes(): WireSample[] {
  const labels = { check: 'old-router', role: 'n3-gateway', target: '192.0.2.9:161', ifName: 'Dialer1', ifIndex: '9', ifRole: 'wan' };
  const out: WireSample[] = [];
  for (let ts = FROM + 9_000; ts < TO; ts += 5 * MIN)
    out.push({ metric: 'snmp_if_in_utilisation_ratio', labels, ts, value: 0.2 }, { metric: 'snmp_if_out_utilisation_ratio', labels, ts, value: 0.1 });
  return out;
}

/** The documented branch-site check's bursts every 30 s: RTT 50 ms, no loss, one 20-minute outage. */
function branchBursts(): WireSample[] {
  const labels = checkLabels(exampleCheck('branch-router'));
  const out: WireSample[] = [];
  for (let ts = FROM + 3_000; ts < TO; ts += 30_000) {
    const down = ts >= nov(4, 10) && ts < nov(4, 10, 20);
    out.push({ metric: 'probe_success', labels: { ...labels, outcome: down ? 'timeout' : 'success' }, ts, value: down ? 0 : 1 });
    out.push({ metric: 'icmp_loss_ratio', labels, ts, value: down ? 1 : 0 });
    if (!down) out.push({ metric: 'icmp_rtt_avg_ms', labels, ts, value: BRANCH_RTT_MS });
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-report-link-branch-'));
  const log = silentLogger();
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig([{ ods: ODS, name: 'Branch Surgery', sites: [{ name: 'Main' }, { name: 'Branch' }] }], NOW);
  store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log, synchronous: 'normal' });
  const samples = [...snmpMinutes(), ...legacyMinutes(), ...branchBursts()].sort((a, b) => a.ts - b.ts);
  for (let i = 0; i < samples.length; i += 20_000) await store.write({ practice: ODS, agent: 'server1', samples: samples.slice(i, i + 20_000) });
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
  report = await service.practiceReport(ODS, MONTH);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await meta?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Nearest-rank quantile. */
function exact(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

describe('WAN utilisation: the port the documented agent config marks role n3-gateway', () => {
  it("is listed with its p95 in and out (within the sketch's 1 %) and its time over the 75 % warning", () => {
    expect(planted.wanIn.length).toBeGreaterThan(1000);
    const wan = report.link.utilisation.interfaces.find((i) => i.ifName === WAN_PORT);
    expect(wan?.device).toBe('198.51.100.1:161');
    expect(Math.abs((wan?.p95In ?? 0) - exact(planted.wanIn, 0.95)) / exact(planted.wanIn, 0.95)).toBeLessThan(0.01);
    expect(Math.abs((wan?.p95Out ?? 0) - exact(planted.wanOut, 0.95)) / exact(planted.wanOut, 0.95)).toBeLessThan(0.01);
    const over = [...planted.wanIn, ...planted.wanOut].filter((v) => v > 0.75).length / (planted.wanIn.length + planted.wanOut.length);
    expect(over).toBeGreaterThan(0.4); // inbound is over the mark, outbound (32 %) is not
    expect(wan?.overWarningShare).toBeCloseTo(over, 2);
    expect(wan?.level).toBe('warning');
    expect(report.link.utilisation.threshold?.id).toBe('wan-utilisation-p95');
  });

  it('leaves out the port without a role (ifRole "none") and keeps the stored ifRole="wan" port', () => {
    expect(report.link.utilisation.interfaces.map((i) => i.ifName).sort()).toEqual(['Dialer1', WAN_PORT]);
    expect(report.link.utilisation.interfaces.find((i) => i.ifName === 'Dialer1')?.level).toBe('ok');
    expect(report.link.notes.some((n) => n.includes('WAN interface'))).toBe(false);
  });

  it('prints it in the HTML and CSV', async () => {
    const html = (await renderPractice(report, 'html', reportZone())).body.toString('utf8');
    const table = html.slice(html.indexOf('WAN utilisation'));
    expect(table).toContain(WAN_PORT);
    const csv = (await renderPractice(report, 'csv', reportZone())).body.toString('utf8');
    expect(csv).toContain(`national_link,198.51.100.1:161 ${WAN_PORT},utilisation_in_p95`);
  });
});

describe('branch links: the documented branch-site check', () => {
  it('has its row, by site, with availability, RTT and loss against the branch rules', () => {
    const b = report.lan.branches;
    expect(b?.sites.map((s) => [s.site, s.target, s.check])).toEqual([['Branch', '192.0.2.65', 'branch-router']]);
    const row = b?.sites[0];
    expect(row?.rtt.p95).toBeCloseTo(BRANCH_RTT_MS, 0);
    expect(row?.level).toBe('warning'); // 50 ms over the 40 ms warning
    expect(row?.all.downMs).toBe(20 * MIN);
    expect(row?.all.runs).toBe((TO - FROM) / 30_000);
    expect(b?.rttThreshold?.id).toBe('branch-rtt-p95');
    expect(b?.target?.id).toBe('branch-availability-month');
    // it is a branch link, not a LAN gateway
    expect(report.lan.gateways.map((g) => g.check)).not.toContain('branch-router');
  });

  it('is an area of the summary (amber for the RTT warning) and a part of the rendered report', async () => {
    const area = report.summary.areas.find((a) => a.area === 'branch');
    expect(area?.title).toBe('Branch links');
    expect(area?.rag).toBe('amber');
    expect(area?.reason).toContain('1 branch site(s)');
    const html = (await renderPractice(report, 'html', reportZone())).body.toString('utf8');
    const part = html.slice(html.indexOf('<h3>Branch links'));
    expect(part.length).toBeLessThan(html.length);
    expect(part).toContain('Branch');
    expect(part).toContain('192.0.2.65');
    const csv = (await renderPractice(report, 'csv', reportZone())).body.toString('utf8');
    expect(csv).toContain('branch,Branch 192.0.2.65,rtt_p95,24x7,');
    const pdf = (await renderPractice(report, 'pdf', reportZone())).body;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
