/**
 * Host metrics from driver outputs (pure): CPU busy share and interface bit rates from counter
 * deltas between two readings, memory and disk ratios from one reading, and the filters. No value
 * is emitted without a sound basis: no rate before a second reading, none across a counter reset.
 */
import { INGEST_LIMITS } from '../../../../shared/src/wire.ts';
import type { ProbeSample } from '../types.ts';
import type { CpuTimes, FsInfo, MemInfo, NetCounters, NetInterfaceInfo } from './driver.ts';
import type { CompiledFilter } from './filters.ts';

export interface CpuTotals {
  busy: number;
  idle: number;
}

/**
 * Sum of all CPUs' ticks. On Windows libuv's `sys` already contains interrupt time (it is kernel
 * time minus idle), so `irq` is not added again there.
 */
export function cpuTotals(cpus: readonly CpuTimes[], platform: NodeJS.Platform): CpuTotals {
  let busy = 0;
  let idle = 0;
  for (const c of cpus) {
    busy += c.user + c.nice + c.sys + (platform === 'win32' ? 0 : c.irq);
    idle += c.idle;
  }
  return { busy, idle };
}

/** Busy share of all CPU time between two readings, 0..1; undefined without progress or on a reset. */
export function cpuLoadRatio(prev: CpuTotals, cur: CpuTotals): number | undefined {
  const busy = cur.busy - prev.busy;
  const idle = cur.idle - prev.idle;
  if (busy < 0 || idle < 0 || busy + idle <= 0) return undefined;
  return clamp01(busy / (busy + idle));
}

/** Used (excluding buffers/cache) / total, 0..1. */
export function memUsedRatio(m: MemInfo): number | undefined {
  if (!(m.total > 0) || !Number.isFinite(m.available)) return undefined;
  return clamp01((m.total - m.available) / m.total);
}

export interface DiskFilter {
  mounts: CompiledFilter;
  excludeTypes: ReadonlySet<string>;
}

/**
 * Used share per reported mount, as `df` shows it: used / (used + available), so 1 means nothing
 * is left for ordinary users even when root-reserved blocks remain. Mounts seen twice (bind
 * mounts, the same device twice) count once.
 */
export function diskUsage(list: readonly FsInfo[], filter: DiskFilter): { mount: string; ratio: number }[] {
  const out: { mount: string; ratio: number }[] = [];
  const seen = new Set<string>();
  for (const f of list) {
    if (filter.excludeTypes.has(f.type.toLowerCase())) continue;
    if (!filter.mounts.accepts(f.mount) || seen.has(f.mount) || !fitsLabel(f.mount)) continue;
    const basis = f.used + f.available > 0 ? f.used + f.available : f.size;
    if (!(basis > 0) || !Number.isFinite(f.used)) continue;
    seen.add(f.mount);
    out.push({ mount: f.mount, ratio: clamp01(f.used / basis) });
  }
  return out;
}

/** Interfaces to read: accepted by the filter; loopback/internal only when named in include. */
export function selectInterfaces(list: readonly NetInterfaceInfo[], filter: CompiledFilter): string[] {
  return list.filter((i) => fitsLabel(i.name) && filter.accepts(i.name) && (!i.internal || filter.explicitlyIncluded(i.name))).map((i) => i.name);
}

export interface NetReading {
  /** Monotonic ms when the counters were read. */
  at: number;
  /** iface → cumulative bytes. */
  counters: ReadonlyMap<string, { rx: number; tx: number }>;
}

/**
 * Pairs the counters with the names asked for (the driver answers in order). Entries with both
 * counters 0 are dropped: that is how si reports an interface it could not read (and an interface
 * that never carried a byte has no rate worth reporting).
 */
export function netReading(at: number, asked: readonly string[], stats: readonly NetCounters[]): NetReading {
  const counters = new Map<string, { rx: number; tx: number }>();
  asked.forEach((name, i) => {
    const s = stats[i];
    if (s === undefined || !Number.isFinite(s.rx_bytes) || !Number.isFinite(s.tx_bytes)) return;
    if (s.rx_bytes === 0 && s.tx_bytes === 0) return;
    counters.set(name, { rx: s.rx_bytes, tx: s.tx_bytes });
  });
  return { at, counters };
}

/**
 * si caches counters read less than 500 ms apart, so two readings closer than this would give a
 * false zero: no rate then.
 */
export const MIN_RATE_INTERVAL_MS = 1000;

export function netRates(prev: NetReading, cur: NetReading): { iface: string; rxBps: number; txBps: number }[] {
  const elapsed = cur.at - prev.at;
  if (elapsed < MIN_RATE_INTERVAL_MS) return [];
  const out: { iface: string; rxBps: number; txBps: number }[] = [];
  for (const [iface, c] of cur.counters) {
    const p = prev.counters.get(iface);
    if (p === undefined || c.rx < p.rx || c.tx < p.tx) continue; // new interface or counter reset
    out.push({ iface, rxBps: round3(((c.rx - p.rx) * 8 * 1000) / elapsed), txBps: round3(((c.tx - p.tx) * 8 * 1000) / elapsed) });
  }
  return out;
}

export function hostSamples(parts: {
  cpu?: number;
  mem?: number;
  disks: readonly { mount: string; ratio: number }[];
  rates: readonly { iface: string; rxBps: number; txBps: number }[];
}): ProbeSample[] {
  const s: ProbeSample[] = [];
  if (parts.cpu !== undefined) s.push({ metric: 'host_cpu_load_ratio', value: round6(parts.cpu) });
  if (parts.mem !== undefined) s.push({ metric: 'host_mem_used_ratio', value: round6(parts.mem) });
  for (const d of parts.disks) s.push({ metric: 'host_disk_used_ratio', value: round6(d.ratio), labels: { mount: d.mount } });
  for (const r of parts.rates) {
    s.push({ metric: 'host_net_rx_bps', value: r.rxBps, labels: { iface: r.iface } });
    s.push({ metric: 'host_net_tx_bps', value: r.txBps, labels: { iface: r.iface } });
  }
  return s;
}

/** A name longer than the collector accepts as a label value would get the whole batch refused. */
function fitsLabel(name: string): boolean {
  return name !== '' && name.length <= INGEST_LIMITS.maxLabelValueLength;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
