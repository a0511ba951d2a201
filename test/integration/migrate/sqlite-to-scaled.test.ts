/**
 * `n3mon migrate` (collector/src/cli/migrate.ts), for real: a single collector on SQLite (the built
 * CLI) gets its data as users make it — an agent token, an API key, a dashboard user, samples
 * through POST /api/v1/ingest that open an alert, a maintenance window, a config template — and is
 * stopped; then the built CLI migrates it into a private PostgreSQL (state) and influxd (series).
 * Every row of every state table and every raw sample must arrive, the identity sequences must be
 * past the copied ids, a second run must be refused (and --force must redo it), and a collector
 * started on the new config answers the API key and the series read as the old one did.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { openSeriesStore } from '../../../collector/src/collector.ts';
import { PostgresState } from '../../../collector/src/meta/postgres-state.ts';
import type { StoredSeries } from '../../../collector/src/storage/types.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { CLI, type CliResult, runCli, stopCli } from '../../helpers/cli.ts';
import { freePort, INFLUXD, type Influxd, startInfluxd } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { PG_LAB_REQUIREMENTS, type PgLab, startPostgres } from '../../helpers/postgres-lab.ts';
import { waitFor } from '../../helpers/wait.ts';

const skip = skipUnlessLab({ files: [...PG_LAB_REQUIREMENTS.files, INFLUXD] });

const ODS = 'M15001';
const OTHER = 'M15002';
const RULE = 'app-unreachable';
const dir = mkdtempSync(join(tmpdir(), 'n3mon-migrate-'));
const oldData = join(dir, 'old-data');
const children: ChildProcess[] = [];
let pgLab: PgLab | undefined;
let influx: Influxd | undefined;
let stateUrl = '';
let newConfig = '';
let apiKey = '';
let newUrl = '';
/** The old collector's answer to SERIES_QUERY (the new one must give the same). */
let oldSeries: unknown;
let seriesQuery = '';

const practicesYaml = ['practices:', `  - { ods: ${ODS}, name: "Migration Surgery" }`, `  - { ods: ${OTHER}, name: "Other Surgery" }`];

async function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { timeoutMs: 60_000 });
}
async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`n3mon ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** `n3mon collector --config FILE` (the built CLI), resolving once /healthz answers 200. */
async function startCollector(config: string, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'collector', '--config', config, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  await waitFor(`the collector on ${url}`, async () => ((await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 100,
    describe: () => err,
  });
  return child;
}

async function api<T>(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** Every row of a table, as comparable text (binary as hex), sorted. */
function normalise(rows: readonly Record<string, unknown>[]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(
        Object.keys(r)
          .sort()
          .map((k) => [k, Buffer.isBuffer(r[k]) ? (r[k] as Buffer).toString('hex') : r[k]]),
      ),
    )
    .sort();
}

/** A /series answer without the series' ids. */
function withoutIds(answer: unknown): unknown {
  const a = answer as { series: Array<Record<string, unknown>> };
  return { ...a, series: a.series.map(({ id: _id, ...rest }) => rest) };
}

const seriesKey = (s: StoredSeries): string => JSON.stringify([s.practice, s.agent, s.metric, Object.entries(s.labels).sort()]);

beforeAll(async () => {
  if (skip) return;
  // The old collector: SQLite state and series under oldData, alerting shortened so an alert opens in seconds.
  const oldPort = await freePort();
  const oldUrl = `http://127.0.0.1:${oldPort}`;
  const oldConfig = join(dir, 'old.yaml');
  writeFileSync(
    oldConfig,
    [
      `listen: { host: 127.0.0.1, port: ${oldPort} }`,
      `dataDir: ${oldData}`,
      'organisation: { name: "Migration ICB" }',
      ...practicesYaml,
      'alerting: { stepMs: 2000, graceMs: 3000, tickMs: 500, initialLookbackMs: 60000, groupWaitMs: 500, reopenWithinMs: 4000 }',
      `thresholds: { organisation: { rules: { ${RULE}: { window: 10s, sustain: 2, clearSustain: 2 } } } }`,
      '',
    ].join('\n'),
  );
  // The labs of the new setup start meanwhile (each is stopped in afterAll even if the rest fails).
  const labs = Promise.all([startPostgres().then((l) => (pgLab = l)), startInfluxd().then((i) => (influx = i))]);
  // Awaited below, where a lab that did not start fails the set-up; not unhandled if a step before it throws.
  labs.catch(() => undefined);
  const token = await ok(['token', 'create', '--practice', ODS, '--agent', 'srv1', '--config', oldConfig]);
  [apiKey] = await Promise.all([
    ok(['apikey', 'create', '--role', 'servicedesk', '--config', oldConfig]),
    ok(['user', 'create', '--username', 'desk', '--role', 'servicedesk', '--generate', '--config', oldConfig]),
  ]);
  const old = await startCollector(oldConfig, oldUrl);
  // An agent's samples: a national application that refuses every probe, and a LAN gateway's RTT.
  const app = { role: 'national-app', app: 'spine', target: '127.0.0.1:9', check: 'tcp:spine' };
  const lan = { role: 'lan-gateway', target: '127.0.0.1', check: 'icmp:lan' };
  let batch = 0;
  const push = async (): Promise<void> => {
    const now = Date.now();
    const samples = Array.from({ length: 20 }, (_, i) => now - (19 - i) * 1000).flatMap((ts) => [
      { metric: 'probe_success', labels: { ...app, outcome: 'refused' }, ts, value: 0 },
      { metric: 'icmp_rtt_avg_ms', labels: lan, ts, value: 1 + (ts % 7) / 10 },
      { metric: 'icmp_loss_ratio', labels: lan, ts, value: 0 },
    ]);
    batch += 1;
    const r = await api(oldUrl, 'POST', '/api/v1/ingest', { batchId: `migrate-${batch}`, samples }, { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
  };
  await push();
  await waitFor(
    `an open ${RULE} alert`,
    async () => {
      const r = await api<{ items: { rule: { id: string }; state: string }[] }>(oldUrl, 'GET', `/api/v1/alerts?practice=${ODS}`);
      if (r.body.items.some((a) => a.rule.id === RULE)) return true;
      if (batch < 40) await push();
      return undefined;
    },
    { timeoutMs: 40_000, intervalMs: 500 },
  );
  const day = 86_400_000;
  const w = await api(oldUrl, 'POST', '/api/v1/maintenance', {
    practice: ODS,
    startsAt: new Date(Date.now() + day).toISOString(),
    endsAt: new Date(Date.now() + day + 3_600_000).toISOString(),
    reason: 'router swap',
  });
  expect(w.status).toBe(201);
  const t = await api(oldUrl, 'PUT', '/api/v1/config/templates/lan', {
    source: 'checks:\n  - { kind: icmp, id: lan-gw, target: "127.0.0.1", role: lan-gateway, intervalMs: 30000, count: 5 }\n',
    practices: 'all',
  });
  expect(t.status).toBe(200);
  const to = Date.now() + 60_000;
  seriesQuery = `/api/v1/practices/${ODS}/series?metric=icmp_rtt_avg_ms&from=${to - 3_600_000}&to=${to}&step=60000`;
  const answer = await api<{ series: unknown[] }>(oldUrl, 'GET', seriesQuery);
  expect(answer.status).toBe(200);
  expect(answer.body.series.length).toBeGreaterThan(0);
  oldSeries = answer.body;
  expect(await stopCli(old)).toBe(0);

  const [lab, ifx] = await labs;
  stateUrl = lab.url(await lab.createDatabase('n3mon'));
  influx = ifx;
  const newPort = await freePort();
  newUrl = `http://127.0.0.1:${newPort}`;
  mkdirSync(join(dir, 'new-data'), { recursive: true });
  newConfig = join(dir, 'new.yaml');
  writeFileSync(
    newConfig,
    [
      `listen: { host: 127.0.0.1, port: ${newPort} }`,
      `dataDir: ${join(dir, 'new-data')}`,
      'organisation: { name: "Migration ICB" }',
      ...practicesYaml,
      `storage: { backend: influx, url: "${influx.url}", database: n3mon, createDatabase: true }`,
      `state: { backend: postgres, url: "${stateUrl}" }`,
      `reports: { archiveDir: ${join(dir, 'shared-reports')} }`,
      '',
    ].join('\n'),
  );
}, 180_000);

afterAll(async () => {
  for (const c of children) await stopCli(c).catch(() => undefined);
  await influx?.cleanup();
  await pgLab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** `table  rows` lines of the migrate output. */
function tableCounts(stdout: string): Map<string, number> {
  return new Map([...stdout.matchAll(/^ {2}([a-z_]+) +(\d+)$/gm)].filter((m) => m[1] !== 'total').map((m) => [m[1] as string, Number(m[2])]));
}

describe.skipIf(skip)('n3mon migrate: a SQLite collector into PostgreSQL + InfluxDB', () => {
  it('--dry-run counts every state table and every sample, and writes nothing', async () => {
    const r = await cli(['migrate', '--from', oldData, '--config', newConfig, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const counts = tableCounts(r.stdout);
    for (const t of [
      'practices',
      'agents',
      'agent_tokens',
      'api_keys',
      'ingest_batches',
      'ui_users',
      'alerts',
      'maintenance_windows',
      'config_versions',
      'audit_log',
    ])
      expect(counts.get(t), `${t} in\n${r.stdout}`).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/series: \d+ series .*, \d+ samples to copy/);
    const pg = new PostgresState({ url: stateUrl });
    try {
      const tables = await pg.all("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'practices'");
      expect(tables).toEqual([]);
    } finally {
      await pg.close();
    }
  });

  it('copies every row of every state table and every raw sample; sequences continue past the copied ids', async () => {
    const r = await cli(['migrate', '--from', oldData, '--config', newConfig]);
    expect(r.code, r.stderr).toBe(0);
    const counts = tableCounts(r.stdout);
    const src = new Database(join(oldData, 'meta.db'), { readonly: true });
    const pg = new PostgresState({ url: stateUrl });
    try {
      expect(counts.size).toBeGreaterThan(10);
      for (const [table, n] of counts) {
        const a = src.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
        const b = await pg.all(`SELECT * FROM "${table}"`);
        expect(a.length, table).toBe(n);
        expect(normalise(b), table).toEqual(normalise(a));
      }
      // The next audit entry and alert get ids after the copied ones, not 1.
      const maxAudit = (src.prepare('SELECT max(id) AS m FROM audit_log').get() as { m: number }).m;
      const next = await pg.get<{ id: number }>(
        "INSERT INTO audit_log (at, actor, action, target, practice, detail, source) VALUES (?, 'cli', 'user.create', 'user:x', NULL, '{}', 'cli') RETURNING id",
        [Date.now()],
      );
      expect(next?.id).toBe(maxAudit + 1);
    } finally {
      src.close();
      await pg.close();
    }

    const m = /series: (\d+) series, (\d+) samples copied/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const log = silentLogger();
    const before = openSeriesStore(parseCollectorConfig({ dataDir: oldData }, 'old'), log);
    const after = openSeriesStore(
      parseCollectorConfig({ dataDir: join(dir, 'new-data'), storage: { backend: 'influx', url: influx?.url, database: 'n3mon' } }, 'new'),
      log,
    );
    try {
      await after.ready?.();
      const a = await before.findSeries({});
      const b = await after.findSeries({});
      expect(b.map(seriesKey).sort()).toEqual(a.map(seriesKey).sort());
      expect(Number(m?.[1])).toBe(a.length);
      const byKey = new Map(b.map((s) => [seriesKey(s), s]));
      let samples = 0;
      for (const s of a) {
        const pa = await before.raw(s.id, 0, Date.now() + 86_400_000);
        const pb = await after.raw((byKey.get(seriesKey(s)) as StoredSeries).id, 0, Date.now() + 86_400_000);
        expect(pb, seriesKey(s)).toEqual(pa);
        samples += pa.length;
      }
      expect(Number(m?.[2])).toBe(samples);
      expect(samples).toBeGreaterThan(0);
    } finally {
      await before.close();
      await after.close();
    }
  });

  it('refuses a target that already holds data; --force copies it again', async () => {
    const again = await cli(['migrate', '--from', oldData, '--config', newConfig]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds data \(.*practices: 2 rows/);
    const forced = await cli(['migrate', '--from', oldData, '--config', newConfig, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    const pg = new PostgresState({ url: stateUrl });
    try {
      // The audit row the previous case added is gone: the tables were emptied, then copied.
      const src = new Database(join(oldData, 'meta.db'), { readonly: true });
      const n = (src.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
      src.close();
      expect((await pg.get<{ n: number }>('SELECT count(*) AS n FROM audit_log'))?.n).toBe(n);
    } finally {
      await pg.close();
    }
  });

  it('a collector on the new config knows the old API key, the alert and answers the same series', async () => {
    await startCollector(newConfig, newUrl);
    const r = await api(newUrl, 'GET', seriesQuery);
    expect(r.status).toBe(200);
    // The same figures; a series' id is the backend's own (SQLite: an integer, InfluxDB: its identity).
    expect(withoutIds(r.body)).toEqual(withoutIds(oldSeries));
    const alerts = await api<{ items: { rule: { id: string } }[] }>(newUrl, 'GET', `/api/v1/alerts?practice=${ODS}`);
    expect(alerts.status).toBe(200);
    expect(alerts.body.items.map((a) => a.rule.id)).toContain(RULE);
  });
});
