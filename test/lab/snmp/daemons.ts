/**
 * Real SNMP agents for tests and benches: `snmpd` (net-snmp) and `snmpsimd` (snmpsim), started in
 * the foreground on 127.0.0.1 and high UDP ports, each in its own temp dir, stopped by PID.
 *
 *   const d = await startSnmpd({ users: [{ name: 'u1', auth: 'SHA', authKey: '…', priv: 'AES', privKey: '…' }] });
 *   try { … poll 127.0.0.1:d.port … } finally { await d.stop(); }
 *
 * Readiness is checked with a real SNMP GET of sysUpTime through the probe's own session adapter.
 * A process exit hook kills whatever a crashed test left running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNetSnmpSession } from '../../../agent/src/probes/snmp/net-snmp-session.ts';
import type { SessionParams } from '../../../agent/src/probes/snmp/session.ts';
import { SYS_UPTIME } from '../../../agent/src/probes/snmp/oids.ts';

export const SNMPD = '/usr/sbin/snmpd';
export const SNMPSIMD = '/usr/bin/snmpsimd';
export const SNMPBULKWALK = '/usr/bin/snmpbulkwalk';

export interface Daemon {
  readonly pid: number;
  readonly port: number;
  readonly dir: string;
  /** stdout + stderr so far (last 64 KB). */
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
  /** SIGTERM, SIGKILL after 2 s; resolves once it exited. Safe to call twice. Keeps `dir`. */
  stop(): Promise<void>;
  /** stop() and remove `dir`. */
  dispose(): Promise<void>;
}

const running = new Set<ChildProcess>();
let hookInstalled = false;
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch (err) {
          // ESRCH: already gone, which is the goal; nothing else can be done at exit.
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') console.error(`snmp lab: cannot kill ${child.pid}: ${(err as Error).message}`);
        }
      }
    }
  });
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `n3mon-${prefix}-`));
}

/** Answers one SNMP GET of sysUpTime within `timeoutMs`? */
export async function snmpAnswers(params: Omit<SessionParams, 'requestTimeoutMs'>, timeoutMs = 300): Promise<boolean> {
  const signal = new AbortController().signal;
  const opened = await openNetSnmpSession({ ...params, requestTimeoutMs: timeoutMs }, signal);
  if (!opened.ok) return false;
  try {
    const r = await opened.value.get([SYS_UPTIME], signal);
    return r.ok;
  } finally {
    opened.value.close();
  }
}

function launch(cmd: string, args: string[], dir: string, port: number, opts: { cwd?: string } = {}): Daemon {
  installExitHook();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd ?? dir });
  running.add(child);
  let out = '';
  const append = (d: string): void => {
    out = (out + d).slice(-65_536);
  };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      running.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      append(`\n[spawn failed: ${err.message}]`);
      running.delete(child);
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      } else {
        await exited;
      }
    })();
    return stopping;
  };
  return {
    pid: child.pid ?? -1,
    port,
    dir,
    output: () => out,
    exited: () => child.exitCode !== null || child.signalCode !== null || !running.has(child),
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `probe` says yes; otherwise stops the daemon (and removes its dir if we made it) and throws. */
async function waitReady(d: Daemon, probe: () => Promise<boolean>, what: string, timeoutMs: number, ownDir: boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !d.exited()) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const output = d.output().trim().slice(-2000);
  await (ownDir ? d.dispose() : d.stop());
  throw new Error(`${what} ${d.exited() ? 'exited' : `did not answer within ${timeoutMs} ms`}:\n${output}`);
}

export interface SnmpdUser {
  name: string;
  /** net-snmp names: MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512. */
  auth?: string;
  authKey?: string;
  /** DES AES AES-256 (Blumenthal) AES-256-C (Reeder). */
  priv?: string;
  privKey?: string;
}

export interface SnmpdOptions {
  /** Default: a free port on 127.0.0.1. */
  port?: number;
  /** Default 127.0.0.1. Use a lab namespace's address with `configOnly` and spawn it there. */
  address?: string;
  community?: string;
  users?: SnmpdUser[];
  /** Reuse a directory (persistent engine state: snmpEngineBoots grows on each start). */
  dir?: string;
}

/** Writes snmpd.conf (+ persistent dir) into `dir`; returns the argv to run snmpd with. */
export function snmpdConfig(opts: SnmpdOptions & { dir: string; port: number }): string[] {
  const persist = join(opts.dir, 'persist');
  mkdirSync(persist, { recursive: true });
  const address = opts.address ?? '127.0.0.1';
  const lines = ['[snmp] mibs :', `[snmp] persistentDir ${persist}`, `agentAddress udp:${address}:${opts.port}`];
  if (opts.community !== undefined) lines.push(`rocommunity ${opts.community} default`);
  for (const u of opts.users ?? []) {
    const auth = u.auth === undefined ? '' : ` ${u.auth} "${u.authKey ?? ''}"`;
    const priv = u.priv === undefined ? '' : ` ${u.priv} "${u.privKey ?? ''}"`;
    lines.push(`createUser ${u.name}${auth}${priv}`);
    lines.push(`rouser ${u.name} ${u.priv !== undefined ? 'authpriv' : u.auth !== undefined ? 'auth' : 'noauth'}`);
  }
  const conf = join(opts.dir, 'snmpd.conf');
  writeFileSync(conf, lines.join('\n') + '\n');
  return ['-f', '-Lo', '-C', '-c', conf];
}

/** Starts snmpd on 127.0.0.1; resolves once it answers SNMP. */
export async function startSnmpd(opts: SnmpdOptions = {}): Promise<Daemon> {
  const dir = opts.dir ?? makeTempDir('snmpd');
  const port = opts.port ?? (await freeUdpPort());
  const community = opts.community ?? 'public';
  const args = snmpdConfig({ ...opts, community, dir, port });
  const d = launch(SNMPD, args, dir, port);
  await waitReady(d, () => snmpAnswers({ host: '127.0.0.1', port, version: '2c', community }), 'snmpd', 10_000, opts.dir === undefined);
  return d;
}

export interface SnmpsimOptions {
  /** Directory with *.snmprec files (community = file basename). */
  dataDir: string;
  /** Default: a free port. */
  port?: number;
  /** A community that exists in dataDir, for the readiness check. */
  readyCommunity: string;
  /** --v2c-arch: ~3× faster, v1/v2c only. Keep maxRepetitions × columns below maxVarbinds (see bench). */
  v2cArch?: boolean;
  maxVarbinds?: number;
  /** Reuse a work dir (cache) across restarts. */
  dir?: string;
  /**
   * One SNMPv3 USM user (v1/v2c keep working beside it). snmpsimd's protocol names: auth MD5 SHA
   * SHA224 SHA256 SHA384 SHA512, priv DES 3DES AES (128) AES192 AES256 …. A v3 request must name
   * the device (data file basename) as its context: snmpsimd refuses the empty context.
   */
  v3User?: { name: string; authProto: string; authKey: string; privProto?: string; privKey?: string };
}

/** Starts snmpsimd serving `dataDir`; resolves once the ready community answers. */
export async function startSnmpsim(opts: SnmpsimOptions): Promise<Daemon> {
  const dir = opts.dir ?? makeTempDir('snmpsim');
  const port = opts.port ?? (await freeUdpPort());
  const cache = join(dir, 'cache');
  mkdirSync(cache, { recursive: true });
  const args = [`--data-dir=${opts.dataDir}`, `--cache-dir=${cache}`, `--agent-udpv4-endpoint=127.0.0.1:${port}`, '--logging-method=null'];
  if (opts.v2cArch === true) args.push('--v2c-arch');
  if (opts.maxVarbinds !== undefined) args.push(`--max-varbinds=${opts.maxVarbinds}`);
  const u = opts.v3User;
  if (u !== undefined) {
    args.push(`--v3-user=${u.name}`, `--v3-auth-proto=${u.authProto}`, `--v3-auth-key=${u.authKey}`);
    if (u.privProto !== undefined && u.privKey !== undefined) args.push(`--v3-priv-proto=${u.privProto}`, `--v3-priv-key=${u.privKey}`);
  }
  if (process.getuid?.() === 0) {
    // snmpsimd refuses to run as root: it drops to nobody, who must be able to write the cache.
    args.push('--process-user=nobody', '--process-group=nogroup');
    chownSync(cache, 65534, 65534);
    chmodSync(dir, 0o755);
    chmodSync(opts.dataDir, 0o755);
  }
  const d = launch(SNMPSIMD, args, dir, port);
  await waitReady(
    d,
    () => snmpAnswers({ host: '127.0.0.1', port, version: '2c', community: opts.readyCommunity }, 500),
    'snmpsimd',
    60_000,
    opts.dir === undefined,
  );
  return d;
}
