/**
 * The metric names of the outside contract (PRODUCT.md). Units are in the names. Stable: append,
 * never rename. docs/metrics.md documents each; a test keeps the two in step.
 *
 * Every sample also carries `practice` and `agent` (added by the collector from the token) and
 * the check's base labels: `check` (its id), `role`, `target` or `device`, and `app` where set.
 */
export interface MetricInfo {
  /** Where it comes from: a probe kind, `any` (the scheduler, for every check) or `agent`. */
  readonly source: 'icmp' | 'tcp' | 'dns' | 'http' | 'snmp' | 'host' | 'throughput' | 'any' | 'agent';
  readonly unit: 'ms' | 'ratio' | 'bps' | 'per_s' | 's' | 'days' | 'bool' | 'count' | 'code';
  /** Labels this metric adds to the base labels. */
  readonly labels: readonly string[];
  readonly help: string;
}

export const METRICS = {
  icmp_rtt_min_ms: { source: 'icmp', unit: 'ms', labels: [], help: 'Fastest echo reply of the burst.' },
  icmp_rtt_avg_ms: { source: 'icmp', unit: 'ms', labels: [], help: 'Mean RTT of the replies of the burst.' },
  icmp_rtt_median_ms: { source: 'icmp', unit: 'ms', labels: [], help: 'Median RTT of the replies of the burst.' },
  icmp_rtt_max_ms: { source: 'icmp', unit: 'ms', labels: [], help: 'Slowest echo reply of the burst.' },
  icmp_rtt_stddev_ms: { source: 'icmp', unit: 'ms', labels: [], help: 'Population standard deviation of the RTTs of the burst.' },
  icmp_jitter_ms: {
    source: 'icmp',
    unit: 'ms',
    labels: [],
    help: "Mean absolute difference of consecutive replies' RTTs (RFC 3550 inter-arrival jitter without the 1/16 smoothing; see docs/metrics.md).",
  },
  icmp_loss_ratio: {
    source: 'icmp',
    unit: 'ratio',
    labels: [],
    help: "Share of the burst's echo requests without a reply, 0..1. A dead host is 1 with no RTT samples.",
  },
  trace_hop_rtt_ms: {
    source: 'icmp',
    unit: 'ms',
    labels: ['hop', 'hopAddr'],
    help: 'Mean RTT to one hop of a path trace (mtr, several probes per hop); only hops that answered. `hop` is the TTL (1..maxHops), `hopAddr` its address.',
  },
  trace_hop_loss_ratio: {
    source: 'icmp',
    unit: 'ratio',
    labels: ['hop', 'hopAddr'],
    help: "Share of a path trace's probes to one hop without an answer, 0..1; `hopAddr` is `???` for a hop that never answered.",
  },
  trace_hops: {
    source: 'icmp',
    unit: 'count',
    labels: ['reason'],
    help: "Hops of a path trace to the check's target; `reason` = burst (the burst went over its level) | baseline (the hourly trace).",
  },
  trace_path_changed: {
    source: 'icmp',
    unit: 'bool',
    labels: [],
    help: "1 when this trace's hop list differs from the previous trace to the same target, else 0.",
  },
  tcp_connect_ms: { source: 'tcp', unit: 'ms', labels: [], help: 'Time to complete the TCP three-way handshake.' },
  dns_lookup_ms: { source: 'dns', unit: 'ms', labels: [], help: 'Time to resolve the name (system resolver or the configured server).' },
  http_phase_ms: {
    source: 'http',
    unit: 'ms',
    labels: ['phase'],
    help: 'Time spent in one phase of an HTTP request: phase = dns | connect | tls | ttfb | transfer.',
  },
  http_total_ms: { source: 'http', unit: 'ms', labels: [], help: 'Whole HTTP request, from start to the last byte of the body.' },
  http_status_code: { source: 'http', unit: 'code', labels: [], help: 'HTTP status code of the final response.' },
  tls_cert_expiry_days: { source: 'http', unit: 'days', labels: [], help: 'Days until the server certificate expires (negative once expired).' },
  probe_success: {
    source: 'any',
    unit: 'bool',
    labels: ['outcome'],
    help: '1 if the check succeeded, else 0; `outcome` says how it ended (docs/outcomes.md).',
  },
  probe_duration_ms: { source: 'any', unit: 'ms', labels: [], help: 'Wall time of the whole check run, as the scheduler measured it.' },
  snmp_if_in_bps: {
    source: 'snmp',
    unit: 'bps',
    labels: ['ifName', 'ifIndex', 'ifRole'],
    help: 'Inbound bit rate of the interface over the last poll interval.',
  },
  snmp_if_out_bps: {
    source: 'snmp',
    unit: 'bps',
    labels: ['ifName', 'ifIndex', 'ifRole'],
    help: 'Outbound bit rate of the interface over the last poll interval.',
  },
  snmp_if_in_utilisation_ratio: {
    source: 'snmp',
    unit: 'ratio',
    labels: ['ifName', 'ifIndex', 'ifRole'],
    help: 'Inbound rate / speed (or the configured contracted bandwidth).',
  },
  snmp_if_out_utilisation_ratio: {
    source: 'snmp',
    unit: 'ratio',
    labels: ['ifName', 'ifIndex', 'ifRole'],
    help: 'Outbound rate / speed (or the configured contracted bandwidth).',
  },
  snmp_if_in_errors_per_s: { source: 'snmp', unit: 'per_s', labels: ['ifName', 'ifIndex', 'ifRole'], help: 'Inbound errors per second (ifInErrors).' },
  snmp_if_out_errors_per_s: { source: 'snmp', unit: 'per_s', labels: ['ifName', 'ifIndex', 'ifRole'], help: 'Outbound errors per second (ifOutErrors).' },
  snmp_if_in_discards_per_s: { source: 'snmp', unit: 'per_s', labels: ['ifName', 'ifIndex', 'ifRole'], help: 'Inbound discards per second (ifInDiscards).' },
  snmp_if_out_discards_per_s: { source: 'snmp', unit: 'per_s', labels: ['ifName', 'ifIndex', 'ifRole'], help: 'Outbound discards per second (ifOutDiscards).' },
  snmp_if_oper_up: { source: 'snmp', unit: 'bool', labels: ['ifName', 'ifIndex', 'ifRole'], help: '1 if ifOperStatus is up(1), else 0.' },
  snmp_device_uptime_s: { source: 'snmp', unit: 's', labels: [], help: 'Device uptime (sysUpTime, wrap-corrected; snmpEngineTime for v3 where better).' },
  snmp_poll_ms: { source: 'snmp', unit: 'ms', labels: [], help: 'Time to poll the device (all its tables).' },
  snmp_if_counter_discontinuity: {
    source: 'snmp',
    unit: 'count',
    labels: ['ifName', 'ifIndex', 'ifRole', 'reason'],
    help: 'Sent (value 1) for a poll interval whose rates were withheld because the counters are not continuous: `reason` = agent_restarted | engine_boots_changed | interface_changed | discontinuity_time_changed | counter_went_back | rate_exceeds_speed | counter32_ambiguous | counter_width_changed | no_time_elapsed.',
  },
  snmp_if_speed_mismatch_bps: {
    source: 'snmp',
    unit: 'bps',
    labels: ['ifName', 'ifIndex', 'ifRole', 'direction'],
    help: 'Sent with a rate more than 1.5 × the speed the device reports for the interface (snmpd says lo is 10 Mbit/s, Cisco dialers 56 kbit/s) when no speedBps or inBps/outBps is configured for it: value = the reported speed; `direction` = in | out. The rate is sent; the utilisation is not (its denominator is wrong).',
  },
  host_cpu_load_ratio: { source: 'host', unit: 'ratio', labels: [], help: 'Share of all CPU time busy since the last run, 0..1.' },
  host_mem_used_ratio: { source: 'host', unit: 'ratio', labels: [], help: 'Memory in use (excluding buffers/cache) / total, 0..1.' },
  host_disk_used_ratio: {
    source: 'host',
    unit: 'ratio',
    labels: ['mount'],
    help: 'Used / (used + available) of the filesystem mounted at `mount`, 0..1 — what df shows as Use%.',
  },
  host_net_rx_bps: { source: 'host', unit: 'bps', labels: ['iface'], help: 'Received bit rate of the interface since the last run.' },
  host_net_tx_bps: { source: 'host', unit: 'bps', labels: ['iface'], help: 'Transmitted bit rate of the interface since the last run.' },
  throughput_down_bps: {
    source: 'throughput',
    unit: 'bps',
    labels: ['reading'],
    help: "Download rate from the collector's throughput endpoint; `reading` (only when it cannot be trusted) = lower_bound | stalled | receiver_behind.",
  },
  throughput_up_bps: {
    source: 'throughput',
    unit: 'bps',
    labels: ['reading'],
    help: "Upload rate to the collector's throughput endpoint; `reading` (only when it cannot be trusted) = lower_bound | stalled | receiver_behind.",
  },
  agent_spool_samples: { source: 'agent', unit: 'count', labels: [], help: "Samples waiting in the agent's spool for the collector's acknowledgement." },
  agent_spool_oldest_age_s: { source: 'agent', unit: 's', labels: [], help: 'Age of the oldest sample in the spool (0 when empty).' },
  agent_dropped_samples_total: {
    source: 'agent',
    unit: 'count',
    labels: [],
    help: 'Samples the agent had to drop (oldest first) to stay within spool.maxBytes, since the spool was created.',
  },
  agent_clock_skew_ms: {
    source: 'agent',
    unit: 'ms',
    labels: [],
    help: 'Agent clock minus collector clock, from the last push round trip (midpoint estimate).',
  },
  agent_rejected_samples_total: {
    source: 'agent',
    unit: 'count',
    labels: ['fromCheck'],
    help: "Samples of the check `fromCheck` set aside, since the spool was created: refused by the collector, or found by the agent to break a rule the collector applies (shared/src/sample-rules.ts). Kept in the spool's rejected table, never sent again.",
  },
} as const satisfies Record<string, MetricInfo>;

/** The phases of an HTTP request, in order: the `phase` label of http_phase_ms (probe, report, dashboard). */
export const HTTP_PHASES = ['dns', 'connect', 'tls', 'ttfb', 'transfer'] as const;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export function isMetricName(value: string): value is MetricName {
  return Object.hasOwn(METRICS, value);
}

/** Roles a check (and so every series it produces) can have: defined in ./roles.ts. */
export { ROLES, type Role } from './roles.ts';
