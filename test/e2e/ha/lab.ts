/**
 * The processes of the failover test (./failover.test.ts): a private PostgreSQL (state) and
 * influxd (series), two collectors (the built CLI, `n3mon collector --config`) whose configs
 * differ only in the port they listen on (two processes on one machine), the test load balancer
 * in front of them, a webhook receiver, an HTTP target the test can make fail, and a real agent
 * pushing through the load balancer. Everything on 127.0.0.1; every process stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CLI, type LogLine, runCli, stopCli } from '../../helpers/cli.ts';
import { freePort } from '../../helpers/influxd.ts';

export const PRACTICE = { ods: 'E2E151', name: 'Failover Surgery' };
export const WEBHOOK_SECRET = 'ha-webhook-secret-0123456789';
/** The rule the controlled HTTP target breaks, shortened so it opens within seconds (a 10 s window, sustain 2 × 2 s steps). */
export const RULE = 'app-unreachable';
/** Lease time to live for the test: a dead holder is replaced within ttl + ttl/3. */
export const LEASE_TTL_MS = 3000;

export interface Proc {
  child: ChildProcess;
  logs: LogLine[];
  /** stderr and non-JSON stdout, for failure messages. */
  text(): string;
  stop(): Promise<number | null>;
}

/** Every process started, for afterAll (stopped by PID). */
export const started: ChildProcess[] = [];

export function spawnLogged(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const logs: LogLine[] = [];
  let text = '';
  let rest = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) {
      if (l.startsWith('{')) logs.push(JSON.parse(l) as LogLine);
      else text = (text + l + '\n').slice(-4000);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text = (text + chunk).slice(-4000)));
  return { child, logs, text: () => text, stop: () => stopCli(child) };
}

export interface CollectorProc extends Proc {
  name: 'A' | 'B';
  url: string;
  config: string;
}

export interface CollectorSetup {
  dir: string;
  influxUrl: string;
  stateUrl: string;
  hookUrl: string;
}

/**
 * Writes collector `name`'s config: the shared one with its own port and data dir. `practices`
 * (default: PRACTICE alone) and `rawDays` (raw retention, for tests that send last month's samples)
 * are the same for both collectors of a test.
 */
export async function writeCollectorConfig(
  s: CollectorSetup,
  name: 'A' | 'B',
  o: { practices?: readonly { ods: string; name: string }[]; rawDays?: number } = {},
): Promise<{ config: string; url: string }> {
  const port = await freePort();
  const dataDir = join(s.dir, `collector-${name}`);
  mkdirSync(dataDir, { recursive: true });
  const config = join(s.dir, `collector-${name}.yaml`);
  writeFileSync(
    config,
    [
      `listen: { host: 127.0.0.1, port: ${port}, trustProxy: [ 127.0.0.1 ] }`,
      `dataDir: ${dataDir}`,
      'organisation: { name: "HA Test ICB" }',
      'practices:',
      ...(o.practices ?? [PRACTICE]).map((p) => `  - { ods: ${p.ods}, name: "${p.name}" }`),
      `storage: { backend: influx, url: "${s.influxUrl}", database: n3mon, createDatabase: true${o.rawDays === undefined ? '' : `, retention: { rawDays: ${o.rawDays} }`} }`,
      `state: { backend: postgres, url: "${s.stateUrl}", leaseTtlMs: ${LEASE_TTL_MS} }`,
      // One archive directory for both (as a shared mount would be); hour 0: last month is due whatever the day.
      `reports: { archiveDir: ${join(s.dir, 'reports')}, schedule: { hour: 0 } }`,
      'alerting: { stepMs: 2000, graceMs: 3000, tickMs: 500, initialLookbackMs: 60000, groupWaitMs: 500, reopenWithinMs: 4000 }',
      // Critical only (no warning level): one alert, one firing notice, no escalation in between.
      `thresholds: { organisation: { rules: { ${RULE}: { window: 10s, sustain: 2, clearSustain: 2, warning: null, clear: { warning: null, critical: 0.8 } } } } }`,
      'notifications:',
      `  - { kind: webhook, url: "${s.hookUrl}", secret: "${WEBHOOK_SECRET}", retry: { attempts: 3, initialDelayMs: 200 } }`,
      '',
    ].join('\n'),
  );
  return { config, url: `http://127.0.0.1:${port}` };
}

export async function healthz(url: string): Promise<{ status: number; body: { status: string; reasons: string[] } } | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as { status: string; reasons: string[] } };
  } catch {
    return undefined; // not listening (yet, or any more): the caller waits or says so
  }
}

/** `n3mon collector --config FILE`; resolves once /healthz answers 200. */
export async function startCollector(name: 'A' | 'B', c: { config: string; url: string }): Promise<CollectorProc> {
  const p = spawnLogged(['collector', '--config', c.config, '--log-level', 'info']);
  // Bounded; a collector that exits (a config problem, a store it cannot open) fails at once with what it said.
  const deadline = Date.now() + 30_000;
  while ((await healthz(c.url))?.status !== 200) {
    if (p.child.exitCode !== null) throw new Error(`collector ${name} exited (${p.child.exitCode}) before it was healthy: ${p.text().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`collector ${name} did not answer /healthz with 200 within 30 s: ${p.text().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...p, name, url: c.url, config: c.config };
}

/** Runs a CLI command against the collectors' config; resolves with its stdout (trimmed); throws with stderr on failure. */
export async function cli(args: string[]): Promise<string> {
  const r = await runCli(args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`n3mon ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** An HTTP server the agent checks: 200, or 500 while `failing` is set. */
export interface Target {
  url: string;
  failing: boolean;
  hits: number;
  close(): Promise<void>;
}
export async function startTarget(): Promise<Target> {
  const t = { failing: false, hits: 0 } as Target;
  const server: Server = createServer((_req, res) => {
    t.hits += 1;
    res.writeHead(t.failing ? 500 : 200, { 'content-type': 'text/plain' }).end(t.failing ? 'down' : 'ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/portal`;
  t.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return t;
}

/** The agent's config: the load balancer as its collector, a spool, quick pushes, loopback checks only. */
export function writeAgentConfig(dir: string, o: { url: string; token: string; target: string }): { config: string; spool: string } {
  const spool = join(dir, 'agent-spool');
  const config = join(dir, 'agent.yaml');
  writeFileSync(
    config,
    [
      `collector: { url: "${o.url}", token: "${o.token}" }`,
      `spool: { dir: "${spool}" }`,
      'push: { intervalMs: 300, batchSamples: 50, maxBackoffMs: 1000 }',
      'checks:',
      `  - { kind: http, id: portal, target: "${o.target}", role: national-app, app: portal, intervalMs: 1000 }`,
      '  - { kind: icmp, id: loopback, target: "127.0.0.1", role: lan-gateway, intervalMs: 2000, count: 3, pingIntervalMs: 200 }',
      '',
    ].join('\n'),
  );
  return { config, spool };
}

/** The agent's debug log lines for acknowledged batches (lane, samples, status). */
export const acked = (logs: LogLine[]): LogLine[] => logs.filter((l) => l.msg === 'batch acknowledged');
/** Check runs the agent's scheduler logged (each spools ≥ 2 samples). */
export const runs = (logs: LogLine[]): number =>
  logs.filter((l) => l.component === 'scheduler' && (l.msg === 'check run' || l.msg === 'check outcome changed')).length;
