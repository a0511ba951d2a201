/**
 * The ingest bench's data set: agents on the reference practice schedule (PRODUCT.md "Quality
 * bars"), each producing its samples in time order, cut into batches as the agent's spool would.
 *
 * Per agent and minute (2,198 samples, 2,018 series):
 * - 20 ICMP targets every 30 s: 7 icmp_* statistics + probe_success{outcome} + probe_duration_ms
 * - 8 HTTP checks every 60 s: http_phase_ms × 5 phases, http_total_ms, http_status_code,
 *   tls_cert_expiry_days, probe_success, probe_duration_ms
 * - 4 SNMP devices × 48 interfaces every 60 s: 9 per-interface metrics {ifName, ifIndex, ifRole},
 *   snmp_device_uptime_s, snmp_poll_ms, probe_success, probe_duration_ms per device
 * - host metrics every 60 s (2 mounts, 2 interfaces), the agent's own 4 metrics every 60 s
 *
 * Labels as the agent builds them: `check` first, then the kind's base labels (target, role, app),
 * then the metric's own. Values are deterministic (seeded per agent) and shaped like the real
 * thing (RTTs with 3 decimals, integer bit rates, ratios). Every (series, ts) is distinct, so the
 * number of stored samples must equal the number acknowledged.
 */
import type { WireSample } from '../../shared/src/wire.ts';
import { rng as prng } from '../../test/helpers/rng.ts';

export const SAMPLES_PER_AGENT_MINUTE = 2198;
export const SERIES_PER_AGENT = 2018;

export interface AgentSpec {
  practice: string;
  agent: string;
  /** Index of the agent in the data set (seeds its values and its check offsets). */
  index: number;
}

/** Practice p has agent "main"; every 4th practice also a "branch" agent (a branch-site server). */
export function agentsFor(count: number): AgentSpec[] {
  const out: AgentSpec[] = [];
  for (let p = 0; out.length < count; p++) {
    const practice = `B${String(p).padStart(5, '0')}`;
    out.push({ practice, agent: 'main', index: out.length });
    if (p % 4 === 3 && out.length < count) out.push({ practice, agent: 'branch', index: out.length });
  }
  return out;
}

type Labels = Record<string, string>;
interface Check {
  /** Offset of the run within its period, ms. */
  offsetMs: number;
  periodMs: number;
  emit(ts: number, out: WireSample[]): void;
}

const ICMP_METRICS = ['icmp_rtt_min_ms', 'icmp_rtt_avg_ms', 'icmp_rtt_median_ms', 'icmp_rtt_max_ms', 'icmp_rtt_stddev_ms', 'icmp_jitter_ms'] as const;
const PHASES = ['dns', 'connect', 'tls', 'ttfb', 'transfer'] as const;
const IF_METRICS = [
  'snmp_if_in_bps',
  'snmp_if_out_bps',
  'snmp_if_in_utilisation_ratio',
  'snmp_if_out_utilisation_ratio',
  'snmp_if_in_errors_per_s',
  'snmp_if_out_errors_per_s',
  'snmp_if_in_discards_per_s',
  'snmp_if_out_discards_per_s',
  'snmp_if_oper_up',
] as const;
const APPS = ['spine', 'ers', 'eps', 'gp2gp', 'scr', 'mesh', 'nhsmail', 'smartcard'] as const;
const ICMP_ROLES = ['lan-gateway', 'n3-gateway', 'national-app', 'national-app', 'branch-site', 'internet'] as const;

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

function checksOf(spec: AgentSpec, rnd: () => number): Check[] {
  const net = `10.${(spec.index >> 8) & 255}.${spec.index & 255}`;
  const checks: Check[] = [];
  const sample = (out: WireSample[], metric: string, labels: Labels, ts: number, value: number): void => {
    out.push({ metric, labels, ts, value });
  };
  for (let i = 0; i < 20; i++) {
    const target = i < 2 ? `${net}.${i + 1}` : `192.0.2.${(spec.index * 7 + i) % 250}`;
    const base: Labels = { check: `icmp:${target}`, target, role: ICMP_ROLES[i % ICMP_ROLES.length] as string };
    const success: Labels = { ...base, outcome: 'success' };
    const baseRtt = i === 0 ? 0.4 : 8 + (i % 5) * 4;
    checks.push({
      offsetMs: 1000 + i * 700,
      periodMs: 30_000,
      emit: (ts, out) => {
        const rtts = [baseRtt * (1 + rnd() * 0.2), baseRtt * (1 + rnd() * 0.4), baseRtt * (1 + rnd() * 1.5)];
        const values = [rtts[0]!, (rtts[0]! + rtts[1]!) / 2, rtts[1]!, rtts[2]!, (rtts[2]! - rtts[0]!) / 3, (rtts[1]! - rtts[0]!) / 2];
        for (let m = 0; m < ICMP_METRICS.length; m++) sample(out, ICMP_METRICS[m]!, base, ts, r3(values[m]!));
        sample(out, 'icmp_loss_ratio', base, ts, rnd() < 0.02 ? 0.05 : 0);
        sample(out, 'probe_success', success, ts, 1);
        sample(out, 'probe_duration_ms', base, ts, r3(19_000 + rnd() * 200));
      },
    });
  }
  for (let i = 0; i < 8; i++) {
    const app = APPS[i]!;
    const target = `https://${app}.national.example.invalid/health`;
    const base: Labels = { check: `http:${app}`, target, role: 'national-app', app };
    const phases = PHASES.map((phase) => ({ ...base, phase }));
    const success: Labels = { ...base, outcome: 'success' };
    checks.push({
      offsetMs: 2000 + i * 1500,
      periodMs: 60_000,
      emit: (ts, out) => {
        let total = 0;
        for (let p = 0; p < PHASES.length; p++) {
          const v = r3((p === 3 ? 80 : 6) * (1 + rnd()));
          total += v;
          sample(out, 'http_phase_ms', phases[p]!, ts, v);
        }
        sample(out, 'http_total_ms', base, ts, r3(total));
        sample(out, 'http_status_code', base, ts, 200);
        sample(out, 'tls_cert_expiry_days', base, ts, 200 - (Math.floor(ts / 86_400_000) % 100));
        sample(out, 'probe_success', success, ts, 1);
        sample(out, 'probe_duration_ms', base, ts, r3(total + 0.3));
      },
    });
  }
  for (let d = 0; d < 4; d++) {
    const target = `${net}.${d + 1}:161`;
    const base: Labels = { check: `snmp:${target}`, target, role: d === 1 ? 'n3-gateway' : 'lan-gateway' };
    const ifs = Array.from({ length: 48 }, (_, p) => ({
      // ifRole as the agent sends it: the role of the port's `interfaces:` selector, else none
      labels: { ...base, ifName: `ge-0/0/${p}`, ifIndex: String(p + 1), ifRole: p === 0 ? (d === 1 ? 'n3-gateway' : 'lan-gateway') : 'none' },
      speed: p === 0 ? 1e8 : 1e9,
    }));
    const success: Labels = { ...base, outcome: 'success' };
    let uptime = 1_000_000 + Math.floor(rnd() * 1e6);
    checks.push({
      offsetMs: 5000 + d * 2500,
      periodMs: 60_000,
      emit: (ts, out) => {
        for (const itf of ifs) {
          const inBps = Math.round(itf.speed * 0.2 * rnd());
          const outBps = Math.round(itf.speed * 0.1 * rnd());
          sample(out, IF_METRICS[0], itf.labels, ts, inBps);
          sample(out, IF_METRICS[1], itf.labels, ts, outBps);
          sample(out, IF_METRICS[2], itf.labels, ts, r3(inBps / itf.speed));
          sample(out, IF_METRICS[3], itf.labels, ts, r3(outBps / itf.speed));
          sample(out, IF_METRICS[4], itf.labels, ts, rnd() < 0.01 ? r3(rnd()) : 0);
          sample(out, IF_METRICS[5], itf.labels, ts, 0);
          sample(out, IF_METRICS[6], itf.labels, ts, rnd() < 0.01 ? r3(rnd()) : 0);
          sample(out, IF_METRICS[7], itf.labels, ts, 0);
          sample(out, IF_METRICS[8], itf.labels, ts, 1);
        }
        uptime += 60;
        sample(out, 'snmp_device_uptime_s', base, ts, uptime);
        sample(out, 'snmp_poll_ms', base, ts, r3(40 + rnd() * 30));
        sample(out, 'probe_success', success, ts, 1);
        sample(out, 'probe_duration_ms', base, ts, r3(45 + rnd() * 30));
      },
    });
  }
  {
    const base: Labels = { check: 'host', target: `srv-${spec.practice.toLowerCase()}-${spec.agent}`, role: 'server' };
    const mounts = ['/', '/var'].map((mount) => ({ ...base, mount }));
    const ifaces = ['eth0', 'eth1'].map((iface) => ({ ...base, iface }));
    const success: Labels = { ...base, outcome: 'success' };
    checks.push({
      offsetMs: 30_000,
      periodMs: 60_000,
      emit: (ts, out) => {
        sample(out, 'host_cpu_load_ratio', base, ts, r3(0.2 + rnd() * 0.3));
        sample(out, 'host_mem_used_ratio', base, ts, r3(0.6 + rnd() * 0.05));
        for (const m of mounts) sample(out, 'host_disk_used_ratio', m, ts, r3(0.4 + rnd() * 0.01));
        for (const i of ifaces) sample(out, 'host_net_rx_bps', i, ts, Math.round(rnd() * 5e7));
        for (const i of ifaces) sample(out, 'host_net_tx_bps', i, ts, Math.round(rnd() * 2e7));
        sample(out, 'probe_success', success, ts, 1);
        sample(out, 'probe_duration_ms', base, ts, r3(510 + rnd() * 20));
      },
    });
  }
  {
    const base: Labels = { check: 'agent' };
    checks.push({
      offsetMs: 59_000,
      periodMs: 60_000,
      emit: (ts, out) => {
        sample(out, 'agent_spool_samples', base, ts, Math.floor(rnd() * 5000));
        sample(out, 'agent_spool_oldest_age_s', base, ts, r3(rnd() * 60));
        sample(out, 'agent_dropped_samples_total', base, ts, 0);
        sample(out, 'agent_clock_skew_ms', base, ts, r3(rnd() * 4 - 2));
      },
    });
  }
  return checks;
}

/**
 * An agent's samples from `fromMs` (minute-aligned) on, in time order, cut into batches of
 * `batch` samples; stops after `batches` batches. Each run's samples share its start time (as the
 * agent's scheduler stamps them).
 */
export function* agentBatches(spec: AgentSpec, opts: { fromMs: number; batch: number; batches: number }): Generator<WireSample[]> {
  const rnd = prng(0x9e3779b9 ^ (spec.index * 2654435761));
  const checks = checksOf(spec, rnd);
  // Runs in time order: each check's run times within a minute, merged.
  const runs: { at: number; check: Check }[] = [];
  for (const c of checks) for (let at = c.offsetMs; at < 60_000; at += c.periodMs) runs.push({ at, check: c });
  runs.sort((a, b) => a.at - b.at);
  let current: WireSample[] = [];
  let made = 0;
  const minuteOut: WireSample[] = [];
  for (let minute = opts.fromMs; ; minute += 60_000) {
    minuteOut.length = 0;
    for (const r of runs) r.check.emit(minute + r.at, minuteOut);
    for (const s of minuteOut) {
      current.push(s);
      if (current.length === opts.batch) {
        yield current;
        current = [];
        if (++made === opts.batches) return;
      }
    }
  }
}

const TAG_ESCAPE = /[ ,=\\]/g;

/** InfluxDB 1.x line protocol: measurement = metric, tags = practice, agent and labels (sorted), field value, ms ts. */
export function lineProtocol(practice: string, agent: string, samples: readonly WireSample[]): string {
  const tagCache = new Map<Labels, string>();
  let out = '';
  for (const s of samples) {
    let tags = tagCache.get(s.labels as Labels);
    if (tags === undefined) {
      const all: Labels = { ...s.labels, practice, agent };
      tags = Object.keys(all)
        .sort()
        .map((k) => `,${k}=${(all[k] as string).replace(TAG_ESCAPE, (c) => `\\${c}`)}`)
        .join('');
      tagCache.set(s.labels as Labels, tags);
    }
    out += `${s.metric}${tags} value=${s.value} ${s.ts}\n`;
  }
  return out;
}
