/**
 * The agent's own health as ordinary samples, recorded into the spool once at start and then
 * every minute: agent_spool_samples, agent_spool_oldest_age_s, agent_dropped_samples_total,
 * agent_rejected_samples_total{fromCheck} per check that had samples set aside and,
 * once a push has been acknowledged, agent_clock_skew_ms. Labels
 * `{ check: 'agent', role: 'server', target: <hostname> }`, so they read like any other check.
 */
import type { Logger } from '../../shared/src/log.ts';
import type { Clock } from '../../shared/src/clock.ts';
import { INGEST_LIMITS, type WireSample } from '../../shared/src/wire.ts';
import type { SpoolStats } from './spool/spool.ts';

export const SELF_METRICS_INTERVAL_MS = 60_000;

export function selfMetricLabels(hostname: string): Record<string, string> {
  return { check: 'agent', role: 'server', target: hostname };
}

/** Pure: the samples for one recording. */
export function selfMetricSamples(input: { now: number; spool: SpoolStats; clockSkewMs: number | undefined; hostname: string }): WireSample[] {
  const labels = selfMetricLabels(input.hostname);
  const ts = Math.round(input.now);
  const oldestAgeS = input.spool.oldestTs === undefined ? 0 : Math.max(0, (input.now - input.spool.oldestTs) / 1000);
  const samples: WireSample[] = [
    { metric: 'agent_spool_samples', labels, ts, value: input.spool.samples },
    { metric: 'agent_spool_oldest_age_s', labels, ts, value: Math.round(oldestAgeS * 1000) / 1000 },
    { metric: 'agent_dropped_samples_total', labels, ts, value: input.spool.droppedTotal },
  ];
  if (input.clockSkewMs !== undefined) samples.push({ metric: 'agent_clock_skew_ms', labels, ts, value: input.clockSkewMs });
  for (const [fromCheck, n] of Object.entries(input.spool.rejectedByCheck ?? {})) {
    samples.push({
      metric: 'agent_rejected_samples_total',
      labels: { ...labels, fromCheck: fromCheck.slice(0, INGEST_LIMITS.maxLabelValueLength) },
      ts,
      value: n,
    });
  }
  return samples;
}

export interface SelfMetricsOptions {
  spoolStats: () => SpoolStats;
  clockSkewMs: () => number | undefined;
  sink: (samples: WireSample[]) => void;
  hostname: string;
  clock: Clock;
  log: Logger;
  intervalMs?: number;
}

export function startSelfMetrics(opts: SelfMetricsOptions): { stop(): void; recordNow(): void } {
  const recordNow = (): void => {
    try {
      opts.sink(selfMetricSamples({ now: opts.clock.now(), spool: opts.spoolStats(), clockSkewMs: opts.clockSkewMs(), hostname: opts.hostname }));
    } catch (err) {
      opts.log.error({ err }, "could not record the agent's own metrics");
    }
  };
  recordNow();
  const timer = setInterval(recordNow, opts.intervalMs ?? SELF_METRICS_INTERVAL_MS);
  return { stop: () => clearInterval(timer), recordNow };
}
