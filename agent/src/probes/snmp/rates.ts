/**
 * From the previous poll's state and this poll's snapshot to samples: rates, utilisation, oper
 * status, uptime — and a recorded discontinuity wherever a rate is withheld. Pure.
 *
 * Never a negative rate, never a spike, never a silent gap: an interval either has a rate or a
 * `snmp_if_counter_discontinuity` sample saying why not (the first poll of an interface is the
 * only exception: it has no previous reading to be discontinuous with).
 *
 * A rate above the speed the device reports is still a rate (snmpd reports `lo` at 10 Mbit/s,
 * Cisco dialers 56 kbit/s): it is sent with `snmp_if_speed_mismatch_bps` (the reported speed) and
 * without a utilisation, whose denominator is then known to be wrong. Only a configured
 * `speedBps` is a hard limit; otherwise the glitch guard is GLITCH_CEILING_BPS (./counters.ts).
 */
import type { ProbeSample } from '../types.ts';
import type { MetricName } from '../../../../shared/src/metrics.ts';
import { IF_ROLE_LABEL, IF_ROLE_NONE } from '../../../../shared/src/roles.ts';
import {
  COUNTER_REASONS,
  GLITCH_CEILING_BPS,
  MIN_FRAME_BITS,
  RATE_TOLERANCE,
  TICKS_WRAP,
  counterDelta,
  perSecond,
  uptimeContinuity,
  wrapsFromEngineTime,
  type CounterLimits,
  type CounterReading,
  type CounterReason,
} from './counters.ts';
import { COUNTER_NAMES, type CounterName, type DeviceSnapshot, type IfRow } from './snapshot.ts';
import type { Selected } from './select.ts';
import type { InterfaceSelector } from './schema.ts';

export const DEVICE_REASONS = ['agent_restarted', 'engine_boots_changed'] as const;
export type DeviceReason = (typeof DEVICE_REASONS)[number];
/** Every `reason` of snmp_if_counter_discontinuity (README.md's table lists them; a test keeps it so). */
export const DISCONTINUITY_REASONS = [...DEVICE_REASONS, 'interface_changed', 'discontinuity_time_changed', ...COUNTER_REASONS] as const;
export type DiscontinuityReason = (typeof DISCONTINUITY_REASONS)[number];

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

/** A rate above RATE_TOLERANCE × the speed the device reports, where that speed is the utilisation base. */
export interface SpeedMismatch {
  ifIndex: number;
  ifName: string;
  direction: 'in' | 'out';
  reportedBps: number;
  rateBps: number;
}

export interface Evaluation {
  samples: ProbeSample[];
  discontinuities: Discontinuity[];
  speedMismatches: SpeedMismatch[];
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

interface Capacity {
  /** The larger of port speed (configured, else reported) and contract: judges Counter32 wraps. */
  speedBps?: number;
  /** Above this a delta is a glitch: 1.5 × a configured speedBps, else GLITCH_CEILING_BPS or more. */
  ceilingBps: number;
}

/** What the interface carries, in bit/s, and the rate above which a delta is a glitch. */
function capacity(row: IfRow, sel: InterfaceSelector | undefined, dir: 'in' | 'out'): Capacity {
  const contract = (dir === 'in' ? sel?.inBps : sel?.outBps) ?? 0;
  const best = Math.max(sel?.speedBps ?? row.speedBps ?? 0, contract);
  // A configured speedBps is the operator's word for the port; a reported speed is only a hint.
  const ceilingBps = sel?.speedBps !== undefined ? best * RATE_TOLERANCE : Math.max(GLITCH_CEILING_BPS, best * RATE_TOLERANCE);
  return best > 0 ? { speedBps: best, ceilingBps } : { ceilingBps };
}

/** Utilisation denominator: the contracted bandwidth, else the port speed; `reported` when it is the device's word. */
function utilisationBase(row: IfRow, sel: InterfaceSelector | undefined, dir: 'in' | 'out'): { bps: number; reported: boolean } | undefined {
  const configured = (dir === 'in' ? sel?.inBps : sel?.outBps) ?? sel?.speedBps;
  if (configured !== undefined && configured > 0) return { bps: configured, reported: false };
  return row.speedBps !== undefined && row.speedBps > 0 ? { bps: row.speedBps, reported: true } : undefined;
}

/** One direction of an interface: the counter limits for octets and for packets, and the utilisation base. */
function directionLimits(
  row: IfRow,
  sel: InterfaceSelector | undefined,
  dir: 'in' | 'out',
): { octets: CounterLimits; packets: CounterLimits; base: ReturnType<typeof utilisationBase> } {
  const cap = capacity(row, sel, dir);
  const limits = (unitBits: number): CounterLimits =>
    cap.speedBps === undefined
      ? { ceilingPerSecond: cap.ceilingBps / unitBits }
      : { maxPerSecond: cap.speedBps / unitBits, ceilingPerSecond: cap.ceilingBps / unitBits };
  return { octets: limits(8), packets: limits(MIN_FRAME_BITS), base: utilisationBase(row, sel, dir) };
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
  const speedMismatches: SpeedMismatch[] = [];
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
    let byReason: Map<CounterReason, CounterName[]> | undefined;
    // Per direction, once per interface: the limits a delta is judged by and the utilisation base.
    const perDir = { in: directionLimits(row, sel, 'in'), out: directionLimits(row, sel, 'out') };
    for (const name of COUNTER_NAMES) {
      const cur = row.counters[name];
      const old = before.counters[name];
      if (cur === undefined || old === undefined) continue;
      const m = RATE_METRICS[name];
      const dir = perDir[m.dir];
      const verdict = counterDelta(old, cur, m.kind === 'octets' ? dir.octets : dir.packets);
      if (verdict.kind === 'discontinuity') {
        byReason ??= new Map();
        byReason.set(verdict.reason, [...(byReason.get(verdict.reason) ?? []), name]);
        continue;
      }
      const rate = perSecond(verdict) * m.factor;
      samples.push({ metric: m.metric, value: rate, labels });
      if (m.kind === 'octets') {
        const base = dir.base;
        if (base?.reported === true && rate > base.bps * RATE_TOLERANCE) {
          // rate / a speed the rate disproves is no utilisation: send the rate and say why there is none.
          speedMismatches.push({ ifIndex: row.index, ifName: row.name, direction: m.dir, reportedBps: base.bps, rateBps: rate });
          samples.push({ metric: 'snmp_if_speed_mismatch_bps', value: base.bps, labels: { ...labels, direction: m.dir } });
        } else if (base !== undefined) {
          samples.push({ metric: m.dir === 'in' ? 'snmp_if_in_utilisation_ratio' : 'snmp_if_out_utilisation_ratio', value: rate / base.bps, labels });
        }
      }
    }
    if (byReason !== undefined) for (const [reason, counters] of byReason) record(reason, counters);
  }
  const out: Evaluation = { samples, discontinuities, speedMismatches, uptimeFrozen: device.frozen, state };
  if (device.restarted !== undefined) out.restarted = device.restarted;
  return out;
}
