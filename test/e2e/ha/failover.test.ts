// Two collectors, one truth — failover for real (docs/high-availability.md). A private PostgreSQL
// (state) and influxd (series); two collectors (the built CLI) with one config, behind the test load
// balancer (test/helpers/lb-proxy.ts, retrying as deploy/ha/nginx.conf does); a real agent (built
// CLI) checking an HTTP target the test controls and pinging 127.0.0.1, pushing through the load
// balancer; a webhook receiver. Steady load reaches both collectors. A dashboard session signed in
// on one collector works on the other, and the read API and the dashboard's JSON answer the same on
// both. The collector holding the 'alerting' lease is killed with SIGKILL while the target starts
// failing: the survivor takes every lease (its report scheduler takes up last month at once), the
// alert opens and is notified exactly once (and resolved once), and the agent carries on through
// the survivor. PostgreSQL stops: ingest answers 503 with a reason and the agent keeps its spool;
// it starts again: the survivor recovers by itself and the spool drains. At the end every sample
// the agent spooled is stored exactly once (the spool's sequence vs the read API's counts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited } from '../../helpers/cli.ts';
import { type Influxd, INFLUXD, startInfluxd } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { type LbProxy, startLbProxy } from '../../helpers/lb-proxy.ts';
import { PG_LAB_REQUIREMENTS, type PgLab, startPostgres } from '../../helpers/postgres-lab.ts';
import { waitFor } from '../../helpers/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../integration/alerts/servers.ts';
import type { Notification } from '../../../collector/src/notifications/channels/types.ts';
import { LEASE_ROLES } from '../../../collector/src/ha/leases.ts';
import {
  acked,
  cli,
  type CollectorProc,
  healthz,
  PRACTICE,
  type Proc,
  RULE,
  runs,
  spawnLogged,
  started,
  startCollector,
  startTarget,
  type Target,
  writeAgentConfig,
  writeCollectorConfig,
} from './lab.ts';

const skip = skipUnlessLab({ files: [...PG_LAB_REQUIREMENTS.files, INFLUXD, '/usr/bin/ping'] });

const dir = mkdtempSync(join(tmpdir(), 'n3mon-ha-'));
let pgLab: PgLab | undefined;
let influx: Influxd | undefined;
let hook: WebhookReceiver | undefined;
let target: Target | undefined;
let lb: LbProxy;
let a: CollectorProc;
let b: CollectorProc;
let agent: Proc;
let spoolDir: string;
let apiKey: string;
let password: string;

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, describe?: () => string) =>
  waitFor(what, probe, { timeoutMs, intervalMs: 200, ...(describe === undefined ? {} : { describe }) });

async function get<T>(
  url: string,
  path: string,
  headers: Record<string, string> = { authorization: `Bearer ${apiKey}` },
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/**
 * The collector holding lease `role` now, read from the state database (a row not yet expired by
 * the database's clock); which process that is, from the `holder` its lease log lines carry.
 */
async function leaseHolder(role: string): Promise<CollectorProc | undefined> {
  const c = new pg.Client({ connectionString: pgLab?.url('n3mon') });
  await c.connect();
  try {
    const r = await c.query<{ holder: string }>(
      'SELECT holder FROM leases WHERE name = $1 AND expires_at > CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)',
      [role],
    );
    const holder = r.rows[0]?.holder;
    return holder === undefined ? undefined : [a, b].find((x) => x?.logs.some((l) => l.holder === holder));
  } finally {
    await c.end();
  }
}

/** The webhook notifications' items for RULE: "firing 12", "resolved 12". */
const ruleItems = (): string[] =>
  (hook?.deliveries ?? []).flatMap((d) => (JSON.parse(d.body) as Notification).items.filter((i) => i.ruleId === RULE).map((i) => `${i.status} ${i.alertId}`));

beforeAll(async () => {
  if (skip) return;
  pgLab = await startPostgres();
  const stateUrl = pgLab.url(await pgLab.createDatabase('n3mon'));
  influx = await startInfluxd();
  hook = await startWebhookReceiver();
  target = await startTarget();
  const setup = { dir, influxUrl: influx.url, stateUrl, hookUrl: hook.url };
  const ca = await writeCollectorConfig(setup, 'A');
  const cb = await writeCollectorConfig(setup, 'B');
  // One after the other: the first creates the InfluxDB database and migrates PostgreSQL.
  a = await startCollector('A', ca);
  // A takes every role in its first round (just after it listens); B, started after that, finds them held.
  for (const role of LEASE_ROLES) await until(`collector A to hold the '${role}' lease`, async () => ((await leaseHolder(role)) === a ? true : undefined));
  b = await startCollector('B', cb);
  lb = await startLbProxy({ upstreams: [a.url, b.url], failTimeoutMs: 2000 });
  const token = await cli(['token', 'create', '--practice', PRACTICE.ods, '--agent', 'ha-srv', '--config', ca.config]);
  apiKey = await cli(['apikey', 'create', '--role', 'servicedesk', '--config', cb.config]);
  password = await cli(['user', 'create', '--username', 'desk', '--role', 'servicedesk', '--generate', '--config', ca.config]);
  const agentFiles = writeAgentConfig(dir, { url: lb.url, token, target: target.url });
  spoolDir = agentFiles.spool;
  agent = spawnLogged(['agent', '--config', agentFiles.config, '--log-level', 'debug']);
}, 90_000);

afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await lb?.close();
  await hook?.close();
  await target?.close();
  await influx?.cleanup();
  await pgLab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface AlertItem {
  id: number;
  rule: { id: string };
  state: string;
}
const ruleAlerts = async (url: string): Promise<AlertItem[]> =>
  (await get<{ items: AlertItem[] }>(url, `/api/v1/alerts?practice=${PRACTICE.ods}`)).body.items.filter((i) => i.rule.id === RULE);

/** What both collectors must answer alike: the practices list and the dashboard overview, without the instants that move with every batch. */
async function sameView(url: string): Promise<string> {
  const practices = await get<{ practices?: unknown[] } & Record<string, unknown>>(url, '/api/v1/practices');
  const overview = await get<{ rows?: unknown[] } & Record<string, unknown>>(url, '/api/v1/overview');
  const alerts = await get<{ items: unknown[] }>(url, `/api/v1/alerts?practice=${PRACTICE.ods}`);
  expect([practices.status, overview.status, alerts.status]).toEqual([200, 200, 200]);
  return JSON.stringify([practices.body, overview.body, alerts.body], (k, v) => (k === 'lastSeen' || k === 'now' || k === 'serverTime' ? typeof v : v));
}

describe.skipIf(skip)('two collectors behind a load balancer', () => {
  let survivor: CollectorProc;

  it('steady agent load lands on both collectors', async () => {
    await until(
      'ingest answered by both collectors',
      async () => (lb.stats().every((s) => (s.byStatus[200] ?? 0) >= 2) && acked(agent.logs).length >= 4 ? true : undefined),
      30_000,
      () => JSON.stringify(lb.stats()) + agent.text(),
    );
  });

  it('a session signed in through collector A works on collector B; the read API and the dashboard JSON answer the same on both', async () => {
    const login = await fetch(`${a.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'desk', password }),
    });
    expect(login.status).toBe(200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/=/);
    const onB = await get<{ user: { username: string } | null }>(b.url, '/api/v1/session', { cookie });
    expect(onB.body.user?.username).toBe('desk');
    expect((await get(b.url, `/api/v1/practices/${PRACTICE.ods}`, { cookie })).status).toBe(200);

    // The same answers from both (a batch between two reads can change a status: read again until they agree).
    await until('the same practices, overview and alerts on A and B', async () => {
      const [va, vb] = await Promise.all([sameView(a.url), sameView(b.url)]);
      return va === vb ? va : undefined;
    });

    // Signing out on B (with the CSRF token A gave) ends the session on A too.
    const out = await fetch(`${b.url}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(204);
    expect((await get<{ user: unknown }>(a.url, '/api/v1/session', { cookie })).body.user).toBeNull();
  });

  it("SIGKILL of the 'alerting' lease holder while an alert opens: the survivor takes over, notifies it exactly once, and the agent carries on through it", async () => {
    const holder = await until("a collector holding the 'alerting' lease", () => leaseHolder('alerting'));
    survivor = holder === a ? b : a;
    const killed = holder === a ? 0 : 1;
    // A took every role before B started (beforeAll).
    for (const role of LEASE_ROLES) expect(await leaseHolder(role), role).toBe(holder);
    const survivorLogsFrom = survivor.logs.length;
    const ackedBefore = acked(agent.logs).length;
    (target as Target).failing = true;
    holder.child.kill('SIGKILL');
    await exited(holder.child);

    await until("the survivor holds the 'alerting' lease", async () => ((await leaseHolder('alerting')) === survivor ? true : undefined));
    // …and every other role the killed collector held (the report scheduler tries the month at once when it gains 'reports').
    for (const role of LEASE_ROLES)
      await until(`the survivor holds the '${role}' lease`, async () => ((await leaseHolder(role)) === survivor ? true : undefined));
    // The survivor's report scheduler takes up last month at once (not at its next 10-minute tick).
    await until("the survivor's report scheduler to take up last month", async () =>
      survivor.logs.slice(survivorLogsFrom).find((l) => l.msg === "generating last month's reports"),
    );
    const alert = await until(
      'the alert open (read through the load balancer)',
      async () => (await ruleAlerts(lb.url)).find((i) => i.state === 'open'),
      45_000,
    );
    await until(
      'its notification',
      async () => (ruleItems().includes(`firing ${alert.id}`) ? true : undefined),
      20_000,
      () => ruleItems().join(),
    );
    await until('batches acknowledged through the survivor after the kill', async () => (acked(agent.logs).length >= ackedBefore + 5 ? true : undefined));
    // The killed collector was tried, refused and left out; no request failed at the load balancer.
    expect(lb.stats()[killed]?.errors).toBeGreaterThanOrEqual(1);
    expect(lb.failures()).toBe(0);

    (target as Target).failing = false;
    await until('the alert resolved', async () => ((await ruleAlerts(lb.url)).every((i) => i.state === 'resolved') ? true : undefined), 45_000);
    await until(
      'its resolved notification',
      async () => (ruleItems().includes(`resolved ${alert.id}`) ? true : undefined),
      20_000,
      () => ruleItems().join(),
    );
    expect((await ruleAlerts(lb.url)).map((i) => i.id)).toEqual([alert.id]);
    expect(ruleItems()).toEqual([`firing ${alert.id}`, `resolved ${alert.id}`]);
  }, 120_000);

  it('PostgreSQL stops: ingest answers 503 with a reason and the agent keeps its spool; started again, the collector recovers by itself and the spool drains', async () => {
    const from = agent.logs.length;
    const runsAtStop = runs(agent.logs);
    await (pgLab as PgLab).stop({ mode: 'fast' });
    const busy = await until('the agent told 503', async () => agent.logs.slice(from).find((l) => l.msg === 'collector busy; will retry' && l.status === 503));
    expect(busy.code).toMatch(/^N3MON_ERR_/);
    const health = await healthz(lb.url);
    expect(health?.status).toBe(503);
    expect(health?.body.reasons.join('; ')).toMatch(/state|postgres/i);
    await until('12 check runs spooled while PostgreSQL is away', async () => (runs(agent.logs) >= runsAtStop + 12 ? true : undefined));

    const restartedAt = agent.logs.length;
    await (pgLab as PgLab).start();
    await until('the survivor healthy again', async () => ((await healthz(survivor.url))?.status === 200 ? true : undefined));
    const drained = (): true | undefined => {
      const lanes = acked(agent.logs.slice(restartedAt)).map((l) => l.lane);
      const firstBacklog = lanes.indexOf('backlog');
      return firstBacklog >= 0 && lanes.slice(firstBacklog + 1).includes('normal') ? true : undefined;
    };
    await until(
      'the backlog to drain (backlog-lane batches, then a normal-lane one)',
      async () => drained(),
      30_000,
      () => agent.text(),
    );
  });

  it('every sample the agent spooled is stored exactly once', async () => {
    agent.child.kill('SIGTERM'); // graceful: one last push
    expect(await exited(agent.child)).toBe(0);
    const spool = new Database(join(spoolDir, 'spool.sqlite'), { readonly: true });
    const spooled = spool.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").pluck().get() as number;
    const left = spool.prepare('SELECT count(*) FROM samples').pluck().get() as number;
    const rejected = spool.prepare('SELECT count(*) FROM rejected').pluck().get() as number;
    spool.close();
    expect([left, rejected]).toEqual([0, 0]);

    /** Samples stored for `metric` (optionally one check's), every series of it, through the read API. */
    const count = async (metric: string, check?: string): Promise<number> => {
      const q = `metric=${metric}${check === undefined ? '' : `&check=${check}`}&from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}&step=1h`;
      const res = await get<{ series: { points: { count: number }[] }[] }>(lb.url, `/api/v1/practices/${PRACTICE.ods}/series?${q}`);
      return res.body.series.flatMap((s) => s.points).reduce((n, p) => n + p.count, 0);
    };
    const detail = await get<{ metrics: { metric: string }[] }>(lb.url, `/api/v1/practices/${PRACTICE.ods}`);
    let stored = 0;
    for (const metric of new Set(detail.body.metrics.map((m) => m.metric))) stored += await count(metric);
    expect(stored).toBe(spooled);
    expect(spooled).toBeGreaterThan(100);
    // Per check: one probe_success sample per run the agent's scheduler logged.
    for (const check of ['portal', 'loopback']) {
      const logged = agent.logs.filter((l) => l.check === check && (l.msg === 'check run' || l.msg === 'check outcome changed')).length;
      expect(logged, check).toBeGreaterThan(5);
      expect(await count('probe_success', check), check).toBe(logged);
    }
  });
});
