/**
 * What each simulated practice sends in the national simulation (bench/national.ts), as pure
 * functions: the practices (ODS codes), the reference practice's checks (bench/rules/practice.ts:
 * the 340 series the rule benches and "Collector at 8,000 practices" use, one sample per series
 * a minute), each check run at its own offset within the minute, and the pushes cut as the agent's
 * pusher cuts them (every `pushMs`, what its scheduler spooled since the last push, at most
 * `batchSamples` a batch). A breach is planted in some practices from a known event time: the
 * national link's probes fail (`probe_success{role: n3-gateway, outcome: timeout}` = 0), which the default profile's
 * `n3-link-down` rule judges.
 */
import type { WireSample } from '../../shared/src/wire.ts';
import { practiceSeries, type SeriesDef } from '../rules/practice.ts';

export const MINUTE_MS = 60_000;
/** The rule the planted breach opens (deploy/profiles/default.yaml). */
export const BREACH_RULE = 'n3-link-down';

/** ODS code of simulated practice `i` (upper-case letters and digits, shared/src/ods.ts). */
export const odsOf = (i: number): string => `NS${String(i).padStart(5, '0')}`;

/** Every `every`-th practice (from the 1st) carries the breach; `every` 0 plants none. */
export const isBreached = (i: number, every: number): boolean => every > 0 && i % every === 0;

export interface CheckRun {
  /** The check's `check` label. */
  check: string;
  /** Offset of the run within the minute for this practice, ms. */
  offsetMs: number;
  series: readonly SeriesDef[];
}

/**
 * The reference practice's checks, each with its run offset within the minute: checks spread
 * evenly over the minute, shifted per practice so that 6,500 practices do not run in step.
 */
export function checksOf(practice: number, practices: number): CheckRun[] {
  const { live, rest } = practiceSeries();
  const byCheck = new Map<string, SeriesDef[]>();
  for (const d of [...live, ...rest]) {
    const key = d.labels.check ?? 'none';
    const list = byCheck.get(key);
    if (list === undefined) byCheck.set(key, [d]);
    else list.push(d);
  }
  const shift = Math.floor((practice * MINUTE_MS) / Math.max(1, practices));
  const checks = [...byCheck.entries()];
  return checks.map(([check, series], k) => ({ check, series, offsetMs: (shift + Math.floor((k * MINUTE_MS) / checks.length)) % MINUTE_MS }));
}

/** Samples per practice and minute on this schedule. */
export const samplesPerPracticeMinute = (): number => {
  const { live, rest } = practiceSeries();
  return live.length + rest.length;
};

/**
 * The samples of the runs due in (fromMs, toMs] (epoch ms), in time order; breached practices'
 * n3-gateway probes fail (outcome `timeout`, value 0) from `breachAtMs` on.
 */
export function runsBetween(checks: readonly CheckRun[], fromMs: number, toMs: number, breachAtMs: number | undefined): WireSample[] {
  const out: { ts: number; samples: WireSample[] }[] = [];
  const firstMinute = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  for (let minute = firstMinute; minute <= toMs; minute += MINUTE_MS) {
    for (const c of checks) {
      const ts = minute + c.offsetMs;
      if (ts <= fromMs || ts > toMs) continue;
      const breached = breachAtMs !== undefined && ts >= breachAtMs;
      const samples = c.series.map((d) => {
        // As the agent reports a failed run: probe_success 0 under the run's outcome (a series of its own).
        if (breached && d.metric === 'probe_success' && d.labels.role === 'n3-gateway')
          return { metric: d.metric, labels: { ...d.labels, outcome: 'timeout' }, ts, value: 0 };
        return { metric: d.metric, labels: d.labels, ts, value: d.value(ts) };
      });
      out.push({ ts, samples });
    }
  }
  out.sort((a, b) => a.ts - b.ts);
  return out.flatMap((r) => r.samples);
}

/** A spool's samples cut into batches of at most `batchSamples`, oldest first (the agent's pusher sends one per request). */
export function cutBatches(samples: readonly WireSample[], batchSamples: number): WireSample[][] {
  const out: WireSample[][] = [];
  for (let i = 0; i < samples.length; i += batchSamples) out.push(samples.slice(i, i + batchSamples));
  return out;
}
