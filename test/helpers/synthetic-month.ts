/**
 * A month of synthetic agent data with known outages, gaps, reboots and distributions, for the
 * report tests and the report benchmark. Samples are generated deterministically (seeded PRNG) in
 * time order, as an agent would send them, and delivered through a sink: the real ingest API
 * (`ingestSink`, with backdated timestamps) in tests, the store's write() in the benchmark.
 *
 * What is planted is data (the plan); tests compute their expectations from the plan and from an
 * exact scan of the stored raw samples, never from the report code.
 */
import type { IfRole } from '../../shared/src/roles.ts';
import type { WireSample } from '../../shared/src/wire.ts';
import { rng } from './rng.ts';

export interface Span {
  from: number;
  to: number;
}

export type SyntheticKind = 'icmp' | 'tcp' | 'http' | 'host' | 'snmp';

export interface SyntheticCheck {
  id: string;
  kind: SyntheticKind;
  role: string;
  /** `target` label (icmp/tcp/http) or `device` label (snmp). */
  target: string;
  app?: string;
  intervalMs: number;
  /** Runs start this far into each interval (so checks do not all land on the same ms). */
  offsetMs: number;
  /** Median of the main timing (RTT, connect, HTTP total), ms. */
  medianMs?: number;
  /** Log-normal spread of the main timing (sigma of ln). */
  sigma?: number;
  /** Runs in these spans fail (probe_success 0 with `failOutcome`, no timings; ICMP loss 1). */
  down?: Span[];
  failOutcome?: string;
  /**
   * SNMP: interfaces, each [ifName, ifRole, mean utilisation]. ifRole is what the agent sends: the
   * role of its `interfaces:` selector (n3-gateway for the national-link port) or `none`.
   */
  interfaces?: Array<[string, IfRole, number]>;
  /** SNMP: the device reboots at these instants (uptime restarts from 0). */
  reboots?: number[];
  /** HTTP: the phases recorded (default all five). */
  phases?: string[];
  /** Extra metrics per run to reach a series count (benchmark): names of additional gauge series. */
  extraSeries?: number;
}

export interface SyntheticMonth {
  practice: string;
  agent: string;
  from: number;
  to: number;
  checks: SyntheticCheck[];
  /** The agent (and so every check) sent nothing in these spans. */
  gaps: Span[];
  seed: number;
}

function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

const inSpans = (ts: number, spans: readonly Span[] | undefined): boolean => (spans ?? []).some((s) => ts >= s.from && ts < s.to);

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Samples of one run of a check at `ts`. */
function runSamples(c: SyntheticCheck, ts: number, rnd: () => number, month: SyntheticMonth): WireSample[] {
  const base: Record<string, string> = {
    check: c.id,
    role: c.role,
    ...(c.kind === 'snmp' ? { device: c.target } : c.kind === 'host' ? {} : { target: c.target }),
    ...(c.app === undefined ? {} : { app: c.app }),
  };
  const out: WireSample[] = [];
  const push = (metric: string, value: number, labels: Record<string, string> = {}): void => {
    out.push({ metric, labels: { ...base, ...labels }, ts, value });
  };
  const down = inSpans(ts, c.down);
  push('probe_success', down ? 0 : 1, { outcome: down ? (c.failOutcome ?? 'timeout') : 'success' });
  const timing = (): number => round3((c.medianMs ?? 10) * Math.exp((c.sigma ?? 0.3) * gaussian(rnd)));
  switch (c.kind) {
    case 'icmp': {
      if (down) {
        push('icmp_loss_ratio', 1);
        break;
      }
      const lost = rnd() < 0.03 ? 1 : 0;
      push('icmp_loss_ratio', lost / 20);
      const avg = timing();
      push('icmp_rtt_avg_ms', avg);
      push('icmp_jitter_ms', round3(avg * 0.05 * (1 + rnd())));
      break;
    }
    case 'tcp':
      if (!down) push('tcp_connect_ms', timing());
      break;
    case 'http': {
      if (down) break;
      const total = timing();
      const parts: Record<string, number> = { dns: 0.02, connect: 0.1, tls: 0.18, ttfb: 0.6, transfer: 0.1 };
      for (const phase of c.phases ?? Object.keys(parts)) push('http_phase_ms', round3(total * (parts[phase] ?? 0.1)), { phase });
      push('http_total_ms', total);
      break;
    }
    case 'host':
      push('host_cpu_load_ratio', round3(Math.min(1, 0.15 + 0.1 * Math.abs(gaussian(rnd)))));
      push('host_mem_used_ratio', round3(0.62 + 0.05 * rnd()));
      push('host_disk_used_ratio', round3(0.55 + (0.3 * (ts - month.from)) / (month.to - month.from)), { mount: '/' });
      break;
    case 'snmp': {
      if (down) break;
      const lastReboot = Math.max(month.from - 40 * 86_400_000, ...(c.reboots ?? []).filter((r) => r <= ts));
      push('snmp_device_uptime_s', Math.floor((ts - lastReboot) / 1000));
      for (const [ifName, ifRole, meanUtil] of c.interfaces ?? []) {
        const l = { ifName, ifIndex: String((c.interfaces ?? []).findIndex((i) => i[0] === ifName) + 1), ifRole };
        const util = (): number => round3(Math.min(1, Math.max(0, meanUtil * (1 + 0.5 * gaussian(rnd)))));
        const ui = util();
        const uo = util();
        push('snmp_if_in_utilisation_ratio', ui, l);
        push('snmp_if_out_utilisation_ratio', uo, l);
        push('snmp_if_in_bps', Math.round(ui * 80e6), l);
        push('snmp_if_out_bps', Math.round(uo * 20e6), l);
        push('snmp_if_in_errors_per_s', rnd() < 0.01 ? round3(rnd()) : 0, l);
        push('snmp_if_in_discards_per_s', 0, l);
      }
      break;
    }
  }
  for (let i = 0; i < (c.extraSeries ?? 0); i++) push('host_net_rx_bps', Math.round(1e6 * (1 + rnd())), { iface: `eth${i}` });
  return out;
}

/** Every run time of a check in the month (gaps excluded), ascending. */
export function runTimes(month: SyntheticMonth, c: SyntheticCheck): number[] {
  const out: number[] = [];
  const first = Math.ceil((month.from - c.offsetMs) / c.intervalMs) * c.intervalMs + c.offsetMs;
  for (let ts = first; ts < month.to; ts += c.intervalMs) if (!inSpans(ts, month.gaps)) out.push(ts);
  return out;
}

/**
 * The month's samples in time order, in batches of at most `batchSamples` (whole runs per batch),
 * as agents send them.
 */
export function* syntheticBatches(month: SyntheticMonth, batchSamples = 20_000): Generator<WireSample[]> {
  const rnd = rng(month.seed);
  const next = month.checks.map((c) => runTimes(month, c));
  const idx = month.checks.map(() => 0);
  let batch: WireSample[] = [];
  for (;;) {
    let best = -1;
    let bestTs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < next.length; i++) {
      const ts = next[i]?.[idx[i] as number];
      if (ts !== undefined && ts < bestTs) {
        best = i;
        bestTs = ts;
      }
    }
    if (best < 0) break;
    idx[best] = (idx[best] as number) + 1;
    const samples = runSamples(month.checks[best] as SyntheticCheck, bestTs, rnd, month);
    if (batch.length + samples.length > batchSamples && batch.length > 0) {
      yield batch;
      batch = [];
    }
    for (const s of samples) batch.push(s);
  }
  if (batch.length > 0) yield batch;
}

export type SampleSink = (batch: WireSample[], index: number) => Promise<void>;

/** Deliver a month through a sink; returns how many samples and batches went. */
export async function deliverMonth(month: SyntheticMonth, sink: SampleSink, batchSamples = 20_000): Promise<{ samples: number; batches: number; ms: number }> {
  const started = performance.now();
  let samples = 0;
  let batches = 0;
  for (const batch of syntheticBatches(month, batchSamples)) {
    await sink(batch, batches);
    samples += batch.length;
    batches++;
  }
  return { samples, batches, ms: performance.now() - started };
}

/** A sink that POSTs each batch to the collector's real ingest API with the agent token. */
export function ingestSink(baseUrl: string, token: string, batchPrefix = 'synthetic'): SampleSink {
  return async (batch, index) => {
    const res = await fetch(`${baseUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ batchId: `${batchPrefix}-${index}`, samples: batch }),
    });
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
    const body = (await res.json()) as { accepted: number };
    if (body.accepted !== batch.length) throw new Error(`ingest accepted ${body.accepted} of ${batch.length}`);
  };
}
