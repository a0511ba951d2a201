/**
 * A side of the comparison as a set of process trees (Linux /proc): n3mon's agent with its ping
 * helper, its fping and their children; the three exporters; the fping peer's shell loop.
 *
 * CPU of a tree = Σ over its live processes of utime+stime+cutime+cstime. A process that exits
 * and is reaped by its parent moves its own CPU (and its reaped children's) into the parent's
 * cutime/cstime, so the sum never drops and nothing is counted twice: the difference between two
 * readings is the tree's CPU in between, short-lived children (the ping bursts) included.
 * RSS of a tree = Σ VmRSS of its live processes (shared pages counted once per process, as `ps`
 * would add them up); the bench samples it every second and keeps the peak and the last.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { CLK_TCK } from './proc.ts';

interface ProcRow {
  ppid: number;
  /** utime+stime+cutime+cstime in clock ticks. */
  ticks: number;
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Every process now: parent and CPU ticks (self + reaped children). */
function snapshot(): Map<number, ProcRow> {
  const out = new Map<number, ProcRow>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = text
        .slice(text.lastIndexOf(')') + 2)
        .trim()
        .split(' ');
      const n = (i: number): number => Number(f[i] ?? 0);
      out.set(Number(name), { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) });
    } catch (err) {
      // A process that exited between readdir and read: its parent's cutime has it.
      if (!isGone(err)) throw err;
    }
  }
  return out;
}

/** The roots and every live process below them. */
function members(roots: readonly number[], procs: Map<number, ProcRow>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, row] of procs) {
    const list = children.get(row.ppid) ?? [];
    list.push(pid);
    children.set(row.ppid, list);
  }
  const out: number[] = [];
  const todo = roots.filter((r) => procs.has(r));
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

function rssKb(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? 0);
  } catch (err) {
    if (isGone(err)) return 0;
    throw err;
  }
}

export interface TreeReading {
  cpuS: number;
  rssKb: number;
  processes: number;
}

/** One reading of the trees under `roots` (live processes only; a root that has exited counts 0). */
export function readTrees(roots: readonly number[]): TreeReading {
  const procs = snapshot();
  const pids = members(roots, procs);
  let ticks = 0;
  let rss = 0;
  for (const pid of pids) {
    ticks += procs.get(pid)?.ticks ?? 0;
    rss += rssKb(pid);
  }
  return { cpuS: ticks / CLK_TCK, rssKb: rss, processes: pids.length };
}

/** A side of the comparison: its roots, sampled over the window. */
export class Side {
  readonly name: string;
  readonly #roots: () => readonly number[];
  #first: TreeReading | undefined;
  #last: TreeReading | undefined;
  #peakRssKb = 0;
  #peakProcesses = 0;
  readonly #rss: number[] = [];

  /** `roots` is asked on every reading (a side may start a process late, e.g. a restarted fping). */
  constructor(name: string, roots: () => readonly number[]) {
    this.name = name;
    this.#roots = roots;
  }

  /** A reading once every root has exited (a peer's loop that ended) is not taken: the side's figures end with its last process. */
  sample(): TreeReading {
    const r = readTrees(this.#roots());
    if (r.processes === 0 && this.#last !== undefined) return r;
    this.#first ??= r;
    this.#last = r;
    this.#peakRssKb = Math.max(this.#peakRssKb, r.rssKb);
    this.#peakProcesses = Math.max(this.#peakProcesses, r.processes);
    this.#rss.push(r.rssKb);
    return r;
  }

  /** CPU seconds between the first and the last sample. */
  get cpuS(): number {
    return (this.#last?.cpuS ?? 0) - (this.#first?.cpuS ?? 0);
  }

  get peakRssKb(): number {
    return this.#peakRssKb;
  }

  get endRssKb(): number {
    return this.#last?.rssKb ?? 0;
  }

  get medianRssKb(): number {
    const s = [...this.#rss].sort((a, b) => a - b);
    return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number);
  }

  get peakProcesses(): number {
    return this.#peakProcesses;
  }
}
