/**
 * The two servers of bench/ingest.ts, each a real process on 127.0.0.1 with its own tmp dirs:
 * the n3mon collector (`dist/cli.js collector --config …`, production settings) and influxd 1.x.
 * Plus /proc readings (CPU per process and per thread, RSS) and a description of the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Server {
  name: string;
  pid: number;
  url: string;
  dir: string;
  /** Graceful stop (SIGTERM, then SIGKILL after 30 s); removes the tmp dir unless kept. */
  stop(opts?: { keep?: boolean }): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function stopper(child: ChildProcess, dir: string): (opts?: { keep?: boolean }) => Promise<void> {
  let stopped: Promise<void> | undefined;
  return (opts = {}) =>
    (stopped ??= new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(kill);
        if (opts.keep !== true) rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      if (child.exitCode !== null || child.signalCode !== null) done();
      else {
        child.once('exit', done);
        child.kill('SIGTERM');
      }
    }));
}

/** Waits until `probe` resolves true (every 50 ms), or the process (if given) exits, or `ms` pass. Also bench/national. */
export async function waitReady(child: ChildProcess | undefined, what: string, logFile: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null))
      throw new Error(`${what} exited before it was ready; its log (${logFile}):\n${tail(logFile)}`);
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not ready within ${ms} ms; log (${logFile}):\n${tail(logFile)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

/** Whether `url` answers `status` now (false while nothing listens or it does not answer within 1 s). */
export async function httpOk(url: string, status: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === status;
  } catch (err) {
    if ((err as Error).name === 'TimeoutError' || (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return false;
    throw err;
  }
}

export interface N3monOptions {
  /** Writes meta.db (tokens, keys) before the collector starts; gets the data dir. */
  prepare(dataDir: string): void | Promise<void>;
  synchronous: 'full' | 'normal';
  /** Extra node flags for the collector process (e.g. --cpu-prof). */
  nodeArgs: string[];
  /** `dist` (what npm start runs) or `source` (tsx; no build needed). */
  from: 'dist' | 'source';
  root: string;
  /** The collector's `storage:` (default: sqlite with `synchronous`); e.g. the influx backend's keys. */
  storage?: Record<string, unknown>;
}

export async function startN3mon(opts: N3monOptions): Promise<Server & { dataDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-ingest-'));
  const dataDir = join(dir, 'data');
  try {
    const port = await freePort();
    const configFile = join(dir, 'collector.json');
    // Production settings except the port, the log level (warn: there is no line per request
    // anyway) and the monthly report schedule: at start it catches up on last month's reports,
    // and with hundreds of thousands of fresh series (no hour rollups yet) that one-off job reads
    // raw minutes for hours of CPU — not part of ingest. Rules/alerting run as in production.
    const config = {
      listen: { host: '127.0.0.1', port },
      dataDir,
      log: { level: 'warn' },
      storage: opts.storage ?? { synchronous: opts.synchronous },
      reports: { schedule: { enabled: false } },
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    await opts.prepare(dataDir);
    const entry = opts.from === 'dist' ? [join(opts.root, 'dist/cli.js')] : ['--import', import.meta.resolve('tsx'), join(opts.root, 'cli/index.ts')];
    if (opts.from === 'dist' && !existsSync(entry[0] as string))
      throw new Error('dist/cli.js is missing: run `npm run build` (npm run bench:ingest does) or pass --from source');
    const logFile = join(dir, 'collector.log');
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [...opts.nodeArgs, ...entry, 'collector', '--config', configFile], {
      cwd: dir,
      stdio: ['ignore', fd, fd],
      env: process.env,
    });
    closeSync(fd);
    const url = `http://127.0.0.1:${port}`;
    const stop = stopper(child, dir);
    try {
      await waitReady(child, 'n3mon collector', logFile, () => httpOk(`${url}/healthz`, 200));
    } catch (err) {
      await stop({ keep: false });
      throw err;
    }
    return { name: 'n3mon', pid: child.pid as number, url, dir, dataDir, stop };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * influxd's config for a bench: everything under `dir`, both listeners on 127.0.0.1, no reporting.
 * Durability: wal-fsync-delay = 0s (the default) fsyncs the WAL before a write is answered.
 * `index`: `tsi1` for millions of series (bench/national), the in-memory default otherwise.
 */
export function influxdConfig(dir: string, httpPort: number, rpcPort: number, opts: { index?: 'inmem' | 'tsi1' } = {}): string {
  return [
    'reporting-enabled = false',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]',
    `  dir = "${join(dir, 'meta')}"`,
    '[data]',
    `  dir = "${join(dir, 'data')}"`,
    `  wal-dir = "${join(dir, 'wal')}"`,
    '  wal-fsync-delay = "0s"',
    ...(opts.index === undefined ? [] : [`  index-version = "${opts.index}"`]),
    '  query-log-enabled = false',
    '  max-series-per-database = 0',
    '  max-values-per-tag = 0',
    '[coordinator]',
    '  write-timeout = "300s"', // a warm-up creates thousands of series per batch; the default 10 s times out
    '[monitor]',
    '  store-enabled = false',
    '[http]',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    '  log-enabled = false',
    '[logging]',
    '  level = "warn"',
    '  suppress-logo = true',
    '',
  ].join('\n');
}

export const INFLUXD = '/usr/bin/influxd';

export async function startInfluxd(): Promise<Server & { version: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-influxd-'));
  try {
    const [httpPort, rpcPort] = [await freePort(), await freePort()];
    const configFile = join(dir, 'influxd.conf');
    writeFileSync(configFile, influxdConfig(dir, httpPort, rpcPort));
    const logFile = join(dir, 'influxd.log');
    const fd = openSync(logFile, 'a');
    const child = spawn(INFLUXD, ['run', '-config', configFile], { cwd: dir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const url = `http://127.0.0.1:${httpPort}`;
    const stop = stopper(child, dir);
    try {
      await waitReady(child, 'influxd', logFile, () => httpOk(`${url}/ping`, 204));
      const res = await fetch(`${url}/query?q=${encodeURIComponent('CREATE DATABASE bench')}`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`CREATE DATABASE answered ${res.status}: ${await res.text()}`);
    } catch (err) {
      await stop({ keep: false });
      throw err;
    }
    const version = (await fetch(`${url}/ping`)).headers.get('x-influxdb-version') ?? '?';
    return { name: 'influxd', pid: child.pid as number, url, dir, version, stop };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const TICK_S = 0.01; // USER_HZ is 100 on Linux

/** CPU seconds (user + system) of a process so far, all threads, from /proc/PID/stat. */
export function processCpuS(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_S; // fields 14 and 15 (utime, stime)
}

/** CPU seconds per thread name (comm), e.g. main thread, libuv-worker, a worker_thread. */
export function threadCpuS(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // the thread ended meanwhile
      throw err;
    }
    const name = tid === String(pid) ? 'main thread' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * TICK_S);
  }
  return out;
}

/** Resident set now and at its peak, MB, from /proc/PID/status. */
export function memoryMB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export function machine(): { cpu: string; cores: number; load: string; load1: number } {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  const l = loadavg();
  return { cpu: model.trim(), cores: cpus().length, load: l.map((x) => x.toFixed(2)).join(' '), load1: l[0] as number };
}
