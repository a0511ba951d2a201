/**
 * Monthly report benchmark (PRODUCT.md quality bars: one practice-month of 300 series at 1-minute
 * resolution ≤ 1 s, next ≤ 0.3 s; 100 practices ≤ 60 s, next ≤ 20 s with the second core working
 * and ingest still served). Prints tables; asserts nothing.
 *
 * A. One practice-month: 300 series, one sample a minute each for October 2026 (13.4 M samples,
 *    written with store.write — the bench measures reports, not ingest — then rolled up by
 *    maintain()). Times the report model (reads + accounting) and each format, several runs.
 * B. 100 practices: ReportService.generateMonth end to end (build, HTML + PDF + CSV, atomic
 *    archive writes, organisation summary) as the collector runs it: the store in its worker
 *    thread, the reports in `--workers N` report worker threads (default: the collector's, one per
 *    core; 0 = in the main thread, as before the workers) with their own read-only
 *    connections. Meanwhile the same process serves the real HTTP ingest, and agents post at the
 *    reference rate of the run's practices (bench/report/ingest-load.ts): ingest latency is
 *    printed idle (before the run) and during the run. The 100 practice codes read the
 *    --distinct data sets of A's shape (default 1) in turn: a store with 100 distinct
 *    full-resolution practice-months would need ≈ 1.3 G samples (≈ 90 GB raw).
 *
 * The data set is kept in a tmp dir between runs (built once: minutes); --fresh rebuilds it.
 * usage: npm run bench:report [-- --runs 5] [--practices 100] [--distinct 1] [--workers N] [--fresh] [--skip-b]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../shared/src/log.ts';
import type { IfRole } from '../shared/src/roles.ts';
import type { Clock } from '../shared/src/clock.ts';
import { openMeta } from '../collector/src/meta/index.ts';
import { openSqliteStore } from '../collector/src/storage/sqlite/index.ts';
import type { SeriesStore } from '../collector/src/storage/types.ts';
import { DDSketch } from '../collector/src/storage/sketch.ts';
import { createCoreCalendar } from '../shared/src/calendar/core-hours.ts';
import { loadThresholds } from '../collector/src/evaluation/profile.ts';
import { buildPracticeReport, type ReportSources } from '../collector/src/reports/build.ts';
import { practiceFacts } from '../collector/src/reports/config.ts';
import { describeCoreHours } from '../collector/src/reports/index.ts';
import { ReportArchive } from '../collector/src/reports/archive.ts';
import { ReportService } from '../collector/src/reports/service.ts';
import { defaultWorkerCount, ReportWorkerPool, workerBuilder } from '../collector/src/reports/workers/index.ts';
import { openThreadedSqliteStore } from '../collector/src/storage/threaded/index.ts';
import { memoryMB, threadCpuS } from './ingest/servers.ts';
import { percentile, startIngestLoad } from './report/ingest-load.ts';
import { renderPractice } from '../collector/src/reports/formats.ts';
import { monthFrame, reportZone } from '../collector/src/reports/month.ts';
import { thresholdsFromRules } from '../collector/src/reports/thresholds.ts';
import { zonedClock } from '../shared/src/calendar/zoned.ts';
import { deliverMonth, type SyntheticCheck, type SyntheticMonth } from '../test/helpers/synthetic-month.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    practices: { type: 'string', default: '100' },
    distinct: { type: 'string', default: '1' },
    fresh: { type: 'boolean', default: false },
    'skip-b': { type: 'boolean', default: false },
    workers: { type: 'string' },
    'idle-s': { type: 'string', default: '15' },
    dir: { type: 'string', default: join(tmpdir(), 'n3mon-bench-report-v1') },
  },
});

const MONTH = '2026-10';
const NOW = Date.UTC(2026, 10, 2, 9);
const clock: Clock = { now: () => NOW, monotonic: () => performance.now() };
const log = createLogger({ level: 'warn' });
const london = zonedClock('Europe/London');
const oct = (d: number, h: number, m = 0): number => london.toInstant(2026, 10, d, h, m);
const ms = (x: number): string => x.toFixed(0).padStart(7);

/** 300 series, all at one sample a minute: links, LAN, 8 HTTP + 4 TCP apps, host, 2 SNMP devices × 12 ports. */
function practiceMonth(ods: string, seed: number): SyntheticMonth {
  const f = monthFrame(MONTH);
  const c = (x: SyntheticCheck): SyntheticCheck => x;
  const checks: SyntheticCheck[] = [
    c({
      id: 'icmp:n3a',
      kind: 'icmp',
      role: 'n3-gateway',
      target: '192.0.2.1',
      intervalMs: 60_000,
      offsetMs: 1_000,
      medianMs: 24,
      sigma: 0.25,
      down: [{ from: oct(14, 9), to: oct(14, 15) }],
    }),
    c({ id: 'icmp:n3b', kind: 'icmp', role: 'n3-gateway', target: '192.0.2.2', intervalMs: 60_000, offsetMs: 2_000, medianMs: 26, sigma: 0.25 }),
    c({ id: 'icmp:lan', kind: 'icmp', role: 'lan-gateway', target: '192.0.2.254', intervalMs: 60_000, offsetMs: 3_000, medianMs: 0.8, sigma: 0.4 }),
  ];
  for (const [i, app] of ['spine', 'ers', 'eps', 'gp2gp', 'scr', 'mesh', 'nhsmail', 'pds'].entries()) {
    checks.push(
      c({
        id: `http:${app}`,
        kind: 'http',
        role: 'national-app',
        app,
        target: `https://${app}.example.invalid/health`,
        intervalMs: 60_000,
        offsetMs: 4_000 + i * 1000,
        medianMs: 250 + 40 * i,
        sigma: 0.35,
        ...(i === 0 ? { down: [{ from: oct(7, 10), to: oct(7, 10, 30) }], failOutcome: 'refused' } : {}),
      }),
    );
  }
  for (const [i, app] of ['smartcard', 'sds', 'ldap', 'ntp'].entries())
    checks.push(
      c({
        id: `tcp:${app}`,
        kind: 'tcp',
        role: 'national-app',
        app,
        target: `${app}.example.invalid:443`,
        intervalMs: 60_000,
        offsetMs: 13_000 + i * 1000,
        medianMs: 30 + 5 * i,
        sigma: 0.2,
      }),
    );
  const ports = (n: number, first: IfRole): Array<[string, IfRole, number]> =>
    Array.from({ length: n }, (_, i) => [`port${i + 1}`, i === 0 ? first : 'none', i === 0 ? 0.4 : 0.1]);
  checks.push(
    c({
      id: 'snmp:router',
      kind: 'snmp',
      role: 'n3-gateway',
      target: '192.0.2.1:161',
      intervalMs: 60_000,
      offsetMs: 20_000,
      interfaces: ports(12, 'n3-gateway'),
      reboots: [oct(18, 3, 12)],
    }),
  );
  checks.push(
    c({
      id: 'snmp:switch',
      kind: 'snmp',
      role: 'lan-gateway',
      target: '192.0.2.253:161',
      intervalMs: 60_000,
      offsetMs: 21_000,
      interfaces: ports(12, 'lan-gateway'),
    }),
  );
  // 229 series so far (counting the outcome series of the two checks with outages); the host check pads to 300.
  checks.push(c({ id: 'host', kind: 'host', role: 'server', target: 'server1', intervalMs: 60_000, offsetMs: 22_000, extraSeries: 71 }));
  return { practice: ods, agent: 'server1', from: f.start, to: f.end, checks, gaps: [{ from: oct(22, 2), to: oct(22, 5) }], seed };
}

interface Built {
  samples: number;
  series: number;
  writeMs: number;
  maintainMs: number;
  dataOds: string[];
}

async function buildData(dir: string, distinct: number): Promise<Built> {
  const marker = join(dir, 'bench.json');
  if (!args.fresh && existsSync(marker)) {
    const b = JSON.parse(readFileSync(marker, 'utf8')) as Built;
    if (b.dataOds.length === distinct) return b;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log, clock, synchronous: 'normal' });
  const dataOds = Array.from({ length: distinct }, (_, i) => `DATA${String(i).padStart(3, '0')}`);
  let samples = 0;
  let writeMs = 0;
  for (const [i, ods] of dataOds.entries()) {
    const d = await deliverMonth(practiceMonth(ods, 1000 + i), async (batch) => {
      await store.write({ practice: ods, agent: 'server1', samples: batch });
    });
    samples += d.samples;
    writeMs += d.ms;
    process.stderr.write(`data set ${ods}: ${d.samples} samples in ${(d.ms / 1000).toFixed(0)} s\n`);
  }
  const t = performance.now();
  await store.maintain(NOW);
  const maintainMs = performance.now() - t;
  const series = store.stats().series;
  await store.close();
  const built: Built = { samples, series, writeMs, maintainMs, dataOds };
  writeFileSync(marker, JSON.stringify(built));
  return built;
}

/** The practice codes of part B read the data sets in turn (findSeries is re-pointed; everything else is the real store). */
function aliased(store: SeriesStore, dataOf: (ods: string) => string): SeriesStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'findSeries')
        return (sel: Parameters<SeriesStore['findSeries']>[0]) =>
          target.findSeries({ ...sel, practice: typeof sel.practice === 'string' ? dataOf(sel.practice) : sel.practice });
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const distinct = Math.max(1, Number(args.distinct));
  const practices = Number(args.practices);
  const dir = args.dir as string;
  const built = await buildData(dir, distinct);
  const dbBytes = statSync(join(dir, 'series.db')).size;
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (wall times include waiting for a core; CPU times do not)`,
  );
  console.log(
    `\ndata: ${built.dataOds.length} practice-month(s), ${built.series} series, ${(built.samples / 1e6).toFixed(1)} M samples (written in ${(built.writeMs / 1000).toFixed(0)} s, rolled up in ${(built.maintainMs / 1000).toFixed(0)} s), series.db ${(dbBytes / 2 ** 30).toFixed(2)} GiB`,
  );

  const store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log, clock, synchronous: 'normal' });
  const calendar = createCoreCalendar();
  const profiles = loadThresholds({});
  const codes = Array.from({ length: practices }, (_, i) => `BENCH${String(i + 1).padStart(3, '0')}`);
  const dataOf = (ods: string): string => (ods.startsWith('BENCH') ? (built.dataOds[(Number(ods.slice(5)) - 1) % built.dataOds.length] as string) : ods);
  const facts = (ods: string) => practiceFacts({ ods, name: `Bench Surgery ${ods}`, sites: [] }, undefined, 'Bench ICB');
  const sources = (s: SeriesStore): ReportSources => ({
    store: s,
    newSketch: () => new DDSketch(),
    coreIntervals: (from, to) => calendar.coreIntervals(from, to),
    coreHoursText: describeCoreHours(calendar),
    thresholdsFor: (ods) => thresholdsFromRules([...profiles.forPractice(ods).byId.values()]),
    practice: facts,
    now: () => NOW,
    log,
  });

  // A. One practice-month.
  const runs = Number(args.runs);
  const rows: Array<Record<string, number>> = [];
  const ods = built.dataOds[0] as string;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const b = await buildPracticeReport(sources(store), ods, MONTH);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    const html = await renderPractice(b.report, 'html', reportZone());
    const t2 = performance.now();
    const pdf = await renderPractice(b.report, 'pdf', reportZone());
    const t3 = performance.now();
    await renderPractice(b.report, 'csv', reportZone());
    const t4 = performance.now();
    const c4 = process.cpuUsage(c0);
    rows.push({
      modelCpu: (c1.user + c1.system) / 1000,
      totalCpu: (c4.user + c4.system) / 1000,
      model: t1 - t0,
      read: b.stats.readMs,
      outages: b.stats.outageMs,
      compute: b.stats.computeMs,
      html: t2 - t1,
      pdf: t3 - t2,
      csv: t4 - t3,
      total: t4 - t0,
      series: b.stats.series,
      hourBuckets: b.stats.hourBuckets,
      queries: b.stats.queries,
      htmlBytes: html.body.length,
      pdfBytes: pdf.body.length,
    });
  }
  console.log(
    `\nA. one practice-month (${rows[0]?.series} series read of 300, ${rows[0]?.hourBuckets} hour buckets, ${rows[0]?.queries} store queries; HTML ${((rows[0]?.htmlBytes ?? 0) / 1024).toFixed(0)} KiB, PDF ${((rows[0]?.pdfBytes ?? 0) / 1024).toFixed(0)} KiB)`,
  );
  console.log('run   model  (read outages compute)    html     pdf     csv   total   | CPU: model   total  ms');
  rows.forEach((r, i) =>
    console.log(
      `${String(i + 1).padStart(3)} ${ms(r.model ?? 0)} (${ms(r.read ?? 0)}${ms(r.outages ?? 0)}${ms(r.compute ?? 0)}) ${ms(r.html ?? 0)} ${ms(r.pdf ?? 0)} ${ms(r.csv ?? 0)} ${ms(r.total ?? 0)}   |    ${ms(r.modelCpu ?? 0)} ${ms(r.totalCpu ?? 0)}`,
    ),
  );
  const col = (k: string): number => median(rows.map((r) => r[k] ?? 0));
  console.log(
    `med ${ms(col('model'))} (${ms(col('read'))}${ms(col('outages'))}${ms(col('compute'))}) ${ms(col('html'))} ${ms(col('pdf'))} ${ms(col('csv'))} ${ms(col('total'))}   |    ${ms(col('modelCpu'))} ${ms(col('totalCpu'))}   (bar: ≤ 1000 ms; goal: ≤ 300 ms)`,
  );

  if (!args['skip-b']) await partB({ dir, practices, codes, facts, sources, dataOf, built });
  await store.close();
}

/** B. The month for `practices` practices, as the collector runs it on the 1st, with ingest served meanwhile. */
async function partB(b: {
  dir: string;
  practices: number;
  codes: string[];
  facts: (ods: string) => ReturnType<typeof practiceFacts>;
  sources: (s: SeriesStore) => ReportSources;
  dataOf: (ods: string) => string;
  built: Built;
}): Promise<void> {
  const workers = args.workers === undefined ? defaultWorkerCount() : Number(args.workers);
  const archiveDir = join(b.dir, 'archive');
  rmSync(archiveDir, { recursive: true, force: true });
  const meta = openMeta({ dataDir: archiveDir });
  await meta.practices.syncFromConfig(
    b.codes.map((c) => ({ ods: c, name: `Bench Surgery ${c}`, sites: [] })),
    NOW,
  );
  // The collector's store: in its worker thread, fsync before every acknowledgement.
  const store = openThreadedSqliteStore({ dir: b.dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log, synchronous: 'full' });
  const pool =
    workers > 0
      ? new ReportWorkerPool({ size: workers, store: { backend: 'sqlite', dataDir: b.dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 } }, log })
      : undefined;
  const sources = b.sources(aliased(store, b.dataOf));
  const service = new ReportService({
    sources,
    practices: () => b.codes.map(b.facts),
    organisation: 'Bench ICB',
    archive: new ReportArchive(archiveDir),
    ...(pool === undefined ? {} : { builder: workerBuilder(sources, pool) }),
    log,
  });
  const ingest = await startIngestLoad({ store, meta, log, clock, practices: b.practices });
  try {
    const idle = ingest.phase();
    await new Promise((r) => setTimeout(r, Number(args['idle-s']) * 1000));
    const idleResult = await idle.stop();
    const during = ingest.phase();
    const threads0 = threadCpuS(process.pid);
    const rss0 = memoryMB(process.pid).rss;
    const c0 = process.cpuUsage();
    const t = performance.now();
    const r = await service.generateMonth(MONTH, { force: true });
    const total = performance.now() - t;
    const cpu = process.cpuUsage(c0);
    const threads1 = threadCpuS(process.pid);
    const duringResult = await during.stop();
    console.log(
      `\nB. ${b.practices} practices, generateMonth end to end (${b.built.dataOds.length} distinct data set(s) of 300 series × 1 min), ${workers === 0 ? 'in the main thread (reports.workers: 0)' : `${workers} report worker thread(s)`}: ${r.generated.length} archived, ${r.failed.length} failed`,
    );
    console.log(
      `   total ${(total / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (process, ingest included) = ${(total / b.practices).toFixed(0)} ms per practice (model, previous-month headline, HTML + PDF + CSV, atomic writes) + organisation summary   (goal: ≤ 20 s)`,
    );
    const byThread = [...threads1]
      .map(([name, s]) => [name, s - (threads0.get(name) ?? 0)] as const)
      .filter(([, s]) => s >= 0.05)
      .sort((x, y) => y[1] - x[1]);
    console.log(`   CPU by thread during the run: ${byThread.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')}`);
    const mem = memoryMB(process.pid);
    console.log(
      `   process RSS before the run ${rss0.toFixed(0)} MB, after ${mem.rss.toFixed(0)} MB, peak ${mem.peak.toFixed(0)} MB (part A ran in this process before)`,
    );
    const row = (label: string, x: { latencies: number[]; failed: number }): string =>
      `   ${label.padEnd(14)} ${String(x.latencies.length).padStart(5)} batches  p50 ${percentile(x.latencies, 0.5).toFixed(0).padStart(5)} ms  p95 ${percentile(x.latencies, 0.95).toFixed(0).padStart(5)} ms  max ${Math.max(
        ...x.latencies,
      )
        .toFixed(0)
        .padStart(5)} ms  (${x.failed} failed)`;
    console.log(
      `   ingest at the reference rate of ${b.practices} practices (${ingest.rate.toFixed(0)} samples/s in 2,198-sample batches, fsync before each answer):`,
    );
    console.log(row('idle', idleResult));
    console.log(row('during the run', duringResult));
    console.log(
      `   load average at the end: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await ingest.close();
    await pool?.close();
    await store.close();
    void meta.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
