/**
 * The reference practice's series for the rule-evaluation benches (bench/rules.ts): 10 ICMP
 * targets (2 national link, 2 LAN gateway, 4 national-app hosts, 2 internet), 8 TCP and 8 HTTP
 * national-app checks, 2 SNMP devices × 10 interfaces (2 WAN), host metrics. `live` are the 163
 * series with a metric some live rule of the default profile uses; `rest` the others the agent
 * sends for the same checks (they cost the evaluator nothing, but the store indexes them).
 */
import type { WireSample } from '../../shared/src/wire.ts';

export type SeriesDef = { metric: string; labels: Record<string, string>; value: (ts: number) => number };

const wobble = (base: number) => (ts: number) => base * (1 + 0.2 * Math.sin(ts / 97_000));

export function practiceSeries(): { live: SeriesDef[]; rest: SeriesDef[] } {
  const live: SeriesDef[] = [];
  const rest: SeriesDef[] = [];
  const icmp = [
    ...['n3-gateway', 'n3-gateway', 'lan-gateway', 'lan-gateway', 'internet', 'internet'].map((role, i) => ({ role, target: `10.0.${i}.1` })),
    ...['spine', 'eps', 'ers', 'mesh'].map((app, i) => ({ role: 'national-app', app, target: `10.1.${i}.1` })),
  ];
  for (const t of icmp) {
    const labels = { ...t, check: `icmp:${t.target}` };
    live.push({ metric: 'icmp_rtt_avg_ms', labels, value: wobble(t.role === 'lan-gateway' ? 1 : 20) });
    live.push({ metric: 'icmp_jitter_ms', labels, value: wobble(1) });
    live.push({ metric: 'icmp_loss_ratio', labels, value: () => 0 });
    live.push({ metric: 'probe_success', labels: { ...labels, outcome: 'success' }, value: () => 1 });
    for (const m of ['icmp_rtt_min_ms', 'icmp_rtt_median_ms', 'icmp_rtt_max_ms', 'icmp_rtt_stddev_ms'])
      rest.push({ metric: m, labels, value: wobble(t.role === 'lan-gateway' ? 1 : 20) });
  }
  for (const app of ['spine', 'pds', 'sds', 'eps', 'ers', 'gp2gp', 'scr', 'mesh']) {
    const tcp = { role: 'national-app', app, target: `${app}.nhs.invalid:443`, check: `tcp:${app}` };
    live.push({ metric: 'tcp_connect_ms', labels: tcp, value: wobble(40) });
    live.push({ metric: 'probe_success', labels: { ...tcp, outcome: 'success' }, value: () => 1 });
    const http = { role: 'national-app', app, target: `https://${app}.nhs.invalid/`, check: `http:${app}` };
    for (const phase of ['dns', 'connect', 'tls', 'ttfb', 'transfer'])
      live.push({ metric: 'http_phase_ms', labels: { ...http, phase }, value: wobble(phase === 'ttfb' ? 200 : 30) });
    live.push({ metric: 'http_total_ms', labels: http, value: wobble(400) });
    live.push({ metric: 'tls_cert_expiry_days', labels: http, value: () => 200 });
    live.push({ metric: 'probe_success', labels: { ...http, outcome: 'success' }, value: () => 1 });
    rest.push({ metric: 'http_status_code', labels: http, value: () => 200 });
  }
  for (let dev = 0; dev < 2; dev++) {
    const device = `10.2.${dev}.1`;
    const role = dev === 0 ? 'n3-gateway' : 'lan-gateway';
    for (let i = 1; i <= 10; i++) {
      const labels = { role, device, ifName: `ge-0/0/${i}`, ifIndex: String(i), ifRole: dev === 0 && i <= 2 ? 'n3-gateway' : 'none', check: `snmp:${dev}` };
      live.push({ metric: 'snmp_if_in_utilisation_ratio', labels, value: wobble(0.3) });
      live.push({ metric: 'snmp_if_out_utilisation_ratio', labels, value: wobble(0.2) });
      for (const m of ['snmp_if_in_bps', 'snmp_if_out_bps', 'snmp_if_in_errors_per_s', 'snmp_if_out_errors_per_s', 'snmp_if_in_discards_per_s'])
        rest.push({ metric: m, labels, value: wobble(1e6) });
      rest.push({ metric: 'snmp_if_oper_up', labels, value: () => 1 });
    }
    rest.push({ metric: 'snmp_device_uptime_s', labels: { role, device, check: `snmp:${dev}` }, value: (ts) => ts / 1000 });
    rest.push({ metric: 'snmp_poll_ms', labels: { role, device, check: `snmp:${dev}` }, value: wobble(50) });
  }
  live.push({ metric: 'host_mem_used_ratio', labels: { role: 'server', check: 'host' }, value: wobble(0.6) });
  for (const mount of ['/', '/var']) live.push({ metric: 'host_disk_used_ratio', labels: { role: 'server', check: 'host', mount }, value: () => 0.5 });
  rest.push({ metric: 'host_cpu_load_ratio', labels: { role: 'server', check: 'host' }, value: wobble(0.3) });
  for (const iface of ['eth0', 'eth1'])
    for (const m of ['host_net_rx_bps', 'host_net_tx_bps']) rest.push({ metric: m, labels: { role: 'server', check: 'host', iface }, value: wobble(1e5) });
  return { live, rest };
}

export const M = 60_000;
export const T0 = Date.UTC(2026, 10, 2, 9, 0);
export const ods = (i: number): string => `P${String(i).padStart(5, '0')}`;

/** One minute of samples of practice `practice` (each series once, a few seconds into the minute). */
export function minuteOf(defs: readonly SeriesDef[], practice: number, minute: number): WireSample[] {
  const ts = T0 + minute * M + (practice % 60) * 1000;
  return defs.map((d) => ({ metric: d.metric, labels: d.labels, ts, value: d.value(ts + practice) }));
}
