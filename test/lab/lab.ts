/**
 * A practice network in a box: a network namespace joined to this machine by a veth pair, with
 * loss (nftables), bandwidth limits (tc tbf) and ICMP delay (a raw-socket responder) on demand.
 * Traffic to the lab's addresses never leaves the machine; the namespace has no default route.
 *
 *   const lab = await createLab({ name: 'icmp-loss' });
 *   try { await lab.setLoss({ percent: 20, protocol: 'icmp' }); … ping lab.nsIp … }
 *   finally { await lab.destroy(); }
 *
 * Needs root, ip, nft, tc and python3 (for the delay responder): gate tests with
 * `describe.skipIf(skipUnlessLab(LAB_REQUIREMENTS))` from test/helpers/lab-guard.ts.
 * See test/lab/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type RunOptions, type RunResult } from './exec.ts';
import { claimSlot, netnsEtcDir, releaseSlot, removeSlotResources, type SlotInfo } from './slots.ts';

export type { RunResult, RunOptions };

/** For skipUnlessLab(): what a lab needs on this machine. */
export const LAB_REQUIREMENTS: { files: string[]; root: boolean } = {
  files: ['/usr/sbin/ip', '/usr/sbin/nft', '/usr/sbin/tc', '/usr/bin/python3'],
  root: true,
};

export const ICMP_RESPONDER = fileURLToPath(new URL('./icmp-delay-responder.py', import.meta.url));

export interface LossRule {
  /** 0..100, resolution 0.01 %. 100 drops everything that matches. */
  percent: number;
  protocol: 'icmp' | 'udp' | 'tcp';
  /** Only this port (destination port of packets into the namespace, source port of packets out). */
  port?: number;
  /** `in` (default): packets arriving in the namespace (requests); `out`: packets leaving it (replies). */
  direction?: 'in' | 'out';
}

export interface ShapeOptions {
  rateKbit: number;
  /** Bucket size; default rate/8 (at least 32 kbit) — about 125 ms of line rate. */
  burstKbit?: number;
  /** Most time a packet may wait in the queue before it is dropped (default 400 ms). */
  latencyMs?: number;
  /** `to-ns`: traffic from this machine into the namespace; `from-ns`: the other way. Default both. */
  direction?: 'to-ns' | 'from-ns' | 'both';
}

export interface LabProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 2 s; resolves when it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface Lab extends Readonly<SlotInfo> {
  /** A label for humans (logs, error messages). */
  readonly name: string;
  /** Runs a command inside the namespace (argv, no shell). Rejects on a non-zero exit unless allowFailure. */
  run(cmd: string, args?: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Adds a drop rule; rules add up until clearLoss(). */
  setLoss(rule: LossRule): Promise<void>;
  clearLoss(): Promise<void>;
  /** Limits bandwidth on the veth pair with a token bucket (replaces an earlier shape). */
  shape(opts: ShapeOptions): Promise<void>;
  clearShape(): Promise<void>;
  /**
   * Makes the namespace answer pings after delayMs ± jitterMs (uniform): turns off the kernel's own
   * echo replies and starts the raw-socket responder. Stop it (or destroy the lab) to undo.
   */
  startIcmpDelay(opts: { delayMs: number; jitterMs?: number }): Promise<LabProcess>;
  /** Replaces /etc/<name> for commands started in the namespace from now on (see LabOptions.etcFiles). */
  writeEtcFile(name: string, content: string): void;
  /** Starts a long-running process inside the namespace; destroy() stops it. */
  spawnInNs(cmd: string, args?: readonly string[], opts?: { env?: NodeJS.ProcessEnv }): LabProcess;
  /** Stops every process, deletes the namespace and links, frees the slot. Safe to call twice. */
  destroy(): Promise<void>;
}

/** Labs of this process, for the exit hook (a crash or a forgotten destroy must not leak). */
const live = new Map<number, { info: SlotInfo; pids: Set<number> }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { info, pids } of live.values()) {
      for (const pid of pids) killQuietly(pid, 'SIGKILL');
      removeSlotResources(info);
      releaseSlot(info.slot);
    }
  });
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    // ESRCH: it has exited already, which is what we want.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function lossRule(r: LossRule): string {
  if (!Number.isFinite(r.percent) || r.percent < 0 || r.percent > 100) throw new RangeError(`lab.setLoss: percent must be 0..100, got ${r.percent}`);
  if (r.port !== undefined && (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535)) throw new RangeError(`lab.setLoss: bad port ${r.port}`);
  if (r.port !== undefined && r.protocol === 'icmp') throw new RangeError('lab.setLoss: icmp has no ports');
  const dir = r.direction ?? 'in';
  const match = r.port === undefined ? `meta l4proto ${r.protocol}` : `${r.protocol} ${dir === 'in' ? 'dport' : 'sport'} ${r.port}`;
  const basisPoints = Math.round(r.percent * 100);
  const verdict = basisPoints >= 10_000 ? 'drop' : `numgen random mod 10000 < ${basisPoints} drop`;
  return `add rule inet n3lab ${dir} ${match} ${verdict}`;
}

export interface LabOptions {
  /** A label for humans (logs, error messages). */
  name?: string;
  /**
   * Files that replace /etc/<name> for commands run in the namespace (`run`, `spawnInNs`), e.g.
   * `{ 'nsswitch.conf': 'hosts: files\n', 'resolv.conf': 'nameserver 10.200.0.2\n' }`.
   * iproute2 bind-mounts /etc/netns/<ns>/<name> over /etc/<name>; the lab removes them.
   */
  etcFiles?: Record<string, string>;
}

export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  installExitHook();
  const info = claimSlot();
  const entry = { info, pids: new Set<number>() };
  live.set(info.slot, entry);
  const name = opts.name ?? info.ns;
  const { ns, hostIf, nsIf } = info;
  const cidr = (ip: string): string => `${ip}/${info.prefixLength}`;
  const inNs = (cmd: string, args: readonly string[], o?: RunOptions) => runCommand('ip', ['netns', 'exec', ns, cmd, ...args], o);

  const writeEtcFile = (file: string, content: string): void => {
    if (!/^[A-Za-z0-9._-]+$/.test(file) || file.startsWith('.')) throw new RangeError(`lab: an /etc file name must be a plain file name, got ${file}`);
    mkdirSync(netnsEtcDir(ns), { recursive: true });
    writeFileSync(join(netnsEtcDir(ns), file), content);
  };
  const processes = new Set<LabProcess>();
  const destroy = async (): Promise<void> => {
    if (!live.has(info.slot)) return;
    await Promise.all([...processes].map((p) => p.stop()));
    removeSlotResources(info);
    live.delete(info.slot);
    releaseSlot(info.slot);
  };

  try {
    // Leftovers with our names can only come from an earlier owner of this slot that died.
    removeSlotResources(info);
    await runCommand('ip', ['netns', 'add', ns]);
    await runCommand('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
    await runCommand('ip', ['addr', 'add', cidr(info.hostIp), 'dev', hostIf]);
    await runCommand('ip', ['link', 'set', hostIf, 'up']);
    await runCommand('ip', ['-n', ns, 'addr', 'add', cidr(info.nsIp), 'dev', nsIf]);
    await runCommand('ip', ['-n', ns, 'link', 'set', nsIf, 'up']);
    await runCommand('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const table = [
      'table inet n3lab {',
      '  chain in { type filter hook input priority 0; policy accept; }',
      '  chain out { type filter hook output priority 0; policy accept; }',
      '}',
    ].join('\n');
    await inNs('nft', ['-f', '-'], { input: table });
    for (const [file, content] of Object.entries(opts.etcFiles ?? {})) writeEtcFile(file, content);
  } catch (err) {
    await destroy();
    throw new Error(`lab ${name}: setup failed: ${(err as Error).message}`, { cause: err });
  }

  const spawnInNs = (cmd: string, args: readonly string[] = [], o: { env?: NodeJS.ProcessEnv } = {}): LabProcess => {
    // `ip netns exec` execs the command after entering the namespace: the pid is the command's.
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', (err) => {
        out += `\n[lab: spawn failed: ${err.message}]`;
        resolve();
      });
    });
    const pid = child.pid ?? -1;
    if (pid > 0) entry.pids.add(pid);
    let stopping: Promise<void> | undefined;
    const proc: LabProcess = {
      pid,
      child,
      output: () => out,
      stop: () => {
        stopping ??= (async () => {
          if (child.exitCode === null && child.signalCode === null && pid > 0) {
            killQuietly(pid, 'SIGTERM');
            const timer = setTimeout(() => killQuietly(pid, 'SIGKILL'), 2000);
            await exited;
            clearTimeout(timer);
          } else {
            await exited;
          }
          entry.pids.delete(pid);
          processes.delete(proc);
        })();
        return stopping;
      },
    };
    processes.add(proc);
    return proc;
  };

  const tbf = (dev: string, o: ShapeOptions): string[] => {
    if (!(o.rateKbit > 0)) throw new RangeError(`lab.shape: rateKbit must be > 0, got ${o.rateKbit}`);
    const burst = o.burstKbit ?? Math.max(32, Math.ceil(o.rateKbit / 8));
    return ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${o.rateKbit}kbit`, 'burst', `${burst}kbit`, 'latency', `${o.latencyMs ?? 400}ms`];
  };

  return {
    ...info,
    name,
    run: inNs,
    setLoss: async (rule) => {
      if (rule.percent === 0) return;
      await inNs('nft', [lossRule(rule)]);
    },
    clearLoss: async () => {
      await inNs('nft', ['flush chain inet n3lab in; flush chain inet n3lab out']);
    },
    shape: async (o) => {
      const dir = o.direction ?? 'both';
      if (dir !== 'from-ns') await runCommand('tc', tbf(hostIf, o));
      if (dir !== 'to-ns') await inNs('tc', tbf(nsIf, o));
    },
    clearShape: async () => {
      // "No qdisc to delete" when none was set: not an error for a clear.
      await runCommand('tc', ['qdisc', 'del', 'dev', hostIf, 'root'], { allowFailure: true });
      await inNs('tc', ['qdisc', 'del', 'dev', nsIf, 'root'], { allowFailure: true });
    },
    startIcmpDelay: async ({ delayMs, jitterMs = 0 }) => {
      if (!(delayMs >= 0) || !(jitterMs >= 0)) throw new RangeError('lab.startIcmpDelay: delayMs and jitterMs must be >= 0');
      await inNs('sysctl', ['-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1']);
      const proc = spawnInNs('/usr/bin/python3', [ICMP_RESPONDER, String(delayMs), String(jitterMs)]);
      const ready = await waitForOutput(proc, /^ready$/m, 5000);
      if (!ready) {
        await proc.stop();
        throw new Error(`lab ${name}: ICMP delay responder did not start: ${proc.output().trim()}`);
      }
      const stop = proc.stop;
      return {
        ...proc,
        output: proc.output,
        stop: async () => {
          await stop();
          if (live.has(info.slot)) await inNs('sysctl', ['-q', '-w', 'net.ipv4.icmp_echo_ignore_all=0'], { allowFailure: true });
        },
      };
    },
    writeEtcFile,
    spawnInNs,
    destroy,
  };
}

/** Resolves true once the process printed a line matching `pattern`, false on exit or timeout. */
export function waitForOutput(proc: LabProcess, pattern: RegExp, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      proc.child.stdout?.off('data', check);
      proc.child.stderr?.off('data', check);
      proc.child.off('close', onClose);
      resolve(ok);
    };
    const check = (): void => {
      if (pattern.test(proc.output())) done(true);
    };
    const onClose = (): void => done(pattern.test(proc.output()));
    const timer = setTimeout(() => done(false), timeoutMs);
    proc.child.stdout?.on('data', check);
    proc.child.stderr?.on('data', check);
    proc.child.once('close', onClose);
    check();
  });
}
