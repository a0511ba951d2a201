/**
 * From the previous poll's state and this poll's snapshot to samples: rates, utilisation, oper
 * status, uptime — and a recorded discontinuity wherever a rate is withheld. Pure.
 *
 * Never a negative rate, never a spike, never a silent gap: an interval either has a rate or a
 * `snmp_if_counter_discontinuity` sample saying why not (the first poll of an interface is the
 * only exception: it has no previous reading to be discontinuous with).
 */
import type { ProbeSample } from '../types.ts';
import type { MetricName } from '../../../../shared/src/metrics.ts';
import { IF_ROLE_LABEL, IF_ROLE_NONE } from '../../../../shared/src/roles.ts';
import {
  ABSOLUTE_MAX_OCTETS_PER_S,
  MIN_FRAME_BITS,
  TICKS_WRAP,
  counterDelta,
  perSecond,
  uptimeContinuity,
  wrapsFromEngineTime,
  type CounterReading,
  type CounterReason,
} from './counters.ts';
import type { CounterName, DeviceSnapshot, IfRow } from './snapshot.ts';
import type { Selected } from './select.ts';
import type { InterfaceSelector } from './schema.ts';

export type DeviceReason = 'agent_restarted' | 'engine_boots_changed';
export type DiscontinuityReason = DeviceReason | 'interface_changed' | 'discontinuity_time_changed' | CounterReason;

export interface IfState {
  name: string;
  discontinuityTicks?: number;
  counters: Partial<Record<CounterName, CounterReading>>;
}

export interface DeviceState {
  atMs: number;
  sysUpTimeTicks?: number;
  /** Times sysUpTime wrapped past 2^32 ticks while we watched (or as snmpEngineTime implies). */
  uptimeWraps: number;
  engineBoots?: number;
  engineTime?: number;
  interfaces: Map<number, IfState>;
}

export interface Discontinuity {
  ifIndex: number;
  ifName: string;
  reason: DiscontinuityReason;
  /** The counters concerned (empty for interface- or device-wide reasons). */
  counters: CounterName[];
}

export interface Evaluation {
  samples: ProbeSample[];
  discontinuities: Discontinuity[];
  /** Set when the device (its SNMP agent) restarted since the last poll. */
  restarted?: DeviceReason;
  /** sysUpTime did not move between polls: restart detection relies on the counters alone. */
  uptimeFrozen: boolean;
  state: DeviceState;
}

const RATE_METRICS: Record<CounterName, { metric: MetricName; factor: number; kind: 'octets' | 'packets'; dir: 'in' | 'out' }> = {
  inOctets: { metric: 'snmp_if_in_bps', factor: 8, kind: 'octets', dir: 'in' },
  outOctets: { metric: 'snmp_if_out_bps', factor: 8, kind: 'octets', dir: 'out' },
  inErrors: { metric: 'snmp_if_in_errors_per_s', factor: 1, kind: 'packets', dir: 'in' },
  outErrors: { metric: 'snmp_if_out_errors_per_s', factor: 1, kind: 'packets', dir: 'out' },
  inDiscards: { metric: 'snmp_if_in_discards_per_s', factor: 1, kind: 'packets', dir: 'in' },
  outDiscards: { metric: 'snmp_if_out_discards_per_s', factor: 1, kind: 'packets', dir: 'out' },
};

/** Physical capacity in bit/s for plausibility: the larger of port speed and contract. */
function capacityBps(row: IfRow, sel: InterfaceSelector | undefined, dir: 'in' | 'out'): number | undefined {
  const port = sel?.speedBps ?? row.speedBps;
  const contract = dir === 'in' ? sel?.inBps : sel?.outBps;
  const best = Math.max(port ?? 0, contract ?? 0);
  return best > 0 ? best : undefined;
}

/** Utilisation denominator: the contracted bandwidth, else the port speed. */
function utilisationBase(row: IfRow, sel: InterfaceSelector | undefined, dir: 'in' | 'out'): number | undefined {
  const v = (dir === 'in' ? sel?.inBps : sel?.outBps) ?? sel?.speedBps ?? row.speedBps;
  return v !== undefined && v > 0 ? v : undefined;
}

function deviceContinuity(prev: DeviceState | undefined, snap: DeviceSnapshot): { restarted?: DeviceReason; wraps: number; frozen: boolean } {
  const seed = snap.sysUpTimeTicks !== undefined && snap.engineTime !== undefined ? wrapsFromEngineTime(snap.sysUpTimeTicks, snap.engineTime) : 0;
  if (prev === undefined) return { wraps: seed, frozen: false };
  if (prev.engineBoots !== undefined && snap.engineBoots !== undefined && prev.engineBoots !== snap.engineBoots) {
    return { restarted: 'engine_boots_changed', wraps: seed, frozen: false };
  }
  if (prev.engineTime !== undefined && snap.engineTime !== undefined && snap.engineTime + 5 < prev.engineTime) {
    return { restarted: 'agent_restarted', wraps: seed, frozen: false };
  }
  if (prev.sysUpTimeTicks === undefined || snap.sysUpTimeTicks === undefined) return { wraps: prev.uptimeWraps, frozen: false };
  const v = uptimeContinuity({ ticks: prev.sysUpTimeTicks, atMs: prev.atMs }, { ticks: snap.sysUpTimeTicks, atMs: snap.atMs });
  if (v.kind === 'restarted') return { restarted: 'agent_restarted', wraps: seed, frozen: false };
  if (v.kind === 'frozen') return { wraps: prev.uptimeWraps, frozen: true };
  return { wraps: prev.uptimeWraps + (v.wrapped ? 1 : 0), frozen: false };
}

export function evaluatePoll(prev: DeviceState | undefined, snap: DeviceSnapshot, selected: readonly Selected[]): Evaluation {
  const samples: ProbeSample[] = [];
  const discontinuities: Discontinuity[] = [];
  const device = deviceContinuity(prev, snap);
  const state: DeviceState = { atMs: snap.atMs, uptimeWraps: device.wraps, interfaces: new Map() };
  if (snap.sysUpTimeTicks !== undefined) state.sysUpTimeTicks = snap.sysUpTimeTicks;
  if (snap.engineBoots !== undefined) state.engineBoots = snap.engineBoots;
  if (snap.engineTime !== undefined) state.engineTime = snap.engineTime;

  if (snap.sysUpTimeTicks !== undefined) {
    samples.push({ metric: 'snmp_device_uptime_s', value: (device.wraps * TICKS_WRAP + snap.sysUpTimeTicks) / 100 });
  }

  for (const { row, sel } of selected) {
    const labels = { ifName: row.name, ifIndex: String(row.index), [IF_ROLE_LABEL]: sel?.role ?? IF_ROLE_NONE };
    if (row.operUp !== undefined) samples.push({ metric: 'snmp_if_oper_up', value: row.operUp ? 1 : 0, labels });
    const ifState: IfState = { name: row.name, counters: { ...row.counters } };
    if (row.discontinuityTicks !== undefined) ifState.discontinuityTicks = row.discontinuityTicks;
    state.interfaces.set(row.index, ifState);

    const before = prev?.interfaces.get(row.index);
    if (before === undefined) continue; // first sight of this interface: a baseline, not a gap
    const record = (reason: DiscontinuityReason, counters: CounterName[] = []): void => {
      discontinuities.push({ ifIndex: row.index, ifName: row.name, reason, counters });
      samples.push({ metric: 'snmp_if_counter_discontinuity', value: 1, labels: { ...labels, reason } });
    };
    if (device.restarted !== undefined) {
      record(device.restarted);
      continue;
    }
    if (before.name !== row.name) {
      record('interface_changed');
      continue;
    }
    if (before.discontinuityTicks !== undefined && row.discontinuityTicks !== undefined && before.discontinuityTicks !== row.discontinuityTicks) {
      record('discontinuity_time_changed');
      continue;
    }
    const byReason = new Map<CounterReason, CounterName[]>();
    for (const [name, cur] of Object.entries(row.counters) as [CounterName, CounterReading][]) {
      const old = before.counters[name];
      if (old === undefined) continue;
      const m = RATE_METRICS[name];
      const cap = capacityBps(row, sel, m.dir);
      const unitBits = m.kind === 'octets' ? 8 : MIN_FRAME_BITS;
      const verdict = counterDelta(old, cur, {
        ...(cap === undefined ? {} : { maxPerSecond: cap / unitBits }),
        absoluteMaxPerSecond: (ABSOLUTE_MAX_OCTETS_PER_S * 8) / unitBits,
      });
      if (verdict.kind === 'discontinuity') {
        byReason.set(verdict.reason, [...(byReason.get(verdict.reason) ?? []), name]);
        continue;
      }
      const rate = perSecond(verdict) * m.factor;
      samples.push({ metric: m.metric, value: rate, labels });
      if (m.kind === 'octets') {
        const base = utilisationBase(row, sel, m.dir);
        if (base !== undefined) samples.push({ metric: m.dir === 'in' ? 'snmp_if_in_utilisation_ratio' : 'snmp_if_out_utilisation_ratio', value: rate / base, labels });
      }
    }
    for (const [reason, counters] of byReason) record(reason, counters);
  }
  const out: Evaluation = { samples, discontinuities, uptimeFrozen: device.frozen, state };
  if (device.restarted !== undefined) out.restarted = device.restarted;
  return out;
}
