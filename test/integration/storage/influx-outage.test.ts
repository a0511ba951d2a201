/**
 * Durability through an InfluxDB outage (docs/storage.md "Outages"): the built collector
 * (`node dist/cli.js collector`, storage.backend influx) and the built agent under a steady load;
 * influxd is SIGKILLed for 60 s — the collector answers the agent 503 with Retry-After and the
 * agent keeps its spool — then restarted on the same data. Afterwards every acknowledged sample
 * (the batches meta.db recorded) is in InfluxDB, once per series and ts. Plus start-up: InfluxDB
 * unreachable fails with the URL and never the password; a missing database fails clearly or is
 * created when storage.createDatabase allows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, startCli, stopCli } from '../../helpers/cli.ts';
import { freePort, INFLUXD, startInfluxd, type Influxd } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { waitFor } from '../../helpers/wait.ts';

const OUTAGE_MS = 60_000;
const PASSWORD = 'pw-never-in-logs-7f3a';

interface LogLine {
  msg?: string;
  status?: number;
  samples?: number;
  retryAfter?: string;
  lane?: string;
  time?: number;
}

describe.skipIf(skipUnlessLab({ files: [INFLUXD] }))('influx backend: outages and start-up', () => {
  let influxd: Influxd;
  let dir: string;
  let listener: Server;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'n3mon-influx-outage-'));
    influxd = await startInfluxd();
    listener = createServer((s) => s.destroy());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  }, 30_000);

  afterAll(async () => {
    for (const c of children) await stopCli(c, 2000);
    listener?.close();
    await influxd?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function collectorFile(name: string, port: number, storage: string): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `listen: { host: 127.0.0.1, port: ${port} }\ndataDir: ${join(dir, name)}\npractices:\n  - { ods: E2E001, name: "Outage Surgery" }\nstorage: ${storage}\n`,
    );
    return file;
  }

  it('start-up: unreachable InfluxDB and a missing database fail with the URL, never the password; createDatabase creates it', async () => {
    const deadPort = await freePort();
    const unreachable = collectorFile(
      'unreachable',
      0,
      `{ backend: influx, url: "http://127.0.0.1:${deadPort}", database: n3mon, username: n3, password: "${PASSWORD}", timeoutMs: 2000 }`,
    );
    const a = await runCli(['collector', '--config', unreachable], { timeoutMs: 30_000 });
    expect(a.code).not.toBe(0);
    expect(a.stdout + a.stderr).toContain(`http://127.0.0.1:${deadPort}`);
    expect(a.stdout + a.stderr).not.toContain(PASSWORD);

    const missing = collectorFile('missing', 0, `{ backend: influx, url: "${influxd.url}", database: absent_db, password: "${PASSWORD}", username: n3 }`);
    const b = await runCli(['collector', '--config', missing], { timeoutMs: 30_000 });
    expect(b.code).not.toBe(0);
    expect(b.stdout + b.stderr).toMatch(/database "absent_db" does not exist.*createDatabase/);
    expect(b.stdout + b.stderr).not.toContain(PASSWORD);

    const check = await runCli([
      'check-config',
      collectorFile('badkey', 0, `{ backend: influx, url: "${influxd.url}", database: x, synchronous: full, bucket: y }`),
    ]);
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/storage\.synchronous: unknown key/);
    expect(check.stdout + check.stderr).toMatch(/storage\.bucket: unknown key/);

    const create = collectorFile('create', 0, `{ backend: influx, url: "${influxd.url}", database: created_db, createDatabase: true }`);
    const c = await startCli(['collector', '--config', create], /http:\/\/127\.0\.0\.1:\d+/, { readyOn: 'stderr', timeoutMs: 30_000 });
    children.push(c.child);
    await stopCli(c.child);
    const dbs = await influxd.query('SHOW DATABASES');
    expect(dbs.results[0]!.series![0]!.values.map((v) => v[0])).toContain('created_db');
  }, 120_000);

  it(`influxd SIGKILLed for ${OUTAGE_MS / 1000} s under a real agent's load: 503 + Retry-After meanwhile, afterwards every acknowledged sample is in InfluxDB exactly once`, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const file = collectorFile('outage', port, `{ backend: influx, url: "${influxd.url}", database: outage, createDatabase: true, timeoutMs: 3000 }`);
    const token = (await runCli(['token', 'create', '--practice', 'E2E001', '--agent', 'a1', '--config', file])).stdout.trim();
    expect(token).toMatch(/^n3a_/);
    const collector = await startCli(['collector', '--config', file, '--log-level', 'warn'], /http:\/\/127\.0\.0\.1:\d+/, {
      readyOn: 'stderr',
      timeoutMs: 30_000,
    });
    children.push(collector.child);

    const servicePort = (listener.address() as { port: number }).port;
    const agentFile = join(dir, 'agent.yaml');
    writeFileSync(
      agentFile,
      [
        `collector: { url: "${url}", token: "${token}" }`,
        `spool: { dir: "${join(dir, 'spool')}" }`,
        'push: { intervalMs: 300, batchSamples: 200, maxBackoffMs: 2000 }',
        'checks:',
        `  - { kind: tcp, target: "127.0.0.1:${servicePort}", role: lan-gateway, intervalMs: 1000 }`,
        `  - { kind: http, target: "${url}/healthz", role: national-app, app: n3mon, intervalMs: 1000 }`,
      ].join('\n'),
    );
    const agent = spawn(process.execPath, [CLI, 'agent', '--config', agentFile, '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(agent);
    let agentErr = '';
    agent.stderr.setEncoding('utf8').on('data', (d: string) => (agentErr = (agentErr + d).slice(-3000)));
    const logs: LogLine[] = [];
    let rest = '';
    agent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('{')) logs.push(JSON.parse(l) as LogLine);
    });
    const acked = (): LogLine[] => logs.filter((l) => l.msg === 'batch acknowledged');

    await waitFor('the agent has 5 batches acknowledged', async () => (acked().length >= 5 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
      describe: () =>
        `agent exit ${agent.exitCode} stderr: ${agentErr}\nagent log: ${logs
          .slice(-6)
          .map((l) => JSON.stringify(l))
          .join('\n')}\ncollector: ${collector.stderr().slice(-2000)}${collector.stdout().slice(-2000)}`,
    });
    await influxd.kill('SIGKILL');
    const killedAt = Date.now();
    // The outage itself: influxd stays down for OUTAGE_MS while the agent keeps measuring and pushing.
    await waitFor(
      'the collector to answer 503 with Retry-After',
      async () => (logs.some((l) => l.msg === 'collector busy; will retry' && l.status === 503 && l.retryAfter !== undefined) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const ackedBefore = acked().length; // a batch in flight at the kill has been answered by now
    const samplesBefore = acked().reduce((n, l) => n + Number(l.samples ?? 0), 0);
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + OUTAGE_MS - Date.now())));
    expect(acked().length).toBe(ackedBefore); // nothing acknowledged while InfluxDB was down
    await influxd.start();

    // The backlog drains: back in the normal lane (no backlog left), a batch smaller than a full one
    // means the spool was empty. (A live-lane batch can be acknowledged while the backlog lane
    // still holds batches that InfluxDB stored just before the kill but the collector could not
    // acknowledge.)
    const since = logs.length;
    await waitFor(
      'the agent backlog delivered',
      async () => (logs.slice(since).some((l) => l.msg === 'batch acknowledged' && l.lane === 'normal' && (l.samples ?? 0) < 200) ? true : undefined),
      {
        timeoutMs: 120_000,
        intervalMs: 200,
        describe: () =>
          logs
            .slice(-5)
            .map((l) => JSON.stringify(l))
            .join('\n'),
      },
    );
    await stopCli(agent);
    await stopCli(collector.child);

    const meta = new Database(join(dir, 'outage', 'meta.db'), { readonly: true });
    const ackedSamples = (meta.prepare('SELECT sum(samples) AS n FROM ingest_batches').get() as { n: number }).n;
    meta.close();
    const res = await influxd.query('SELECT count("value") FROM /^[a-z_]+$/ GROUP BY *', 'outage');
    const perSeries = (res.results[0]!.series ?? []).map((s) => s.values[0]![1] as number);
    const stored = perSeries.reduce((a, b) => a + b, 0);
    // The backlog measured during the outage went in after it (a count, not a rate: a loaded machine measures less).
    expect(ackedSamples).toBeGreaterThan(samplesBefore);
    // InfluxDB keeps one point per (series, ts), so "stored" counts each sample once: equal counts
    // mean every acknowledged sample is there and nothing else is.
    expect(stored).toBe(ackedSamples);
    console.log(
      `influx outage: ${OUTAGE_MS / 1000} s down; ${ackedSamples} samples acknowledged in total, ${stored} points in InfluxDB over ${perSeries.length} series`,
    );
  }, 300_000);
});
