/**
 * The national simulation's servers, each a real process on 127.0.0.1 with its own temp dir:
 * a PostgreSQL 15 cluster (Debian's binaries; fsync ON, as production runs it — unlike the test
 * lab), one influxd 1.x (TSI index: 2 M series do not fit an in-memory index on a shared box), and
 * two collectors (`dist/cli.js collector`, the systemd unit's node flags) with the same config
 * but their port and data dir: `state: postgres`, `storage: influx`. Every process is stopped
 * by PID; `stop()` removes the temp dir.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, httpOk, influxdConfig, waitReady } from '../ingest/servers.ts';
import { unitNodeArgs } from '../unit-node-args.ts';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';
export const INFLUXD = '/usr/bin/influxd';
const asRoot = process.getuid?.() === 0;

export interface Lab {
  dir: string;
  pgDir: string;
  influxDir: string;
  stateUrl: string;
  influxUrl: string;
  /** The postmaster's PID (its tree: backends, WAL writer, checkpointer…). */
  postgresPid(): number;
  influxdPid: number;
  collectors: { name: string; url: string; pid: number; logFile: string; configFile: string }[];
  stop(): Promise<void>;
}

async function asPostgresUser(argv: string[], timeoutMs: number): Promise<void> {
  const opts = { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } };
  if (!asRoot) {
    await run(argv[0] as string, argv.slice(1), opts);
    return;
  }
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  await run('su', ['-s', '/bin/sh', 'nobody', '-c', quoted], opts);
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface LabOptions {
  root: string;
  practices: readonly { ods: string; name: string }[];
  graceMs: number;
}

/** Starts PostgreSQL, influxd and two collectors; on any failure stops what it started and throws. */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-national-'));
  const pgDir = join(dir, 'pg');
  const influxDir = join(dir, 'influxd');
  mkdirSync(pgDir);
  mkdirSync(influxDir);
  const children: ChildProcess[] = [];
  let pgStarted = false;
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopChild(c, 30_000)));
    if (pgStarted) await asPostgresUser([`${PG_BIN}/pg_ctl`, '-D', join(pgDir, 'data'), '-m', 'fast', '-w', 'stop'], 60_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // PostgreSQL: its own cluster, production durability (fsync, synchronous_commit on).
    if (asRoot) {
      chmodSync(dir, 0o755); // mkdtemp's 0700 would keep `nobody` out of its own cluster
      chownSync(pgDir, 65534, 65534);
    }
    const pgPort = await freePort();
    await asPostgresUser([`${PG_BIN}/initdb`, '-D', join(pgDir, 'data'), '-U', 'n3', '--auth=trust', '-E', 'UTF8'], 120_000);
    const pgOpts = [`-k ${pgDir}`, '-c listen_addresses=127.0.0.1', `-p ${pgPort}`, '-c max_connections=100', '-c shared_buffers=256MB'].join(' ');
    await asPostgresUser([`${PG_BIN}/pg_ctl`, '-D', join(pgDir, 'data'), '-o', pgOpts, '-l', join(pgDir, 'log'), '-w', 'start'], 60_000);
    pgStarted = true;
    await asPostgresUser([`${PG_BIN}/createdb`, '-h', '127.0.0.1', '-p', String(pgPort), '-U', 'n3', 'n3mon'], 30_000);
    const stateUrl = `postgres://n3@127.0.0.1:${pgPort}/n3mon`;
    const postgresPid = (): number => Number(readFileSync(join(pgDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);

    // influxd
    const [httpPort, rpcPort] = [await freePort(), await freePort()];
    writeFileSync(join(influxDir, 'influxd.conf'), influxdConfig(influxDir, httpPort, rpcPort, { index: 'tsi1' }));
    const influxLog = join(influxDir, 'influxd.log');
    const ifd = openSync(influxLog, 'a');
    const influxd = spawn(INFLUXD, ['run', '-config', join(influxDir, 'influxd.conf')], { cwd: influxDir, stdio: ['ignore', ifd, ifd] });
    closeSync(ifd);
    children.push(influxd);
    const influxUrl = `http://127.0.0.1:${httpPort}`;
    await waitReady(influxd, 'influxd', influxLog, () => httpOk(`${influxUrl}/ping`, 204), 60_000);

    // Two collectors, one config but the port and data dir.
    const cli = join(opts.root, 'dist/cli.js');
    if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` (npm run bench:national does)');
    const collectors: Lab['collectors'] = [];
    for (const name of ['A', 'B']) {
      const port = await freePort();
      const dataDir = join(dir, `collector-${name}`);
      const config = {
        listen: { host: '127.0.0.1', port },
        dataDir,
        log: { level: 'warn' },
        organisation: { name: 'National simulation' },
        practices: opts.practices,
        storage: { backend: 'influx', url: influxUrl, database: 'n3mon', createDatabase: true, indexRefreshMs: 10_000 },
        state: { backend: 'postgres', url: stateUrl },
        reports: { archiveDir: join(dir, 'reports'), schedule: { enabled: false } },
        alerting: { graceMs: opts.graceMs },
        enrolment: { rateLimit: { max: 10_000, windowMs: 60_000 } },
      };
      const configFile = join(dir, `collector-${name}.json`);
      writeFileSync(configFile, JSON.stringify(config));
      const logFile = join(dir, `collector-${name}.log`);
      const fd = openSync(logFile, 'a');
      const child = spawn(process.execPath, [...unitNodeArgs('n3mon-collector'), cli, 'collector', '--config', configFile], {
        cwd: dir,
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      // One at a time: the first migrates the state database and creates the influx database.
      await waitReady(child, `collector ${name}`, logFile, () => httpOk(`${url}/healthz`, 200), 300_000);
      collectors.push({ name, url, pid: child.pid as number, logFile, configFile });
    }
    return { dir, pgDir, influxDir, stateUrl, influxUrl, postgresPid, influxdPid: influxd.pid as number, collectors, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Bytes under `dir` (files only; a file removed meanwhile counts 0). */
export function bytesUnder(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      const st = statSync(p);
      total += st.isDirectory() ? bytesUnder(p) : st.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return total;
}

/**
 * Proportional set size of `root` and its direct children, MB (PostgreSQL's backends share its
 * buffers: summing their RSS would count shared_buffers once per backend).
 */
export function treePssMB(root: number): number {
  let kb = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (Number(e) !== root && ppid !== root) continue;
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${e}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return kb / 1024;
}
