/**
 * The practice's series, sorted for a report: which checks exist, what kind each is (from the
 * metric catalog's `source` of the metrics it produced — never a label — or its default
 * `kind:target` id), and its series per metric. Pure.
 */
import type { StoredSeries } from '../storage/types.ts';
import { probeKindOfMetric } from '../../../shared/src/labels.ts';
import { METRICS } from '../../../shared/src/metrics.ts';

/** The per-round RTT statistic the report uses: each burst's mean RTT, as the profile's RTT rules. */
export const RTT_METRIC = 'icmp_rtt_avg_ms';

export interface CheckRef {
  /** `agent/check` — unique within a practice. */
  key: string;
  agent: string;
  check: string;
  role: string;
  kind: string;
  target?: string;
  device?: string;
  app?: string;
}

/** Every probe kind the catalog names (a check id `kind:target` without metrics of its own falls back to these). */
const KNOWN_KINDS = new Set<string>(
  Object.values(METRICS)
    .map((m) => m.source as string)
    .filter((s) => s !== 'any'),
);

export interface SeriesIndex {
  checks: CheckRef[];
  check(key: string): CheckRef | undefined;
  /** Series of a metric, optionally only those of checks matching `where`. */
  metric(name: string, where?: (c: CheckRef, s: StoredSeries) => boolean): StoredSeries[];
  /** The probe_success series of a check (one per outcome seen). */
  success(key: string): StoredSeries[];
  checkOf(s: StoredSeries): CheckRef;
}

export function checkKey(s: { agent: string; labels: Readonly<Record<string, string>> }): string {
  return `${s.agent}/${s.labels.check ?? '-'}`;
}

/**
 * @param activeFrom series whose newest sample is older than this (retired checks) are left out.
 */
export function indexSeries(all: readonly StoredSeries[], activeFrom: number): SeriesIndex {
  const series = all.filter((s) => s.lastTs === undefined || s.lastTs >= activeFrom);
  const byCheck = new Map<string, StoredSeries[]>();
  for (const s of series) {
    const k = checkKey(s);
    let list = byCheck.get(k);
    if (list === undefined) byCheck.set(k, (list = []));
    list.push(s);
  }
  const checks = new Map<string, CheckRef>();
  for (const [key, list] of byCheck) {
    const first = list[0] as StoredSeries;
    const labels = first.labels;
    // From the metric catalog, never from a label: a `kind` label is an ordinary label (docs/metrics.md).
    let kind: string | undefined;
    for (const s of list) {
      kind = probeKindOfMetric(s.metric);
      if (kind !== undefined) break;
    }
    if (kind === undefined) {
      const prefix = (labels.check ?? '').split(':')[0] ?? '';
      kind = KNOWN_KINDS.has(prefix) ? prefix : 'unknown';
    }
    const ref: CheckRef = { key, agent: first.agent, check: labels.check ?? '-', role: labels.role ?? 'unknown', kind };
    const target = list.find((s) => s.labels.target !== undefined)?.labels.target;
    const device = list.find((s) => s.labels.device !== undefined)?.labels.device;
    const app = list.find((s) => s.labels.app !== undefined)?.labels.app;
    if (target !== undefined) ref.target = target;
    if (device !== undefined) ref.device = device;
    if (app !== undefined) ref.app = app;
    checks.set(key, ref);
  }
  const byMetric = new Map<string, StoredSeries[]>();
  for (const s of series) {
    let list = byMetric.get(s.metric);
    if (list === undefined) byMetric.set(s.metric, (list = []));
    list.push(s);
  }
  const checkOf = (s: StoredSeries): CheckRef => checks.get(checkKey(s)) as CheckRef;
  const sorted = [...checks.values()].sort((a, b) => a.key.localeCompare(b.key));
  return {
    checks: sorted,
    check: (key) => checks.get(key),
    metric: (name, where) => (byMetric.get(name) ?? []).filter((s) => where === undefined || where(checkOf(s), s)),
    success: (key) => (byCheck.get(key) ?? []).filter((s) => s.metric === 'probe_success'),
    checkOf,
  };
}

/** A short human name for a check: its target/device, else its id. */
export function checkLabel(c: CheckRef): string {
  return c.target ?? c.device ?? c.check;
}
