/**
 * The path trace that goes with an alert: the agent's trace of the alert's check (samples
 * `trace_hops`, `trace_hop_loss_ratio`, `trace_hop_rtt_ms`, `trace_path_changed` with the check's
 * labels; agent/src/probes/trace/) nearest in event time to the alert's start, within
 * TRACE_LINK_WINDOW_MS either side, with the hop that introduced the loss or delay marked
 * (./trace-culprit.ts). Read from the series store when the alert is read, so a trace that arrives
 * after the alert opened (the agent sends it with its next burst, or with a late backlog) is
 * linked as soon as it is stored.
 */
import type { SeriesStore } from '../storage/types.ts';
import { traceCulprit, type Culprit, type TracedHop } from './trace-culprit.ts';

/** How far from the alert's start a trace still explains it: the agent's default minIntervalMs (5 min) and a burst interval or two. */
export const TRACE_LINK_WINDOW_MS = 10 * 60_000;

export interface AlertTrace {
  at: number;
  reason: string;
  hops: (TracedHop & { culprit: boolean })[];
  culprit: Culprit | null;
  /** Whether this trace's hop list differs from the previous one; null for the first trace. */
  pathChanged: boolean | null;
}

export interface AlertKey {
  practice: string;
  agent: string;
  metric: string;
  labels: Readonly<Record<string, string>>;
  startedAt: number;
}

export async function nearestTrace(store: SeriesStore, alert: AlertKey, windowMs = TRACE_LINK_WINDOW_MS): Promise<AlertTrace | null> {
  if (!alert.metric.startsWith('icmp_')) return null;
  const check = alert.labels['check'];
  const target = alert.labels['target'];
  if (check === undefined && target === undefined) return null;
  const labels: Record<string, string> = check !== undefined ? { check } : { target: target as string };
  const base = { practice: alert.practice, agent: alert.agent, labels };
  let best: { ts: number; reason: string } | undefined;
  for (const s of await store.findSeries({ ...base, metric: 'trace_hops' })) {
    for (const p of await store.raw(s.id, alert.startedAt - windowMs, alert.startedAt + windowMs + 1)) {
      if (best === undefined || Math.abs(p.ts - alert.startedAt) < Math.abs(best.ts - alert.startedAt)) best = { ts: p.ts, reason: s.labels['reason'] ?? '' };
    }
  }
  if (best === undefined) return null;
  const at = best.ts;
  const hops = new Map<number, TracedHop>();
  for (const s of await store.findSeries({ ...base, metric: ['trace_hop_loss_ratio', 'trace_hop_rtt_ms'] })) {
    const p = (await store.raw(s.id, at, at + 1))[0];
    const hop = Number(s.labels['hop']);
    if (p === undefined || !Number.isInteger(hop)) continue;
    const h = hops.get(hop) ?? { hop, addr: s.labels['hopAddr'] ?? '???', lossRatio: 0 };
    if (s.metric === 'trace_hop_loss_ratio') h.lossRatio = p.value;
    else h.rttMs = p.value;
    hops.set(hop, h);
  }
  let pathChanged: boolean | null = null;
  for (const s of await store.findSeries({ ...base, metric: 'trace_path_changed' })) {
    const p = (await store.raw(s.id, at, at + 1))[0];
    if (p !== undefined) pathChanged = p.value === 1;
  }
  const sorted = [...hops.values()].sort((a, b) => a.hop - b.hop);
  const culprit = traceCulprit(sorted) ?? null;
  return { at, reason: best.reason, hops: sorted.map((h) => ({ ...h, culprit: culprit?.hop === h.hop })), culprit, pathChanged };
}
