/**
 * The same answers from both storage backends: the planted October 2026 (month-fixture.ts) sent
 * through the ingest API of two real collectors — `storage.backend: sqlite` and `storage.backend:
 * influx` against a real influxd on loopback — gives the same monthly report (model, CSV), the same
 * `/series` buckets at every step (count, mean, min, max, p50, p95), the same practice status and
 * the same alerts from rule evaluation. docs/storage.md "Why collector-side rollups": both backends
 * summarise the same raw samples with the same code, so the figures are equal, not just close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../shared/src/clock.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import { monthFrame } from '../../../collector/src/reports/month.ts';
import { deliverMonth, ingestSink } from '../../helpers/synthetic-month.ts';
import { INFLUXD, startInfluxd, type Influxd } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { createReportService, type ReportService } from '../../../collector/src/reports/index.ts';
import { renderPractice } from '../../../collector/src/reports/formats.ts';
import { reportZone } from '../../../collector/src/reports/month.ts';
import { createCoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import { createEvaluator } from '../../../collector/src/evaluation/evaluator.ts';
import type { EvaluationEvent } from '../../../collector/src/evaluation/events.ts';
import { canonicalLabels } from '../../../collector/src/storage/labels.ts';
import { MONTH, NOW, ODS, PRACTICES, oct, plannedMonth } from './month-fixture.ts';

interface Side {
  name: string;
  dir: string;
  running: RunningCollector;
  desk: string;
  delivered: number;
  /** The report service over this side's store, without alerts (they depend on live evaluation timing). */
  reports: ReportService;
}

const clock: Clock = { now: () => NOW, monotonic: () => performance.now() };
let influxd: Influxd | undefined;
const sides: Side[] = [];

async function startSide(name: string, storage: Record<string, unknown>): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), `n3mon-same-${name}-`));
  const config = parseCollectorConfig(
    {
      dataDir: dir,
      listen: { port: 0 },
      organisation: { name: 'Example ICB' },
      practices: PRACTICES.map((p) => ({ ods: p.ods, name: p.name, sites: p.sites })),
      storage: { ...storage, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 } },
    },
    'test',
  );
  const running = await startCollector(config, { log: silentLogger(), clock });
  const token = (await createAgentToken(running.meta, { practice: ODS, agent: 'server1', now: NOW })).token;
  const desk = (await createApiKey(running.meta, { role: 'servicedesk', now: NOW })).key;
  const delivered = await deliverMonth(plannedMonth(), ingestSink(running.url, token));
  await running.store.maintain(NOW);
  // Its own archive dir: the collector's report schedule archives October (its clock says 2 Nov)
  // while the month is still arriving, and a service reading that archive would serve the part.
  const reports = createReportService({
    dataDir: join(dir, 'report-check'),
    organisation: 'Example ICB',
    practicesConfig: PRACTICES,
    meta: running.meta,
    store: running.store,
    calendar: createCoreCalendar(),
    thresholds: loadThresholds({}),
    clock,
    log: silentLogger(),
  });
  const side = { name, dir, running, desk, delivered: delivered.samples, reports };
  sides.push(side);
  return side;
}

async function get(side: Side, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${side.running.url}${path}`, { headers: { authorization: `Bearer ${side.desk}` } });
  return { status: res.status, text: await res.text() };
}

describe.skipIf(skipUnlessLab({ files: [INFLUXD] }))('sqlite and influx give the same figures for the same month', () => {
  let sqlite: Side;
  let influx: Side;

  beforeAll(async () => {
    influxd = await startInfluxd();
    sqlite = await startSide('sqlite', { backend: 'sqlite', synchronous: 'normal' });
    influx = await startSide('influx', { backend: 'influx', url: influxd.url, database: 'n3mon', createDatabase: true });
  }, 600_000);

  afterAll(async () => {
    for (const s of sides.splice(0)) {
      await s.running.stop({ graceMs: 1000 });
      rmSync(s.dir, { recursive: true, force: true });
    }
    await influxd?.cleanup();
  });

  it('InfluxDB holds every delivered sample, each (series, ts) once', async () => {
    expect(influx.delivered).toBe(sqlite.delivered);
    const res = await influxd!.query('SELECT count("value") FROM /^[a-z_]+$/', 'n3mon');
    const stored = res.results[0]!.series!.reduce((n, s) => n + (s.values[0]![1] as number), 0);
    expect(stored).toBe(influx.delivered);
  });

  it('the monthly report: the same model and the same CSV', async () => {
    const [a, b] = await Promise.all([sqlite.reports.practiceReport(ODS, MONTH), influx.reports.practiceReport(ODS, MONTH)]);
    expect(JSON.stringify(a).length).toBeGreaterThan(5000); // a real report, not two empty ones
    expect(b).toEqual(a);
    const [csvA, csvB] = await Promise.all([renderPractice(a, 'csv', reportZone()), renderPractice(b, 'csv', reportZone())]);
    expect(String(csvB)).toBe(String(csvA));
    const [orgA, orgB] = await Promise.all([sqlite.reports.organisationSummary(MONTH), influx.reports.organisationSummary(MONTH)]);
    expect(orgB).toEqual(orgA);
  });

  it('/series: the same buckets (count, mean, min, max, p50, p95) at raw, minute, hour and day steps', async () => {
    const f = monthFrame(MONTH);
    const day = f.start + 13 * 86_400_000;
    const queries = [
      `metric=icmp_rtt_avg_ms&role=n3-gateway&from=${f.start}&to=${f.end}&step=1h`,
      `metric=icmp_rtt_avg_ms&from=${f.start}&to=${f.end}&step=1d`,
      `metric=probe_success&from=${day}&to=${day + 86_400_000}&step=5m`,
      `metric=http_total_ms&from=${day}&to=${day + 86_400_000}&step=1m`,
      `metric=icmp_loss_ratio&from=${day}&to=${day + 6 * 3_600_000}&step=45s`,
      `metric=snmp_if_in_utilisation_ratio&from=${f.start}&to=${f.end}&step=1d`,
    ];
    let points = 0;
    for (const q of queries) {
      const [a, b] = await Promise.all([get(sqlite, `/api/v1/practices/${ODS}/series?${q}`), get(influx, `/api/v1/practices/${ODS}/series?${q}`)]);
      expect(a.status, q).toBe(200);
      const plain = (text: string) => {
        const body = JSON.parse(text) as { series: Array<{ id: string; labels: Record<string, string>; points: unknown[] }> };
        return body.series.map(({ id: _id, ...rest }) => rest).sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)));
      };
      const want = plain(a.text);
      points += want.reduce((n, s) => n + s.points.length, 0);
      expect(plain(b.text), q).toEqual(want);
    }
    expect(points).toBeGreaterThan(1000);
  });

  it('rule evaluation over the day of the national-link outage raises and resolves the same alerts', async () => {
    const run = async (side: Side): Promise<string[]> => {
      let now = oct(14, 8);
      const events: EvaluationEvent[] = [];
      const evaluator = createEvaluator({
        source: side.running.store,
        profiles: loadThresholds({}),
        clock: { now: () => now, monotonic: () => performance.now() },
        sink: { onEvent: (e) => events.push(e) },
        log: silentLogger(),
        agents: [{ practice: ODS, agent: 'server1', lastSeen: now }],
        options: { initialLookbackMs: 30 * 60_000 },
      });
      const names = new Map((await side.running.store.findSeries({ practice: ODS })).map((s) => [s.id, `${s.metric}${canonicalLabels(s.labels)}`]));
      for (; now <= oct(14, 16); now += 5 * 60_000) await evaluator.tick();
      return events.map((e) =>
        JSON.stringify({
          ...e,
          seriesId: names.get(e.seriesId) ?? e.seriesId,
          ...(e.cause === undefined ? {} : { cause: { ...e.cause, seriesId: names.get(e.cause.seriesId) ?? e.cause.seriesId } }),
        }),
      );
    };
    const [a, b] = await Promise.all([run(sqlite), run(influx)]);
    expect(
      a.some((e) => e.includes('"kind":"raise"')),
      a.join('\n'),
    ).toBe(true);
    expect(b).toEqual(a);
  });
});
