/**
 * From what ping printed to samples and an outcome (pure). The probe measures; the collector
 * judges: a burst with any reply is `success` whatever its loss — the loss is the data.
 *
 * | ping said                                   | outcome       | samples                    |
 * |---------------------------------------------|---------------|----------------------------|
 * | at least one echo reply                     | success       | loss + all RTT statistics  |
 * | no reply, an ICMP error (unreachable, TTL)  | unreachable   | loss 1, no RTT             |
 * | no reply, no error                          | timeout       | loss 1, no RTT             |
 * | no route to the target (nothing sent)       | unreachable   | loss 1, no RTT             |
 * | unknown host                                | dns_error     | none (nothing was sent)    |
 * | not allowed to ping                         | unavailable   | none                       |
 * | output n3mon cannot read                    | internal_error| none                       |
 */
import type { ProbeResult, ProbeSample } from '../types.ts';
import type { ParsedPing } from './parse.ts';
import { lossRatio, rttStats } from './stats.ts';

/** Microsecond precision: ping prints at most three decimals; this hides float noise. */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function pingResult(parsed: ParsedPing, opts: { count: number }): ProbeResult {
  const { failure } = parsed;
  if (failure !== undefined && parsed.replies.length === 0) {
    switch (failure.kind) {
      case 'unknown_host':
        return { outcome: 'dns_error', samples: [], message: failure.text };
      case 'no_route':
        return { outcome: 'unreachable', samples: [{ metric: 'icmp_loss_ratio', value: 1 }], message: failure.text };
      case 'permission':
        return { outcome: 'unavailable', samples: [], message: failure.text };
      case 'unrecognised':
        return { outcome: 'internal_error', samples: [], message: `unrecognised ping output: ${failure.text}` };
    }
  }

  // Without a summary (ping cut short) the burst we asked for is the best count of what was sent.
  const sent = parsed.transmitted ?? Math.max(opts.count, parsed.replies.length);
  const received = parsed.replies.length;
  const loss = lossRatio(sent, received);
  if (loss === undefined) {
    return { outcome: 'internal_error', samples: [], message: 'ping reported 0 packets transmitted' };
  }
  const samples: ProbeSample[] = [{ metric: 'icmp_loss_ratio', value: loss }];
  const stats = rttStats(parsed.replies.map((r) => r.rttMs));
  if (stats === undefined) {
    const error = parsed.errors[0];
    if (error !== undefined) return { outcome: 'unreachable', samples, message: error.text };
    return { outcome: 'timeout', samples, message: `no reply to ${sent} echo request(s)` };
  }
  samples.push(
    { metric: 'icmp_rtt_min_ms', value: round3(stats.minMs) },
    { metric: 'icmp_rtt_avg_ms', value: round3(stats.avgMs) },
    { metric: 'icmp_rtt_median_ms', value: round3(stats.medianMs) },
    { metric: 'icmp_rtt_max_ms', value: round3(stats.maxMs) },
    { metric: 'icmp_rtt_stddev_ms', value: round3(stats.stddevMs) },
  );
  if (stats.jitterMs !== undefined) samples.push({ metric: 'icmp_jitter_ms', value: round3(stats.jitterMs) });
  return { outcome: 'success', samples };
}
