/**
 * The narrow seam between the host probe and the machine (STYLE habit 6): the handful of
 * systeminformation (and node:os) calls the probe makes, with only the fields it reads. Pure logic
 * (./compute.ts) is tested with outputs of these very calls captured on a real machine
 * (test/fixtures/host/); the integration test runs the real driver.
 *
 * Choices, measured on the reference machine (Debian 12, 2 cores; see README.md):
 * - CPU from os.cpus() tick counters — the same counters si.currentLoad() reads, but without the
 *   synchronous `cat /proc/stat | grep` it spawns on every call (blocks the event loop ~20 ms,
 *   which would distort the http probe's timings) and without its 0.5 s first-call wait.
 * - Interfaces named from os.networkInterfaces() (the list si.networkStats('*') builds too), so
 *   filters apply before anything is read. networkStats('*') would first run
 *   si.networkInterfaces(), which re-runs a burst of synchronous shell commands whenever any
 *   address changes (measured: 450 ms of blocked event loop), and read loopback as well.
 * - Interface counters on Linux read straight from /sys/class/net/<if>/statistics — the files
 *   si.networkStats() reads, but it starts a shell and seven `cat`s per interface per call
 *   (measured 11 ms in-process + 41 ms in children per interface). Elsewhere, and for an
 *   interface without those files, si.networkStats().
 * - Memory from si.mem() on Linux/macOS (reads /proc/meminfo, no process). On Windows si.mem()
 *   starts PowerShell only for swap figures we do not use; os.totalmem()/os.freemem() give the
 *   same total/available it would return there.
 * - Filesystems from si.fsSize() (df on Linux, WMI via PowerShell on Windows).
 * - On Windows the driver keeps one persistent PowerShell (si.powerShellStart) so fsSize and
 *   networkStats do not start a new PowerShell on every run; close() releases it.
 * - Never inetLatency()/inetChecksite(): their default target is on the internet.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';

/** One CPU's cumulative tick counters (ms), as os.cpus()[i].times. */
export interface CpuTimes {
  user: number;
  nice: number;
  sys: number;
  idle: number;
  irq: number;
}

/** The fields of si.mem() the probe reads (bytes). `available` excludes buffers/cache. */
export interface MemInfo {
  total: number;
  available: number;
}

/** The fields of one si.fsSize() entry the probe reads (bytes). */
export interface FsInfo {
  fs: string;
  type: string;
  mount: string;
  size: number;
  used: number;
  available: number;
}

/** The fields of one si.networkStats() entry the probe reads (cumulative bytes). */
export interface NetCounters {
  iface: string;
  operstate: string;
  rx_bytes: number;
  tx_bytes: number;
}

/** One entry of os.networkInterfaces(), reduced to what the filters need. */
export interface NetInterfaceInfo {
  name: string;
  internal: boolean;
}

export interface HostDriver {
  readonly platform: NodeJS.Platform;
  cpuTimes(): CpuTimes[];
  memory(): Promise<MemInfo>;
  filesystems(): Promise<FsInfo[]>;
  interfaces(): NetInterfaceInfo[];
  /** Counters of the named interfaces, in the order asked. */
  networkStats(ifaces: readonly string[]): Promise<NetCounters[]>;
  close(): void;
}

export interface SystemDriverOptions {
  platform?: NodeJS.Platform;
  /** Where interface counters come from; `sysfs` is the default on Linux, `si` elsewhere. */
  netSource?: 'sysfs' | 'si';
  /** Root of the sysfs network tree (tests). */
  sysClassNet?: string;
}

/** Counters of one interface from sysfs, or undefined when its files are not there. */
async function sysfsCounters(root: string, iface: string): Promise<NetCounters | undefined> {
  if (iface === '' || iface === '.' || iface === '..' || iface.includes('/')) return undefined;
  const dir = `${root}/${iface}`;
  try {
    const [rx, tx, state] = await Promise.all([
      readFile(`${dir}/statistics/rx_bytes`, 'utf8'),
      readFile(`${dir}/statistics/tx_bytes`, 'utf8'),
      readFile(`${dir}/operstate`, 'utf8'),
    ]);
    const rxBytes = Number(rx.trim());
    const txBytes = Number(tx.trim());
    if (!Number.isFinite(rxBytes) || !Number.isFinite(txBytes)) return undefined;
    return { iface, operstate: state.trim(), rx_bytes: rxBytes, tx_bytes: txBytes };
  } catch (err) {
    // No such interface directory (renamed, or an alias like eth0:1): the caller falls back to si.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function createSystemDriver(opts: SystemDriverOptions = {}): HostDriver {
  const platform = opts.platform ?? process.platform;
  const netSource = opts.netSource ?? (platform === 'linux' ? 'sysfs' : 'si');
  const sysClassNet = opts.sysClassNet ?? '/sys/class/net';
  let powerShell = false;
  const ensurePowerShell = (): void => {
    if (platform === 'win32' && !powerShell) {
      si.powerShellStart();
      powerShell = true;
    }
  };
  const viaSi = async (ifaces: readonly string[]): Promise<NetCounters[]> => {
    if (ifaces.length === 0) return [];
    ensurePowerShell();
    const list = await si.networkStats(ifaces.join(','));
    return list.map((n) => ({ iface: n.iface, operstate: n.operstate, rx_bytes: n.rx_bytes, tx_bytes: n.tx_bytes }));
  };
  return {
    platform,
    cpuTimes: () => os.cpus().map((c) => ({ user: c.times.user, nice: c.times.nice, sys: c.times.sys, idle: c.times.idle, irq: c.times.irq })),
    async memory() {
      if (platform === 'win32') return { total: os.totalmem(), available: os.freemem() };
      const m = await si.mem();
      return { total: m.total, available: m.available };
    },
    async filesystems() {
      ensurePowerShell();
      const list = await si.fsSize();
      return list.map((f) => ({ fs: f.fs, type: f.type, mount: f.mount, size: f.size, used: f.used, available: f.available }));
    },
    interfaces() {
      const out: NetInterfaceInfo[] = [];
      for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
        out.push({ name, internal: (addrs ?? []).some((a) => a.internal) });
      }
      return out;
    },
    async networkStats(ifaces) {
      if (netSource === 'si') return viaSi(ifaces);
      const direct = await Promise.all(ifaces.map((i) => sysfsCounters(sysClassNet, i)));
      const missing = ifaces.filter((_, i) => direct[i] === undefined);
      const fromSi = await viaSi(missing);
      return ifaces.map((iface, i) => direct[i] ?? fromSi[missing.indexOf(iface)] ?? { iface, operstate: 'unknown', rx_bytes: 0, tx_bytes: 0 });
    },
    close() {
      if (powerShell) {
        si.powerShellRelease();
        powerShell = false;
      }
    },
  };
}
