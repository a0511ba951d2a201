// Agent → collector, the hard way: the collector is stopped for a while and restarted, and
// meanwhile the agent is killed with SIGKILL and restarted. Every sample the agent ever spooled
// arrives, exactly once.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, exited, runCli, spawnLogged as spawnLoggedCli, type LogLine } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'n3mon-delivery-'));
const children: ChildProcess[] = [];
let listener: Server | undefined;
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  listener?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function spawnCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
  children.push(child);
  return child;
}

function spawnLogged(args: string[]): { child: ChildProcess; logs: LogLine[] } {
  const spawned = spawnLoggedCli(args);
  children.push(spawned.child);
  return spawned;
}

/** Polls `cond` every 100 ms until it holds; fails with `what` after `timeoutMs` (a bound, not a wait). */
async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error('collector not healthy');
}

describe('delivery through outages', () => {
  it('an agent killed -9 and a collector restarted lose nothing and duplicate nothing', async () => {
    // A local TCP service for the agent to measure.
    listener = createServer((s) => s.destroy());
    await new Promise<void>((r) => listener!.listen(0, '127.0.0.1', r));
    const servicePort = (listener.address() as { port: number }).port;

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const collectorFile = join(dir, 'collector.yaml');
    writeFileSync(
      collectorFile,
      `listen: { host: 127.0.0.1, port: ${port} }\ndataDir: ${join(dir, 'collector')}\npractices:\n  - { ods: E2E001, name: "Delivery Test Surgery" }\n`,
    );
    const token = (await runCli(['token', 'create', '--practice', 'E2E001', '--agent', 'a1', '--config', collectorFile])).stdout.trim();
    const key = (await runCli(['apikey', 'create', '--role', 'servicedesk', '--config', collectorFile])).stdout.trim();
    expect(token).toMatch(/^n3a_/);
    expect(key).toMatch(/^n3k_/);

    const spoolDir = join(dir, 'spool');
    const agentFile = join(dir, 'agent.yaml');
    writeFileSync(
      agentFile,
      [
        `collector: { url: "${url}", token: "${token}" }`,
        `spool: { dir: "${spoolDir}" }`,
        'push: { intervalMs: 300, batchSamples: 50, maxBackoffMs: 1000 }',
        'checks:',
        `  - { kind: tcp, target: "127.0.0.1:${servicePort}", role: lan-gateway, intervalMs: 1000 }`,
        `  - { kind: http, target: "${url}/healthz", role: national-app, app: n3mon, intervalMs: 1000 }`,
        '  - { kind: icmp, target: "127.0.0.1", role: lan-gateway, intervalMs: 2000, count: 3, pingIntervalMs: 200 }',
      ].join('\n'),
    );

    const startCollector = async () => {
      const child = spawnCli(['collector', '--config', collectorFile, '--log-level', 'warn']);
      await waitHealthy(url);
      return child;
    };
    const spawnAgent = () => spawnLogged(['agent', '--config', agentFile, '--log-level', 'debug']);

    const headers = { authorization: `Bearer ${key}` };
    // The spool is the agent's own (an exclusive lock): what the test waits on is read from the
    // agent's debug log — check runs spooled while the collector is away, the lane of each acknowledged batch.
    const acked = (logs: LogLine[]): LogLine[] => logs.filter((l) => l.msg === 'batch acknowledged');
    // Every check run logs one scheduler line ('check run', or 'check outcome changed' when the outcome changes) and spools ≥ 2 samples.
    const runs = (logs: LogLine[]): number =>
      logs.filter((l) => l.component === 'scheduler' && (l.msg === 'check run' || l.msg === 'check outcome changed')).length;

    let collector = await startCollector();
    let agent = spawnAgent();
    await waitFor(() => acked(agent.logs).length >= 3, 'three batches delivered');
    collector.kill('SIGTERM'); // collector away…
    expect(await exited(collector)).toBe(0);
    // 15 runs now and 15 after the restart: over 60 samples, more than one batch (50) of backlog.
    const runsAtStop = runs(agent.logs);
    await waitFor(() => runs(agent.logs) >= runsAtStop + 15, '15 check runs spooled while the collector is away');
    agent.child.kill('SIGKILL'); // …and the agent dies hard while holding a backlog
    await exited(agent.child);
    agent = spawnAgent();
    await waitFor(() => runs(agent.logs) >= 15, '15 check runs spooled by the restarted agent');
    collector = await startCollector(); // collector back
    // The backlog drains (push every 300 ms, back-off ≤ 1 s): the batch in flight when the collector
    // went away is resent first, as it was formed (normal lane, a few samples); then batches go in
    // backlog/live lanes until nothing older is left, then back to the normal lane. (Waiting for
    // any normal-lane batch ended at that first resend: CI then found no backlog batch yet.)
    const drained = (): boolean => {
      const lanes = acked(agent.logs).map((l) => l.lane);
      const firstBacklog = lanes.indexOf('backlog');
      return firstBacklog >= 0 && lanes.slice(firstBacklog + 1).includes('normal');
    };
    await waitFor(drained, 'the backlog to drain (backlog-lane batches, then a normal-lane one)');
    agent.child.kill('SIGTERM'); // graceful: one last push
    expect(await exited(agent.child)).toBe(0);

    // What the agent ever spooled: the spool's sequence (never reused), nothing left, nothing dropped.
    const spool = new Database(join(spoolDir, 'spool.sqlite'), { readonly: true });
    const spooled = spool.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").pluck().get() as number;
    const left = spool.prepare('SELECT count(*) FROM samples').pluck().get() as number;
    const rejected = spool.prepare('SELECT count(*) FROM rejected').pluck().get() as number;
    spool.close();
    expect(left).toBe(0);
    expect(rejected).toBe(0);
    expect(spooled).toBeGreaterThan(50);

    // What the collector holds, through the read API: every series' sample count.
    const detail = (await (await fetch(`${url}/api/v1/practices/E2E001`, { headers })).json()) as { metrics: { metric: string }[] };
    let stored = 0;
    const metrics = [...new Set(detail.metrics.map((m) => m.metric))];
    for (const metric of metrics) {
      const res = await fetch(`${url}/api/v1/practices/E2E001/series?metric=${metric}&from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}&step=1h`, {
        headers,
      });
      const body = (await res.json()) as { series: { points: { count: number }[] }[] };
      stored += body.series.flatMap((s) => s.points).reduce((n, p) => n + p.count, 0);
    }
    expect(stored).toBe(spooled);
    // The collector was down: those runs are recorded as failures, not missing.
    const http = (await (await fetch(`${url}/api/v1/practices/E2E001/series?metric=probe_success&check=http:${url}/healthz&step=1h`, { headers })).json()) as {
      series: { labels: Record<string, string>; points: { count: number }[] }[];
    };
    expect(http.series.some((s) => s.labels.outcome === 'refused')).toBe(true);
    collector.kill('SIGTERM');
    expect(await exited(collector)).toBe(0);
  }, 90_000);
});
