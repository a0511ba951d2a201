// GET /metrics of a running collector (`n3mon collector`, the built CLI) passes Prometheus' own
// checker, `promtool check metrics` (Debian's `prometheus` package), once ingest has been through
// every path that adds to it (stored, repeated, refused, unauthenticated, gzip) so every family is
// in the scrape.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, runCli, startCli } from '../../helpers/cli.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { parsePrometheusText } from '../../helpers/prom-text.ts';

const PROMTOOL = '/usr/bin/promtool';

function promtool(exposition: string): { code: number | null; output: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe.skipIf(skipUnlessLab({ files: [PROMTOOL] }))('/metrics and promtool', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let url: string;
  let scrape: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'n3mon-promtool-'));
    const config = join(dir, 'collector.json');
    const practices = [
      { ods: 'A81001', name: 'Riverside "Medical" Centre', sites: [{ name: 'Main' }] },
      { ods: 'B82002', name: 'Hillside Surgery', sites: [] },
    ];
    writeFileSync(
      config,
      JSON.stringify({
        listen: { host: '127.0.0.1', port: 0 },
        dataDir: join(dir, 'data'),
        organisation: { name: 'Test ICB' },
        practices,
        storage: { synchronous: 'normal' },
      }),
    );
    const token = await runCli(['token', 'create', '--practice', 'A81001', '--agent', 'server1', '--config', config], { timeoutMs: 60_000 });
    expect(token.code, token.stderr).toBe(0);
    const started = await startCli(['collector', '--config', config], /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"collector listening"/, {
      timeoutMs: 60_000,
    });
    child = started.child;
    url = started.match[1] as string;

    const auth = { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' };
    const now = Date.now();
    const samples = [0, 1, 2].map((i) => ({
      metric: 'icmp_rtt_avg_ms',
      labels: { target: '127.0.0.1', role: 'lan-gateway' },
      ts: now - 60_000 * (i + 1),
      value: 1 + i,
    }));
    const body = JSON.stringify({ batchId: 'promtool-1', samples });
    const statuses: number[] = [];
    for (const init of [
      { headers: auth, body }, // stored
      { headers: auth, body }, // the same batch again: a duplicate
      { headers: { ...auth, 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ batchId: 'promtool-2', samples })) },
      { headers: auth, body: JSON.stringify({ samples: 'none' }) }, // refused: not a batch
      { headers: { 'content-type': 'application/json' }, body }, // no token
    ]) {
      const res = await fetch(`${url}/api/v1/ingest`, { method: 'POST', ...init });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 400, 401]);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    scrape = await res.text();
  });

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('has every documented family, each with samples', () => {
    const fams = parsePrometheusText(scrape);
    const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(n3mon_[a-z_]+)` \| (\w+) \|/gm)].map((m) => m[1] as string);
    expect(documented.length).toBeGreaterThan(10);
    for (const name of documented) expect(fams.get(name)?.samples.length ?? 0, name).toBeGreaterThan(0);
    const value = (name: string, labels: Record<string, string> = {}) =>
      [...fams.values()].flatMap((f) => f.samples).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('n3mon_ingest_bytes_total', { encoding: 'gzip' })).toBeGreaterThan(0);
    expect(value('n3mon_store_samples_written_total')).toBeGreaterThanOrEqual(3);
    expect(value('n3mon_collector_event_loop_lag_seconds_count')).toBeGreaterThanOrEqual(0);
  });

  it('passes promtool check metrics (format and lint) with nothing to say', () => {
    expect(promtool(scrape)).toEqual({ code: 0, output: '' });
  });

  it('promtool here does refuse what the collector used to serve (a gauge with a quantile label)', () => {
    const old =
      '# HELP n3mon_collector_event_loop_lag_seconds Event-loop delay.\n# TYPE n3mon_collector_event_loop_lag_seconds gauge\nn3mon_collector_event_loop_lag_seconds{quantile="0.5"} 0.01\n';
    const r = promtool(old);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/non-summary metrics should not have "quantile" label/);
  });
});
