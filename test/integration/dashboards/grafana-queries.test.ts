/**
 * The Grafana dashboards against a real influxd holding what the influx backend writes: samples
 * labelled as the agent's probes label them (check, role, target, app, outcome, phase, ifName,
 * ifRole, mount…) go through the real backend (openInfluxStore: raw points, then maintain's minute
 * and hour tiers). Then
 * - what InfluxDB holds (SHOW MEASUREMENTS / TAG KEYS / FIELD KEYS) is within the layout the unit
 *   test checks the dashboards against (test/unit/dashboards/influx-layout.ts), so that model
 *   cannot drift from the backend;
 * - every query of every panel and template variable, with Grafana's macros filled in as Grafana
 *   would, is valid InfluxQL to influxd 1.6 and returns data — no panel is empty on agent data.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { openInfluxStore } from '../../../collector/src/storage/influx/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { HTTP_PHASES } from '../../../shared/src/metrics.ts';
import { INFLUXD, startInfluxd, type Influxd } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { influxLayout } from '../../unit/dashboards/influx-layout.ts';
import type { Dashboard } from '../../unit/dashboards/grafana-schema.ts';

const DB = 'n3mon_grafana';
const PRACTICE = 'A81001';
const MIN = 60_000;
const DIR = join(import.meta.dirname, '../../../dashboards/grafana/dashboards');
const dashboards = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Dashboard] as const);

/** Three hours of once-a-minute samples, labelled as the probes label them (agent/src/probes/<kind>). */
function agentSamples(now: number): WireSample[] {
  const out: WireSample[] = [];
  const start = Math.floor(now / MIN) * MIN - 180 * MIN;
  const icmp = { check: 'icmp:n3-router', role: 'n3-gateway', target: '10.1.2.1' };
  const http = { check: 'http:spine', role: 'national-app', target: 'https://spine.example.invalid/health', app: 'spine' };
  const tcp = { check: 'tcp:spine', role: 'national-app', target: 'spine.example.invalid:443', app: 'spine' };
  const snmp = { check: 'snmp:router', role: 'n3-gateway', target: '10.1.2.1:161' };
  const wan = { ...snmp, ifName: 'Dialer0', ifIndex: '12', ifRole: 'n3-gateway' };
  const host = { check: 'host', role: 'server', target: 'practice-server' };
  for (let i = 0; i < 180; i++) {
    const ts = start + i * MIN;
    const s = (metric: string, labels: Record<string, string>, value: number): number => out.push({ metric, labels, ts, value });
    s('icmp_rtt_min_ms', icmp, 20 + (i % 5));
    s('icmp_rtt_avg_ms', icmp, 25 + (i % 7));
    s('icmp_rtt_median_ms', icmp, 24 + (i % 6));
    s('icmp_rtt_max_ms', icmp, 40 + (i % 9));
    s('icmp_loss_ratio', icmp, i % 30 === 0 ? 0.05 : 0);
    s('probe_success', { ...icmp, outcome: 'success' }, 1);
    s('probe_success', { ...http, outcome: i % 45 === 0 ? 'timeout' : 'success' }, i % 45 === 0 ? 0 : 1);
    HTTP_PHASES.forEach((phase, k) => s('http_phase_ms', { ...http, phase }, 5 + 10 * k));
    s('tcp_connect_ms', tcp, 12);
    s('snmp_if_in_utilisation_ratio', wan, 0.5 + (i % 10) / 40);
    s('snmp_if_out_utilisation_ratio', wan, 0.2);
    for (const m of ['snmp_if_in_errors_per_s', 'snmp_if_out_errors_per_s', 'snmp_if_in_discards_per_s', 'snmp_if_out_discards_per_s'])
      s(m, wan, i % 20 === 0 ? 0.5 : 0);
    s('host_cpu_load_ratio', host, 0.3);
    s('host_mem_used_ratio', host, 0.6);
    s('host_disk_used_ratio', { ...host, mount: '/' }, 0.4);
  }
  return out;
}

/** A query as Grafana sends it: macros and the chosen variable values filled in. */
function expand(query: string, values: Record<string, string>): string {
  return query
    .replaceAll('$timeFilter', 'time > now() - 24h')
    .replaceAll('$__interval', '5m')
    .replace(/\$\{?(\w+)\}?/g, (m, name: string) => values[name] ?? m);
}

describe.skipIf(skipUnlessLab({ files: [INFLUXD] }))('the Grafana dashboards on a real influxd fed by the influx backend', () => {
  let influxd: Influxd;
  let store: (SeriesStore & { ready(): Promise<void> }) | undefined;

  beforeAll(async () => {
    influxd = await startInfluxd();
    store = openInfluxStore({
      settings: { url: influxd.url, database: DB, createDatabase: true, timeoutMs: 30_000 },
      retention: { rawDays: 14, minuteDays: 92, hourDays: 800 },
      log: silentLogger(),
    });
    await store.ready();
    const now = Date.now();
    const samples = agentSamples(now);
    for (let i = 0; i < samples.length; i += 5000) await store.write({ practice: PRACTICE, agent: 'main', samples: samples.slice(i, i + 5000) });
    await store.maintain(now);
  });

  afterAll(async () => {
    await store?.close();
    await influxd?.cleanup();
  });

  it("holds only measurements, tags and fields the dashboards' layout model knows (n3mon.* bookkeeping aside)", async () => {
    const layout = influxLayout();
    const names = ((await influxd.query('SHOW MEASUREMENTS', DB)).results[0]?.series?.[0]?.values ?? [])
      .map((v) => v[0] as string)
      .filter((n) => !n.startsWith('n3mon.'));
    expect(names).toContain('icmp_rtt_avg_ms.1h');
    for (const name of names) {
      const m = layout.get(name);
      expect(m, `measurement ${name}`).toBeDefined();
      const tags = ((await influxd.query(`SHOW TAG KEYS FROM "${name}"`, DB)).results[0]?.series?.[0]?.values ?? []).map((v) => v[0] as string);
      const fields = ((await influxd.query(`SHOW FIELD KEYS FROM "${name}"`, DB)).results[0]?.series?.[0]?.values ?? []).map((v) => v[0] as string);
      expect(
        tags.filter((t) => !m!.tags.has(t)),
        `tags of ${name}`,
      ).toEqual([]);
      expect(
        fields.filter((f) => !m!.fields.has(f)),
        `fields of ${name}`,
      ).toEqual([]);
      expect(fields.length).toBeGreaterThan(0);
    }
  });

  describe.each(dashboards)('%s', (_file, d) => {
    const values = { practice: PRACTICE, target: '10.1.2.1', app: 'spine' };
    it('every template variable query runs and offers a value', async () => {
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const r = (await influxd.query(expand(v.query, values), DB)).results[0];
        expect(r?.error, `${v.name}: ${v.query}`).toBeUndefined();
        expect(
          (r?.series?.[0]?.values ?? []).map((x) => x[1]),
          `${v.name}: ${v.query}`,
        ).toContain(values[v.name as keyof typeof values]);
      }
    });
    it('every panel query runs and returns data', async () => {
      for (const p of d.panels)
        for (const t of p.targets) {
          const q = expand(t.query, values);
          const r = (await influxd.query(q, DB)).results[0];
          expect(r?.error, `${p.title} ${t.refId}: ${q}`).toBeUndefined();
          expect(r?.series?.length ?? 0, `${p.title} ${t.refId} returned nothing: ${q}`).toBeGreaterThan(0);
        }
    });
  });
});
