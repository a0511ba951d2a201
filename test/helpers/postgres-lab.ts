/**
 * A private PostgreSQL 15 cluster for a test run (Debian's `postgresql` package; its binaries, no
 * service): initdb in a temp dir, listening on 127.0.0.1 on a free port with its unix socket in the
 * same dir, trust auth for user `n3`, fsync off (a commit survives a server crash, `stop({ mode:
 * 'immediate' })`, not a machine crash). As root the cluster runs as
 * `nobody` (initdb refuses root). `stop()` / `start()` restart the same cluster on the same port
 * (outage tests); `destroy()` stops it and removes the dir. Callers guard with
 * `skipUnlessLab(PG_LAB_REQUIREMENTS)` and destroy in afterAll.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './influxd.ts';

const run = promisify(execFile);

export const PG_BIN = '/usr/lib/postgresql/15/bin';
/** For skipUnlessLab(): the binaries of Debian's postgresql package. */
export const PG_LAB_REQUIREMENTS = { files: [`${PG_BIN}/initdb`, `${PG_BIN}/pg_ctl`, `${PG_BIN}/postgres`] };

/** The superuser the lab creates (trust auth on loopback, no password). */
export const PG_LAB_USER = 'n3';

export interface PgLab {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dir: string;
  /** `postgres://n3@127.0.0.1:PORT/<database>` */
  url(database?: string): string;
  /** CREATE DATABASE (a fresh, empty one); resolves with its name. */
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop: `fast` (clients are told) or `immediate` (a crash). */
  stop(opts?: { mode?: 'fast' | 'immediate' }): Promise<void>;
  /** Start the same cluster again on the same port; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stop (immediate) and remove the temp dir. */
  destroy(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** Runs a postgres binary, as `nobody` when we are root. */
async function pgRun(bin: string, args: string[], timeoutMs: number): Promise<void> {
  const argv = [`${PG_BIN}/${bin}`, ...args];
  const opts = { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } };
  if (asRoot) {
    const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    await run('su', ['-s', '/bin/sh', 'nobody', '-c', quoted], opts);
  } else {
    await run(argv[0] as string, argv.slice(1), opts);
  }
}

function explain(err: unknown, what: string, log: string): Error {
  const e = err as { stderr?: string; message?: string };
  let tail = '';
  try {
    tail = readFileSync(log, 'utf8').slice(-2000);
  } catch (readErr) {
    tail = `(no server log: ${(readErr as Error).message})`;
  }
  return new Error(`postgres lab: ${what} failed: ${e.stderr ?? e.message ?? String(err)}\n${tail}`, { cause: err });
}

/** Makes and starts a cluster in a fresh temp dir. The caller must `destroy()` it. */
export async function startPostgres(opts: { timeoutMs?: number } = {}): Promise<PgLab> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'log');
  // Found free, then bound by postgres: another process may take it in between (retried below).
  let port = await freePort();
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'nobody']).toString().trim()), Number(execFileSync('id', ['-g', 'nobody']).toString().trim()));
  const serverOpts = (): string =>
    [`-k ${dir}`, '-c listen_addresses=127.0.0.1', `-p ${port}`, '-c fsync=off', '-c full_page_writes=off', '-c max_connections=200'].join(' ');
  let running = false;
  // A test process that dies without afterAll must not leave a server behind.
  const onExit = (): void => {
    if (!running) return;
    try {
      const argv = [`${PG_BIN}/pg_ctl`, '-D', data, '-m', 'immediate', 'stop'];
      if (asRoot) execFileSync('su', ['-s', '/bin/sh', 'nobody', '-c', argv.join(' ')], { stdio: 'ignore', timeout: 10_000 });
      else execFileSync(argv[0] as string, argv.slice(1), { stdio: 'ignore', timeout: 10_000 });
    } catch (err) {
      console.warn(`postgres lab: stopping ${data} on exit failed: ${(err as Error).message}`);
    }
  };
  process.once('exit', onExit);

  const lab: PgLab = {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    dir,
    url: (database = 'postgres') => `postgres://${PG_LAB_USER}@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: lab.url('postgres') });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } finally {
        await c.end();
      }
      return name;
    },
    async stop({ mode = 'fast' } = {}) {
      if (!running) return;
      try {
        await pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', String(Math.ceil(timeoutMs / 1000)), 'stop'], timeoutMs);
      } catch (err) {
        throw explain(err, 'pg_ctl stop', log);
      }
      running = false;
    },
    async start() {
      if (running) return;
      try {
        await pgRun('pg_ctl', ['-D', data, '-o', serverOpts(), '-l', log, '-w', '-t', String(Math.ceil(timeoutMs / 1000)), 'start'], timeoutMs);
      } catch (err) {
        throw explain(err, 'pg_ctl start', log);
      }
      running = true;
    },
    async destroy() {
      try {
        await lab.stop({ mode: 'immediate' });
      } finally {
        process.removeListener('exit', onExit);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await pgRun('initdb', ['-D', data, '-U', PG_LAB_USER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], timeoutMs);
  } catch (err) {
    process.removeListener('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
    throw explain(err, 'initdb', log);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await lab.start();
      return lab;
    } catch (err) {
      if (attempt < 3 && /Address already in use|could not create any TCP\/IP sockets/.test((err as Error).message)) {
        port = await freePort();
        continue;
      }
      await lab.destroy();
      throw err;
    }
  }
}
