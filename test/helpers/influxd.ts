/**
 * A real InfluxDB 1.x (`influxd`, Debian's influxdb package) for a test: its own temp dir, both
 * bind addresses on 127.0.0.1 and free high ports, reporting and the monitor store off, stopped by
 * PID. `kill('SIGKILL')` and `start()` again simulate an outage on the same port and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INFLUXD = '/usr/bin/influxd';

export interface Influxd {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** PID of the running influxd (undefined while stopped). */
  pid(): number | undefined;
  /** Start (again) on the same ports and data; resolves when /ping answers 204. */
  start(): Promise<void>;
  /** Send `signal` and wait for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Run an InfluxQL statement (POST /query); resolves with the parsed JSON. */
  query(q: string, db?: string): Promise<InfluxQueryResult>;
  /** Stop and remove the temp dir. */
  cleanup(): Promise<void>;
}

export interface InfluxQueryResult {
  results: { statement_id: number; error?: string; series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function configText(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  wal-fsync-delay = "0s"
  query-log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  unix-socket-enabled = false
[logging]
  level = "warn"
`;
}

/** Starts influxd in a fresh temp dir. The caller must `cleanup()` (afterAll / finally). */
export async function startInfluxd(opts: { readyTimeoutMs?: number } = {}): Promise<Influxd> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-influxd-'));
  const port = await freePort();
  const rpcPort = await freePort();
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(conf, configText(dir, port, rpcPort));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let stderr = '';

  const ping = async (): Promise<boolean> => {
    try {
      return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })).status === 204;
    } catch {
      return false; // not listening yet: the caller polls until its deadline
    }
  };

  const h: Influxd = {
    url,
    port,
    dir,
    pid: () => (child !== undefined && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    async start() {
      if (h.pid() !== undefined) return;
      stderr = '';
      const c = spawn(INFLUXD, ['run', '-config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      c.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      child = c;
      const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
      while (!(await ping())) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`influxd exited (${c.exitCode ?? c.signalCode}) before it was ready: ${stderr}`);
        if (Date.now() > deadline) {
          c.kill('SIGKILL');
          throw new Error(`influxd not ready on ${url} within ${opts.readyTimeoutMs ?? 15_000} ms: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async kill(signal = 'SIGTERM') {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill(signal);
      await exited;
    },
    async query(q, db) {
      const body = new URLSearchParams({ q, epoch: 'ms', ...(db === undefined ? {} : { db }) });
      const res = await fetch(`${url}/query`, { method: 'POST', body, signal: AbortSignal.timeout(30_000) });
      const json = (await res.json()) as InfluxQueryResult & { error?: string };
      if (json.error !== undefined) throw new Error(`influxd query failed: ${json.error}`);
      return json;
    },
    async cleanup() {
      await h.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await h.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return h;
}
