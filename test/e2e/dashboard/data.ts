/**
 * Samples for the dashboard test, shaped as a real agent sends them (the probes' metric names and
 * labels), for a few practices in different conditions. Deterministic: a seeded generator.
 */
import { IF_ROLE_LABEL, IF_ROLE_NONE, NATIONAL_LINK_ROLE } from '../../../shared/src/roles.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { rng } from '../../helpers/rng.ts';

export const MIN = 60_000;

export interface Condition {
  /** Base RTT (ms) to the LAN gateway and to the national-link gateway. */
  lanMs: number;
  n3Ms: number;
  /** Loss ratio of the national link at minute offset m from the end (0 = newest). */
  n3Loss: (minutesAgo: number) => number;
  /** HTTP total (ms) to the national app, and whether its latest run failed. */
  httpMs: number;
  httpFailsFor: number;
  /** Interface utilisation of the WAN port, 0..1. */
  wanUtil: number;
  /** Errors per second on a LAN port (0 = clean). */
  lanErrors: number;
  /** Used share of the data disk, 0..1. */
  dataDisk: number;
  /** Base RTT (ms) to the branch surgery's router (role branch-site); undefined: no branch site. */
  branchMs?: number;
}

function icmp(out: WireSample[], labels: Record<string, string>, ts: number, base: number, loss: number, r: () => number): void {
  out.push({ metric: 'icmp_loss_ratio', labels, ts, value: loss });
  out.push({ metric: 'probe_success', labels: { ...labels, outcome: loss >= 1 ? 'timeout' : 'success' }, ts, value: loss >= 1 ? 0 : 1 });
  if (loss >= 1) return; // a dead target has no RTT, never 0
  const min = base * (0.92 + r() * 0.04);
  const median = base * (1 + r() * 0.08);
  const max = base * (1.25 + r() * 0.9);
  out.push(
    { metric: 'icmp_rtt_min_ms', labels, ts, value: min },
    { metric: 'icmp_rtt_median_ms', labels, ts, value: median },
    { metric: 'icmp_rtt_avg_ms', labels, ts, value: (min + median + max) / 3 },
    { metric: 'icmp_rtt_max_ms', labels, ts, value: max },
    { metric: 'icmp_jitter_ms', labels, ts, value: base * 0.05 * (1 + r()) },
  );
}

/** One sample set per minute over [from, to). */
export function practiceSamples(c: Condition, from: number, to: number, seed: number): WireSample[] {
  const r = rng(seed);
  const out: WireSample[] = [];
  const lan = { check: 'gw-ping', role: 'lan-gateway', target: '192.0.2.1' };
  const n3 = { check: 'hscn-ping', role: 'n3-gateway', target: '198.51.100.1' };
  const spine = { check: 'spine-https', role: 'national-app', app: 'spine', target: 'https://spine.example.invalid/health' };
  const tcp = { check: 'eps-tcp', role: 'national-app', app: 'eps', target: '203.0.113.10:443' };
  const router = { check: 'router-snmp', role: 'n3-gateway', device: '192.0.2.2:161' };
  // as the documented agent config's branch check: `role: branch-site`, `labels: { site: "Branch" }`
  const branch = { site: 'Branch', target: '192.0.2.65', role: 'branch-site', check: 'branch-router' };
  for (let ts = from; ts < to; ts += MIN) {
    const ago = Math.round((to - ts) / MIN);
    icmp(out, lan, ts, c.lanMs, 0, r);
    icmp(out, n3, ts, c.n3Ms * (1 + 0.3 * Math.sin(ts / (20 * MIN))), c.n3Loss(ago), r);
    if (c.branchMs !== undefined) icmp(out, branch, ts, c.branchMs, 0, r);
    const failing = ago <= c.httpFailsFor;
    out.push({ metric: 'probe_success', labels: { ...spine, outcome: failing ? 'timeout' : 'success' }, ts, value: failing ? 0 : 1 });
    if (!failing) {
      const total = c.httpMs * (0.9 + r() * 0.3);
      const split = { dns: 0.05, connect: 0.15, tls: 0.3, ttfb: 0.4, transfer: 0.1 };
      for (const [phase, share] of Object.entries(split)) out.push({ metric: 'http_phase_ms', labels: { ...spine, phase }, ts, value: total * share });
      out.push({ metric: 'http_total_ms', labels: spine, ts, value: total }, { metric: 'http_status_code', labels: spine, ts, value: 200 });
    }
    out.push(
      { metric: 'tcp_connect_ms', labels: tcp, ts, value: c.n3Ms * (1.1 + r() * 0.2) },
      { metric: 'probe_success', labels: { ...tcp, outcome: 'success' }, ts, value: 1 },
    );
    for (const [ifName, ifIndex, util, errs] of [
      ['wan0', '1', c.wanUtil, 0],
      ['lan1', '2', c.wanUtil * 0.6, c.lanErrors],
      ['lan2', '3', 0.05, 0],
    ] as const) {
      // ifRole as the agent sends it: the national-link port's selector says role n3-gateway, the others none
      const l = { ...router, ifName, ifIndex, [IF_ROLE_LABEL]: ifName === 'wan0' ? NATIONAL_LINK_ROLE : IF_ROLE_NONE };
      const u = Math.min(1, util * (0.85 + r() * 0.3));
      out.push(
        { metric: 'snmp_if_in_utilisation_ratio', labels: l, ts, value: u },
        { metric: 'snmp_if_out_utilisation_ratio', labels: l, ts, value: u * 0.4 },
        { metric: 'snmp_if_in_errors_per_s', labels: l, ts, value: errs * (ago < 30 ? 1 : 0) },
        { metric: 'snmp_if_out_errors_per_s', labels: l, ts, value: 0 },
        { metric: 'snmp_if_in_discards_per_s', labels: l, ts, value: 0 },
        { metric: 'snmp_if_out_discards_per_s', labels: l, ts, value: 0 },
      );
    }
    const host = { check: 'host' };
    out.push(
      { metric: 'host_cpu_load_ratio', labels: host, ts, value: 0.2 + r() * 0.2 },
      { metric: 'host_mem_used_ratio', labels: host, ts, value: 0.55 + r() * 0.05 },
      { metric: 'host_disk_used_ratio', labels: { ...host, mount: '/' }, ts, value: 0.62 },
      { metric: 'host_disk_used_ratio', labels: { ...host, mount: 'D:' }, ts, value: c.dataDisk },
      { metric: 'probe_success', labels: { ...host, outcome: 'success' }, ts, value: 1 },
    );
  }
  return out;
}

export const HEALTHY: Condition = {
  lanMs: 0.6,
  n3Ms: 18,
  n3Loss: () => 0,
  httpMs: 420,
  httpFailsFor: -1,
  wanUtil: 0.35,
  lanErrors: 0,
  dataDisk: 0.64,
  branchMs: 9,
};
/** The national app times out now (warning by the default status); the LAN drops a few packets. */
export const APP_DOWN: Condition = { ...HEALTHY, n3Ms: 24, httpMs: 900, httpFailsFor: 3, wanUtil: 0.55, lanErrors: 2.5, dataDisk: 0.84 };
/** The national link is slow and lossy for the last 45 minutes, totally down for the last 3. */
export const LINK_BAD: Condition = {
  ...HEALTHY,
  n3Ms: 210,
  n3Loss: (ago) => (ago <= 3 ? 1 : ago <= 45 ? 0.06 : 0),
  httpMs: 2600,
  httpFailsFor: 3,
  wanUtil: 0.93,
  lanErrors: 0,
  branchMs: 130,
};
