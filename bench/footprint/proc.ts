/**
 * What /proc says about a process and about the machine (Linux only). CPU is counted in clock
 * ticks of the process's own utime+stime (and cutime+cstime: children it has waited for), so
 * load elsewhere on the machine barely changes it; RSS is VmRSS, the peak VmHWM.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

/** Clock ticks per second (USER_HZ), for utime/stime. */
export const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch (err) {
    console.error(`getconf CLK_TCK failed (${(err as Error).message}); assuming 100`);
    return 100;
  }
})();

export interface ProcCpu {
  /** utime + stime of the process itself, seconds. */
  selfS: number;
  /** cutime + cstime: children it has reaped (e.g. the agent's ping processes), seconds. */
  childrenS: number;
}

export interface ProcMem {
  rssKb: number;
  hwmKb: number;
  anonKb: number;
  fileKb: number;
}

/** Fields of /proc/PID/stat after the `(comm)` field, which may itself contain spaces. */
function statFields(pid: number | 'self'): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
}

/** CPU of a stat line's fields (utime is field 14, i.e. index 11 after `state`). */
export function cpuOfStat(fields: readonly string[]): ProcCpu {
  const n = (i: number): number => Number(fields[i] ?? 0);
  return { selfS: (n(11) + n(12)) / CLK_TCK, childrenS: (n(13) + n(14)) / CLK_TCK };
}

export function readCpu(pid: number): ProcCpu {
  return cpuOfStat(statFields(pid));
}

/** The first child of `parent` whose command line holds `marker` (e.g. the agent's ping helper), if one runs. */
export function childWith(parent: number, marker: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (Number(statFields(Number(name))[1]) !== parent) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(marker)) return Number(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return undefined;
}

/**
 * A process's CPU together with one helper child it keeps running (found by `marker`): the
 * helper's own CPU counts as the process's, the helper's reaped children as its children.
 * A helper that died and was reaped moves into the process's children; never counted twice.
 */
export function withHelper(pid: number, marker: string): () => ProcCpu & { helperS: number } {
  let helper: number | undefined;
  return () => {
    const own = readCpu(pid);
    helper ??= childWith(pid, marker);
    let h: ProcCpu = { selfS: 0, childrenS: 0 };
    if (helper !== undefined) {
      try {
        h = readCpu(helper);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        helper = undefined;
      }
    }
    return { selfS: own.selfS + h.selfS, childrenS: own.childrenS + h.childrenS, helperS: h.selfS };
  };
}

export function readMem(pid: number): ProcMem {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), anonKb: kb('RssAnon'), fileKb: kb('RssFile') };
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const v = first.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

export interface Machine {
  cpuModel: string;
  cores: number;
  loadavg: [number, number, number];
  memTotalMb: number;
  node: string;
  kernel: string;
}

export function machine(): Machine {
  const c = cpus();
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  const la = loadavg();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    loadavg: [la[0] ?? 0, la[1] ?? 0, la[2] ?? 0],
    memTotalMb: Math.round(Number(mem?.[1] ?? 0) / 1024),
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  };
}

/** CPU seconds (self + reaped children) of every process now, by pid, with its command name. */
export function allProcesses(): Map<number, { comm: string; cpuS: number }> {
  const out = new Map<number, { comm: string; cpuS: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const cpu = cpuOfStat(
        text
          .slice(text.lastIndexOf(')') + 2)
          .trim()
          .split(' '),
      );
      out.set(Number(name), { comm, cpuS: cpu.selfS });
    } catch (err) {
      // A process that exited between readdir and read: it simply is not counted.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return out;
}

/** The processes that used the most CPU between two snapshots (by command name), excluding `skip`. */
export function topConsumers(
  before: Map<number, { comm: string; cpuS: number }>,
  after: Map<number, { comm: string; cpuS: number }>,
  wallS: number,
  skip: ReadonlySet<number>,
  n = 5,
): { comm: string; processes: number; pctOfCore: number }[] {
  const byComm = new Map<string, { cpuS: number; pids: Set<number> }>();
  for (const [pid, a] of after) {
    if (skip.has(pid)) continue;
    const d = a.cpuS - (before.get(pid)?.cpuS ?? 0);
    if (d <= 0) continue;
    const e = byComm.get(a.comm) ?? { cpuS: 0, pids: new Set<number>() };
    e.cpuS += d;
    e.pids.add(pid);
    byComm.set(a.comm, e);
  }
  return [...byComm]
    .map(([comm, e]) => ({ comm, processes: e.pids.size, pctOfCore: (e.cpuS / wallS) * 100 }))
    .sort((a, b) => b.pctOfCore - a.pctOfCore)
    .slice(0, n);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
