/**
 * Reports built in worker threads (collector/src/reports/workers/), each with its own read-only
 * connection to the real SQLite store: the same model, HTML, PDF and CSV bytes as the in-process
 * path on the same data; a worker that crashes fails only its practice and the month's run goes
 * on; the pool ends with its owner; and the built collector (`n3mon collector`) builds a report in
 * its `n3mon-report` thread (at nice 10, below the threads serving ingest) and exits on SIGTERM
 * with no thread left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../shared/src/clock.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { createCoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import { createReportService, type IncidentSource, type ReportService } from '../../../collector/src/reports/index.ts';
import { REPORT_FORMATS } from '../../../collector/src/reports/formats.ts';
import { monthFrame, monthOf, previousMonth, reportZone } from '../../../collector/src/reports/month.ts';
import { ReportWorkerPool, type StoreSpec } from '../../../collector/src/reports/workers/index.ts';
import { REPORT_WORKER_NICE } from '../../../collector/src/reports/workers/worker.ts';
import { deliverMonth } from '../../helpers/synthetic-month.ts';
import { runCli, startCli, stopCli } from '../../helpers/cli.ts';
import { MONTH, NOW, ODS, OTHER_ODS, PLANTED, PRACTICES, oct, plannedMonth } from './month-fixture.ts';

const RETENTION = { rawDays: 400, minuteDays: 400, hourDays: 800 };
const log = silentLogger();
const clock: Clock = { now: () => NOW, monotonic: () => performance.now() };
let dir: string;
let meta: Meta;
let store: SeriesStore;
let spec: StoreSpec;
/** One pool for the comparisons (its workers start once). */
let pool: ReportWorkerPool;

/** Alerts and a maintenance window cross the thread boundary too (inputs.ts). */
const incidents: IncidentSource = {
  async incidents(ods) {
    if (ods !== ODS) return { alerts: [], maintenance: [] };
    const down = PLANTED.n3Down[0] as { from: number; to: number };
    return {
      alerts: [
        {
          id: 'a1',
          rule: 'n3-rtt-p95',
          severity: 'critical',
          subject: 'National link RTT',
          check: 'server1/icmp:n3',
          role: 'n3-gateway',
          start: down.from,
          end: down.to,
        },
      ],
      maintenance: [{ start: oct(9, 12), end: oct(9, 13), reason: 'router firmware' }],
    };
  },
};

function service(workers?: ReportWorkerPool): ReportService {
  return createReportService({
    dataDir: dir,
    organisation: 'Example ICB',
    practicesConfig: PRACTICES,
    meta,
    store,
    calendar: createCoreCalendar(),
    thresholds: loadThresholds({}),
    incidents,
    ...(workers === undefined ? {} : { workers }),
    clock,
    log,
  });
}

/** Every archived file of the month: name → bytes. */
function archived(): Map<string, Buffer> {
  const d = join(dir, 'reports', MONTH);
  return new Map(
    readdirSync(d)
      .sort()
      .map((f) => [f, readFileSync(join(d, f))]),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-report-workers-'));
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig(
    PRACTICES.map((p) => ({ ods: p.ods, name: p.name, sites: p.sites })),
    NOW,
  );
  store = openSqliteStore({ dir, retention: RETENTION, log, clock, synchronous: 'normal' });
  await deliverMonth(plannedMonth(), async (samples) => {
    await store.write({ practice: ODS, agent: 'server1', samples });
  });
  await store.maintain(NOW);
  spec = { backend: 'sqlite', dataDir: dir, retention: RETENTION };
  pool = new ReportWorkerPool({ size: 2, store: spec, log });
}, 120_000);

afterAll(async () => {
  await pool?.close();
  await store?.close();
  await meta?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('reports in worker threads (own read-only connection to series.db)', () => {
  it('a practice-month built and rendered in a worker is the in-process one: model JSON, HTML, PDF and CSV bytes', async () => {
    const inProcess = service();
    const inWorker = service(pool);
    const expected = await inProcess.practiceReport(ODS, MONTH);
    const got = await inWorker.practiceReport(ODS, MONTH);
    expect(pool.counts.started).toBeGreaterThan(0);
    expect(got.link.checks.length).toBeGreaterThan(0);
    expect(got.period.maintenanceMs).toBe(3_600_000); // the maintenance window came through
    expect(got.incidents.alerts.length).toBeGreaterThan(0);
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    for (const f of REPORT_FORMATS) {
      const a = (await inProcess.renderPracticeReport(ODS, MONTH, f)).body;
      const b = (await inWorker.renderPracticeReport(ODS, MONTH, f)).body;
      expect(b.length, f).toBeGreaterThan(1000);
      expect(b.equals(a), `${f} differs`).toBe(true);
    }
  });

  it("the month's run through the workers archives the same files as the run in process", async () => {
    const first = await service().generateMonth(MONTH, { force: true });
    expect(first).toMatchObject({ generated: [ODS], empty: [OTHER_ODS], failed: [] });
    const expected = archived();
    const second = await service(pool).generateMonth(MONTH, { force: true });
    expect(second).toMatchObject({ generated: [ODS], empty: [OTHER_ODS], failed: [] });
    const got = archived();
    expect([...got.keys()]).toEqual([...expected.keys()]);
    expect([...got.keys()]).toContain(`${ODS}.pdf`);
    for (const [name, bytes] of expected) expect(got.get(name)?.equals(bytes), name).toBe(true);
  });

  it('a worker that crashes fails only its practice; the run goes on with a new worker; idle workers end; close() ends the pool', async () => {
    const crashing = new ReportWorkerPool({ size: 1, store: spec, log, idleMs: 300, entry: new URL('./crashing-report-worker.ts', import.meta.url).href });
    const svc = service(crashing);
    try {
      const r = await svc.generateMonth(MONTH, { force: true });
      expect(r.generated).toEqual([ODS]);
      expect(r.failed).toEqual([{ ods: OTHER_ODS, error: `report worker exited (code 70) during ${OTHER_ODS} ${MONTH} build` }]);
      // The only worker died and the run went on in a new one (more may start if the short idleMs retires one between jobs).
      expect(crashing.counts.died).toBe(1);
      expect(crashing.counts.started).toBeGreaterThanOrEqual(2);
      for (const ext of ['json', 'html', 'pdf', 'csv']) {
        expect(existsSync(join(dir, 'reports', MONTH, `${ODS}.${ext}`)), ext).toBe(true);
        expect(existsSync(join(dir, 'reports', MONTH, `organisation.${ext}`)), ext).toBe(true);
      }
      // Without work the worker ends by itself (idleMs).
      const deadline = Date.now() + 30_000;
      while (crashing.threads > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(crashing.threads).toBe(0);
    } finally {
      await crashing.close();
    }
    expect(crashing.threads).toBe(0);
    await expect(svc.practiceReport(ODS, '2026-09')).rejects.toMatchObject({ code: 'N3MON_ERR_UNAVAILABLE' });
  });
});

describe('the built collector (n3mon collector)', () => {
  let child: ChildProcess | undefined;
  let cdir: string;

  afterAll(async () => {
    if (child !== undefined) await stopCli(child, 2_000);
    if (cdir !== undefined) rmSync(cdir, { recursive: true, force: true });
  });

  it('builds a report in its n3mon-report thread and exits on SIGTERM with the pool; n3mon report --archive uses workers too', async () => {
    cdir = mkdtempSync(join(tmpdir(), 'n3mon-report-workers-cli-'));
    const config = join(cdir, 'collector.json');
    writeFileSync(
      config,
      JSON.stringify({
        listen: { host: '127.0.0.1', port: 0 },
        dataDir: join(cdir, 'data'),
        organisation: { name: 'Test ICB' },
        practices: [{ ods: ODS, name: 'Example Surgery', sites: [] }],
        storage: { synchronous: 'normal' },
        // The archive in a directory of its own (reports.archiveDir: several collectors share one).
        reports: { schedule: { enabled: false }, workers: 1, archiveDir: join(cdir, 'shared-reports') },
      }),
    );
    const token = await runCli(['token', 'create', '--practice', ODS, '--agent', 'server1', '--config', config], { timeoutMs: 60_000 });
    expect(token.code, token.stderr).toBe(0);
    const key = await runCli(['apikey', 'create', '--role', 'servicedesk', '--config', config], { timeoutMs: 60_000 });
    expect(key.code, key.stderr).toBe(0);
    const started = await startCli(['collector', '--config', config], /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"collector listening"/, {
      timeoutMs: 60_000,
    });
    child = started.child;
    const url = started.match[1] as string;
    const now = Date.now();
    const month = monthOf(reportZone(), now);
    const last = previousMonth(month);
    // This month's last minutes, and last month's first (for the archive below).
    const times = [1, 2, 3].flatMap((i) => [now - i * 60_000, monthFrame(last).start + i * 60_000]);
    const samples = times.map((ts) => ({ metric: 'probe_success', labels: { check: 'icmp:n3', target: '192.0.2.1', role: 'n3-gateway' }, ts, value: 1 }));
    const ingest = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batchId: 'workers-1', samples }),
    });
    expect(ingest.status).toBe(200);
    const res = await fetch(`${url}/api/v1/reports/${ODS}/${month}?format=csv`, { headers: { authorization: `Bearer ${key.stdout.trim()}` } });
    const csv = await res.text();
    expect(res.status, csv).toBe(200);
    expect(csv).toContain(`${ODS},Example Surgery,${month},`);
    // The report was built off the main thread: the worker (idle, not yet retired) is there by name.
    // It runs at a lower priority (nice 10) than the threads that serve ingest.
    const pid = child.pid as number;
    const threads = readdirSync(`/proc/${pid}/task`).map((t) => {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      return { name: readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
    });
    expect(threads).toContainEqual({ name: 'n3mon-report', nice: REPORT_WORKER_NICE });
    expect(threads.find((t) => t.name === 'n3mon-store')?.nice).toBe(0);
    expect(await stopCli(child, 20_000)).toBe(0);
    child = undefined;
    // n3mon report --archive builds last month in the same workers (dist/report-worker.js).
    const archive = await runCli(['report', '--archive', '--month', last, '--config', config], { timeoutMs: 60_000 });
    expect(archive.code, archive.stderr).toBe(0);
    expect(archive.stdout).toContain(`${last}: 1 generated, 0 already archived, 0 failed`);
    expect(archive.stdout).toContain(`archive ${join(cdir, 'shared-reports')}/${last}`);
    for (const ext of ['json', 'html', 'pdf', 'csv']) expect(existsSync(join(cdir, 'shared-reports', last, `${ODS}.${ext}`)), ext).toBe(true);
    expect(existsSync(join(cdir, 'data', 'reports'))).toBe(false);
  }, 180_000);
});
