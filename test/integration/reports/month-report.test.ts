/**
 * The monthly report against a month of synthetic data sent through the real ingest API: the
 * figures match what was planted, agree with an exact computation over the raw samples (p95
 * within 1 % relative, availability within 0.01 percentage points), and the three formats carry
 * them (the PDF checked with pdftotext, page 1 rendered to PNG under test-artifacts/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exactQuantile } from '../../../collector/src/storage/sketch.ts';
import { intersect, type Interval } from '../../../collector/src/reports/intervals.ts';
import { monthFrame, reportZone } from '../../../collector/src/reports/month.ts';
import { renderPractice } from '../../../collector/src/reports/formats.ts';
import type { PracticeReport } from '../../../collector/src/reports/model.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { startReportScheduler } from '../../../collector/src/reports/scheduler.ts';
import { ACCOUNTING_RULES_VERSION } from '../../../collector/src/reports/rules.ts';
import { REPORT_SECTIONS, sectionHeading } from '../../../collector/src/reports/sections/index.ts';
import { MONTH, ODS, OTHER_ODS, PLANTED, oct, startMonthCollector, type MonthCollector } from './month-fixture.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'reports');
const MIN = 60_000;
let mc: MonthCollector;
let report: PracticeReport;
let buildMs = 0;

beforeAll(async () => {
  mc = await startMonthCollector();
  const started = performance.now();
  report = await mc.service.practiceReport(ODS, MONTH);
  buildMs = performance.now() - started;
  console.log(
    `synthetic month: ${mc.delivered.samples} samples in ${mc.delivered.batches} batches through the ingest API in ${Math.round(mc.delivered.ms)} ms; maintain ${Math.round(mc.maintainMs)} ms; report model ${Math.round(buildMs)} ms`,
  );
}, 300_000);

afterAll(async () => {
  await mc?.close();
});

/** Exact figures from the stored raw samples of one check. */
async function rawOf(check: string, metric: string, extra: Record<string, string> = {}): Promise<Array<{ ts: number; value: number }>> {
  const series = await mc.store.findSeries({ practice: ODS, metric, labels: { check, ...extra } });
  const f = monthFrame(MONTH);
  const out: Array<{ ts: number; value: number }> = [];
  for (const s of series) out.push(...(await mc.store.raw(s.id, f.start, f.end)));
  return out.sort((a, b) => a.ts - b.ts);
}

const within = (ts: number, list: readonly Interval[]): boolean => list.some((i) => ts >= i.from && ts < i.to);

function exactAvailability(points: ReadonlyArray<{ ts: number; value: number }>, period: readonly Interval[]): { runs: number; up: number } {
  let runs = 0;
  let up = 0;
  for (const p of points) {
    if (!within(p.ts, period)) continue;
    runs++;
    up += p.value;
  }
  return { runs, up };
}

function exactP95(points: ReadonlyArray<{ ts: number; value: number }>, period: readonly Interval[]): number {
  return exactQuantile(
    points
      .filter((p) => within(p.ts, period))
      .map((p) => p.value)
      .sort((a, b) => a - b),
    0.95,
  );
}

function periods(): { all: Interval[]; core: Interval[] } {
  const f = monthFrame(MONTH);
  const all = [{ from: f.start, to: f.end }];
  return { all, core: intersect(mc.calendar.coreIntervals(f.start, f.end), all) };
}

describe('monthly report from a synthetic month (real ingest API, real SQLite rollups)', () => {
  it('covers the Europe/London month: 745 h in October, 22 core days', () => {
    const f = monthFrame(MONTH);
    expect(report.period.start).toBe(f.start);
    expect((report.period.end - report.period.start) / 3_600_000).toBe(745);
    expect(report.period.coreMs).toBe(22 * 630 * MIN);
    expect(report.period.allMs).toBe(745 * 60 * MIN);
  });

  it('national link availability is what was planted and agrees with the raw samples', async () => {
    const n3 = report.link.checks.find((c) => c.check === 'icmp:n3');
    expect(n3).toBeDefined();
    const gapMin = (PLANTED.gap.to - PLANTED.gap.from) / MIN;
    const downMin = PLANTED.n3Down.reduce((n, d) => n + (d.to - d.from) / MIN, 0);
    // One run a minute; the gap sent nothing; each planted down minute is one failed run.
    expect(n3?.all.runs).toBe(745 * 60 - gapMin);
    expect(n3?.all.up).toBe(745 * 60 - gapMin - downMin);
    expect(n3?.all.unknownMs).toBe(gapMin * MIN);
    // Core: 22 days × 10.5 h; the 14th's outage is all core, the 20th's only until 18:30.
    expect(n3?.core.runs).toBe(22 * 630);
    expect(n3?.core.up).toBe(22 * 630 - 360 - 20);
    expect(n3?.core.verdict).toBe('missed'); // 97.3 % < 99.0 %
    expect(n3?.all.verdict).toBe('met'); // 99.1 % ≥ 99.0 %

    const raw = await rawOf('icmp:n3', 'probe_success');
    const { all, core } = periods();
    for (const [figure, period] of [
      [n3?.all, all],
      [n3?.core, core],
    ] as const) {
      const exact = exactAvailability(raw, period);
      expect(Math.abs((figure?.availability ?? 0) - exact.up / exact.runs)).toBeLessThan(0.0001);
    }
  });

  it('percentiles from merged rollup sketches are within 1 % of the exact nearest-rank value', async () => {
    const { all, core } = periods();
    const cases: Array<[string, string, number | null | undefined, Interval[], Record<string, string>?]> = [
      ['icmp:n3', 'icmp_rtt_avg_ms', report.link.rtt.all.p95, all],
      ['icmp:n3', 'icmp_rtt_avg_ms', report.link.rtt.core.p95, core],
      ['icmp:n3', 'icmp_jitter_ms', report.link.jitter.all.p95, all],
      ['http:spine', 'http_total_ms', report.apps.apps.find((a) => a.app === 'spine')?.timings.find((t) => t.metric === 'http_total_ms')?.all.p95, all],
      ['http:spine', 'http_total_ms', report.apps.apps.find((a) => a.app === 'spine')?.timings.find((t) => t.metric === 'http_total_ms')?.core.p95, core],
      [
        'http:spine',
        'http_phase_ms',
        report.apps.apps.find((a) => a.app === 'spine')?.timings.find((t) => t.metric === 'http_phase_ms:ttfb')?.all.p95,
        all,
        { phase: 'ttfb' },
      ],
      ['tcp:eps', 'tcp_connect_ms', report.apps.apps.find((a) => a.app === 'eps')?.timings.find((t) => t.metric === 'tcp_connect_ms')?.core.p95, core],
      ['icmp:lan', 'icmp_rtt_avg_ms', report.lan.gateways[0]?.rtt.p95, all],
      ['snmp:router', 'snmp_if_in_utilisation_ratio', report.link.utilisation.interfaces.find((i) => i.ifName === 'wan0')?.p95In, all, { ifName: 'wan0' }],
    ];
    for (const [check, metric, got, period, labels] of cases) {
      const exact = exactP95(await rawOf(check, metric, labels), period);
      expect(got, `${check} ${metric}`).not.toBeNull();
      expect(Math.abs((got as number) - exact) / exact, `${check} ${metric}: ${got} vs ${exact}`).toBeLessThan(0.01);
    }
    // And the planted distribution: log-normal, median 24 ms, sigma 0.25 → p95 ≈ 36.2 ms.
    expect(report.link.rtt.all.p50).toBeGreaterThan(23);
    expect(report.link.rtt.all.p50).toBeLessThan(25);
    expect(report.link.rtt.all.p95).toBeGreaterThan(34.5);
    expect(report.link.rtt.all.p95).toBeLessThan(38);
  });

  it('lists exactly the planted outages, to the minute, and calls out the one over 5 h', () => {
    const outages = report.incidents.outages.map((o) => ({ check: o.check, start: o.start, end: o.end, over5h: o.over5h }));
    expect(outages).toEqual([
      { check: 'http:spine', start: oct(7, 10), end: oct(7, 10, 30), over5h: false },
      { check: 'icmp:n3', start: oct(14, 9), end: oct(14, 15), over5h: true },
      { check: 'icmp:n3', start: oct(20, 18, 10), end: oct(20, 18, 50), over5h: false },
    ]);
    expect(report.incidents.rag).toBe('red');
    expect(report.link.rag).toBe('red');
  });

  it('national apps: availability per app, share within the warning level, worst hours', async () => {
    const spine = report.apps.apps.find((a) => a.app === 'spine');
    expect(spine?.all.runs).toBe(745 * 60 - 180);
    expect(spine?.all.up).toBe(745 * 60 - 180 - 30);
    expect(spine?.all.verdict).toBe('met'); // 99.93 % ≥ 99.9 %
    expect(spine?.core.runs).toBe(22 * 630);
    expect(spine?.core.up).toBe(22 * 630 - 30);
    expect(spine?.core.verdict).toBe('missed'); // 99.78 % < 99.9 %
    const total = spine?.timings.find((t) => t.metric === 'http_total_ms');
    const raw = await rawOf('http:spine', 'http_total_ms');
    const runs = (await rawOf('http:spine', 'probe_success')).length;
    const exactWithin = raw.filter((p) => p.value <= 1500).length / runs;
    expect(Math.abs((total?.withinAll ?? 0) - exactWithin)).toBeLessThan(0.001);
    expect(report.apps.worstHours).toHaveLength(5);
    expect(report.apps.worstHours[0]?.p95).toBeGreaterThanOrEqual(report.apps.worstHours[4]?.p95 ?? Infinity);
  });

  it('data completeness shows the gap as unknown, never as up', () => {
    const n3 = report.completeness.checks.find((c) => c.check === 'icmp:n3');
    expect(n3?.expected).toBe(745 * 60);
    expect(n3?.received).toBe(745 * 60 - 180);
    expect(report.completeness.gaps).toEqual([{ start: PLANTED.gap.from, end: PLANTED.gap.to, durationMs: 3 * 3_600_000 }]);
    const day22 = report.completeness.daily.find((d) => d.date === '2026-10-22');
    expect(day22?.completeness).toBeCloseTo(21 / 24, 6);
    expect(report.completeness.daily.find((d) => d.date === '2026-10-25')?.completeness).toBe(1); // the 25-hour day
    expect(report.completeness.rag).toBe('green'); // 99.6 %
  });

  it('LAN, servers and equipment: the planted reboot, host figures, asset ages from config', () => {
    const router = report.lan.reboots.find((r) => r.device === '192.0.2.1:161');
    expect(router?.reboots).toBe(1);
    expect(router?.at).toEqual([Math.floor(PLANTED.reboot / 3_600_000) * 3_600_000]);
    expect(report.lan.busiestPorts[0]?.ifName).toBe('wan0');
    expect(report.servers.hosts).toHaveLength(1);
    expect(report.servers.hosts[0]?.disks[0]?.mount).toBe('/');
    const pc = report.servers.assets.find((a) => a.kind === 'pc');
    expect(pc?.level).toBe('critical'); // 7.4 years old, rule 4 / 5 y
    expect(report.servers.assets.find((a) => a.kind === 'switch')?.level).toBe('ok');
    expect(report.link.throughput.every((t) => t.count === 0 && t.contractedBps !== null)).toBe(true);
  });

  it('every threshold is printed with its source; the rules version is in the model', () => {
    expect(report.rulesVersion).toBe(ACCOUNTING_RULES_VERSION);
    expect(report.appendix.thresholds.length).toBeGreaterThan(10);
    for (const t of report.appendix.thresholds) expect(t.source.length).toBeGreaterThan(0);
    expect(report.link.rtt.threshold?.source).toContain('Y.1541');
  });

  it('renders self-contained HTML, a paginated PDF (checked with pdftotext) and CSV', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const html = (await renderPractice(report, 'html', reportZone())).body.toString('utf8');
    writeFileSync(join(ARTIFACTS, `${ODS}-${MONTH}.html`), html);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    for (const s of REPORT_SECTIONS) expect(html).toContain(sectionHeading(s.id));

    const csv = (await renderPractice(report, 'csv', reportZone())).body.toString('utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('ods,practice,month,section,item,measure,period,value,unit,warning,critical,verdict,rules_version');
    const n3core = lines.find((l) => l.startsWith(`${ODS},Example Surgery,${MONTH},national_link,192.0.2.1,availability,core,`));
    expect(n3core?.split(',')[7]).toBe(String(Math.round(((22 * 630 - 380) / (22 * 630)) * 1e6) / 1e6));
    expect(n3core?.endsWith(`,missed,${ACCOUNTING_RULES_VERSION}`)).toBe(true);

    const pdf = (await renderPractice(report, 'pdf', reportZone())).body;
    const file = join(ARTIFACTS, `${ODS}-${MONTH}.pdf`);
    writeFileSync(file, pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    if (skipUnlessLab({ files: ['/usr/bin/pdftotext', '/usr/bin/pdftoppm'] })) return;
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const pages = Number(/Page 1 of (\d+)/.exec(text)?.[1]);
    expect(pages).toBeGreaterThan(2);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text).toContain('Example Surgery · A81001 · October 2026');
    expect(text).toContain(`Accounting rules version ${ACCOUNTING_RULES_VERSION}`);
    expect(text).toContain('HSCN: severity-1 incidents resolved within 5 h');
    expect(text).toMatch(/2026-10-14 09:00\s+2026-10-14 15:00\s+6 h 00 min/);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '3', file, join(ARTIFACTS, `${ODS}-${MONTH}-page`)]);
  });
});

describe('the report through the read API', () => {
  const get = (path: string, key: string): Promise<Response> => fetch(`${mc.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it('serves each format with its content type; a practice key reads its own practice only', async () => {
    const html = await get(`/api/v1/reports/${ODS}/${MONTH}`, mc.keys.own);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('CFH Applications Monitoring Report');
    const pdf = await get(`/api/v1/reports/${ODS}/${MONTH}?format=pdf`, mc.keys.desk);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="n3mon-${ODS}-${MONTH}.pdf"`);
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const csv = await get(`/api/v1/reports/${ODS}/${MONTH}?format=csv`, mc.keys.own);
    expect((await csv.text()).split('\r\n')[0]).toMatch(/^ods,practice,month,section/);

    const forbidden = await get(`/api/v1/reports/${ODS}/${MONTH}`, mc.keys.other);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { code: string }).code).toBe('N3MON_ERR_AUTH_FORBIDDEN');
    expect((await get(`/api/v1/reports/organisation/${MONTH}`, mc.keys.own)).status).toBe(403);
    // The organisation summary is served once archived (building it means every practice's month).
    const notYet = await get(`/api/v1/reports/organisation/${MONTH}`, mc.keys.desk);
    expect(notYet.status).toBe(404);
    expect(((await notYet.json()) as { message: string }).message).toContain('n3mon report --archive --month 2026-10');
    expect((await fetch(`${mc.url}/api/v1/reports/${ODS}/${MONTH}`)).status).toBe(401);
  });

  it('refuses bad parameters with path: message problems and unknown practices with 404', async () => {
    const bad = await get(`/api/v1/reports/${ODS}/2026-13?format=docx`, mc.keys.desk);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; problems: string[] };
    expect(body.code).toBe('N3MON_ERR_REQUEST_INVALID');
    expect((await get(`/api/v1/reports/ZZZ999/${MONTH}`, mc.keys.desk)).status).toBe(404);
    expect((await get(`/api/v1/reports/${ODS}/2030-01`, mc.keys.desk)).status).toBe(400); // not started yet
  });
});

describe('archive and organisation summary', () => {
  it('on the 1st the schedule archives last month and emails the practice its PDF (real SMTP on loopback)', async () => {
    let now = oct(31, 23); // still October in London: September is due, but it has no data at all
    const scheduler = startReportScheduler({
      service: mc.service,
      clock: { now: () => now, monotonic: () => performance.now() },
      log: silentLogger(),
      hour: 2,
      email: true,
      tickMs: 3_600_000,
    });
    try {
      expect(await scheduler.tick()).toMatchObject({ month: '2026-09', generated: [], empty: [ODS, OTHER_ODS] });
      expect(existsSync(join(mc.dir, 'reports', '2026-09', 'organisation.json'))).toBe(false); // nothing archived
      expect(await scheduler.tick()).toBeUndefined(); // and not tried again
      now = Date.UTC(2026, 10, 1, 1, 30); // 01:30 on the 1st: before the configured hour
      expect(await scheduler.tick()).toBeUndefined();
      now = Date.UTC(2026, 10, 1, 2, 0);
      const r = await scheduler.tick();
      expect(r?.month).toBe(MONTH);
      expect(r?.generated).toEqual([ODS]);
      expect(r?.empty).toEqual([OTHER_ODS]); // no data at all: nothing archived for it
      expect(r?.emailed).toEqual([ODS]);
      expect(await scheduler.tick()).toBeUndefined(); // archived: not again
    } finally {
      await scheduler.stop();
    }
    expect(mc.smtp.mails).toHaveLength(1);
    const mail = mc.smtp.mails[0];
    expect(mail?.to).toEqual(['practice.manager@a81001.example.invalid']);
    const subject = Buffer.from(
      (mail?.subject ?? '')
        .replace(/\?=\s*=\?UTF-8\?Q\?/g, '')
        .replace(/^=\?UTF-8\?Q\?|\?=$/g, '')
        .replace(/_/g, ' ')
        .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8'); // RFC 2047 Q-encoding (the subject has an em dash)
    expect(subject).toBe('[n3mon] CFH Applications Monitoring Report — Example Surgery (A81001) — 2026-10');
    expect(mail?.raw).toMatch(/Content-Type: application\/pdf; name=n3mon-A81001-2026-10\.pdf/i);
    for (const name of [ODS, 'organisation'])
      for (const ext of ['json', 'html', 'pdf', 'csv']) expect(existsSync(join(mc.dir, 'reports', MONTH, `${name}.${ext}`)), `${name}.${ext}`).toBe(true);
    expect(existsSync(join(mc.dir, 'reports', MONTH, `${OTHER_ODS}.json`))).toBe(false);
    expect(readdirSync(join(mc.dir, 'reports', MONTH)).filter((f) => f.startsWith('.'))).toEqual([]); // no temp or staging files left
  });

  it('re-generation of an archived month is explicit; the API serves the archived files', async () => {
    const again = await mc.service.generateMonth(MONTH);
    expect(again.generated).toEqual([]);
    expect(again.skipped).toEqual([ODS]);
    const archivedPdf = readFileSync(join(mc.dir, 'reports', MONTH, `${ODS}.pdf`));
    const served = Buffer.from(
      await (await fetch(`${mc.url}/api/v1/reports/${ODS}/${MONTH}?format=pdf`, { headers: { authorization: `Bearer ${mc.keys.desk}` } })).arrayBuffer(),
    );
    expect(served.equals(archivedPdf)).toBe(true);
    const forced = await mc.service.generateMonth(MONTH, { force: true });
    expect(forced.generated).toEqual([ODS]);

    const archived = JSON.parse(readFileSync(join(mc.dir, 'reports', MONTH, `${ODS}.json`), 'utf8')) as PracticeReport;
    expect(archived.summary.orgPractices).toBe(1); // the other practice sent no data: it is not in the median
    expect(archived.summary.figures.find((f) => f.id === 'completeness')?.orgMedian).toBeCloseTo(archived.completeness.overall ?? 0, 9);
    const other = await mc.service.practiceReport(OTHER_ODS, MONTH); // on demand it still says so
    expect(other.summary.overall).toBe('grey');
    expect(other.link.notes.join(' ')).toContain('No data');
  });

  it('ranks practices by RAG, worst first, and lists the worst performers per area', async () => {
    const res = await fetch(`${mc.url}/api/v1/reports/organisation/${MONTH}?format=csv`, { headers: { authorization: `Bearer ${mc.keys.desk}` } });
    expect(res.status).toBe(200);
    const csv = await res.text();
    expect(csv).toContain(`${ODS},Example Surgery,${MONTH},organisation,overall,rank,month,1,rank,,,red,${ACCOUNTING_RULES_VERSION}`);
    expect(csv).toContain(`${OTHER_ODS},Other Practice,${MONTH},organisation,overall,rank,month,2,rank,,,grey,${ACCOUNTING_RULES_VERSION}`);
    const summary = await mc.service.organisationSummary(MONTH);
    expect(summary.worst.find((w) => w.area === 'link')?.practices.map((p) => p.ods)).toEqual([ODS]);
    expect(summary.counts).toEqual({ red: 1, amber: 0, green: 0, grey: 1 });
  });
});

describe('n3mon report (the built CLI, a second process on the same data dir)', () => {
  const cli = (...args: string[]): { status: number; stdout: string; stderr: string } => {
    try {
      const stdout = execFileSync(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), 'report', ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { status: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string };
      return { status: e.status, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('writes a practice PDF with --out and prints CSV to stdout', () => {
    const out = join(mc.dir, 'cli-report.pdf');
    const r = cli('--practice', ODS, '--month', MONTH, '--format', 'pdf', '--out', out, '--data-dir', mc.dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const csv = cli('--practice', ODS, '--month', MONTH, '--format', 'csv', '--data-dir', mc.dir);
    expect(csv.stdout.split('\r\n')[0]).toBe('ods,practice,month,section,item,measure,period,value,unit,warning,critical,verdict,rules_version');
  });

  it('a usage error exits 2 with a clear message; an unknown practice exits 1', () => {
    const usage = cli('--practice', ODS, '--month', '2026/10', '--data-dir', mc.dir);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--month must be YYYY-MM');
    const unknown = cli('--practice', 'ZZZ999', '--month', MONTH, '--data-dir', mc.dir);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('ZZZ999');
  });
});
