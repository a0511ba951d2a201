/** From a trace's hops to samples (pure), and whether the path changed. */
import type { ProbeSample } from '../types.ts';
import type { TraceHop } from './parse.ts';
import type { TraceReason } from './trigger.ts';

/** The hop list that identifies a path: the addresses in TTL order (`???` included). */
export function pathOf(hops: readonly TraceHop[]): string {
  return hops.map((h) => h.addr).join(' ');
}

export function traceSamples(hops: readonly TraceHop[], opts: { ts: number; reason: TraceReason; previousPath?: string }): ProbeSample[] {
  const { ts } = opts;
  const out: ProbeSample[] = [{ metric: 'trace_hops', value: hops.length, labels: { reason: opts.reason }, ts }];
  for (const h of hops) {
    const labels = { hop: String(h.hop), hopAddr: h.addr };
    out.push({ metric: 'trace_hop_loss_ratio', value: h.lossRatio, labels, ts });
    if (h.avgMs !== undefined) out.push({ metric: 'trace_hop_rtt_ms', value: h.avgMs, labels, ts });
  }
  if (opts.previousPath !== undefined) out.push({ metric: 'trace_path_changed', value: opts.previousPath === pathOf(hops) ? 0 : 1, ts });
  return out;
}
