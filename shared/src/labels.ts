/**
 * Label facts both sides use, defined once: which label names the collector reserves, which the
 * agent sets itself, and the canonical form of a label set (one series = one canonical set).
 *
 * Every label name with a meaning to the collector is one of three things (docs/metrics.md,
 * "Labels with a meaning"):
 * - reserved (RESERVED_LABELS, names starting with `__`): refused at ingest and by check-config;
 * - set by the agent (AGENT_LABELS): accepted at ingest, read by rules, status, report and
 *   dashboard as the agent means them; a check's `labels:` in agent config may not set them;
 * - anything else (`kind`, `site`, …): an ordinary label, carried and matched, never steering a
 *   consumer. The probe kind of a series comes from the metric catalog (probeKindOfMetric).
 */
import { METRICS, isMetricName } from './metrics.ts';

/** Labels the collector adds from the token; an agent may not send them. */
export const RESERVED_LABELS = ['practice', 'agent'] as const;
/** Label names starting with this are reserved (Prometheus' rule for internal labels). */
export const RESERVED_LABEL_PREFIX = '__';

/** The base labels every check's samples carry (the scheduler and the probes' baseLabels set them). */
export const CHECK_BASE_LABELS = ['check', 'role', 'target', 'device', 'app', 'server'] as const;

/** Every label the agent sets itself: the base labels plus each metric's own (outcome, phase, ifName, …). */
export const AGENT_LABELS: readonly string[] = Object.freeze([
  ...new Set<string>([...CHECK_BASE_LABELS, ...Object.values(METRICS).flatMap((m) => m.labels as readonly string[])]),
]);

/** The most labels one metric of a probe kind (`source`) adds to the check's own, outcome included. */
export function maxOwnLabels(source: string): number {
  let max = 0;
  for (const m of Object.values(METRICS)) if (m.source === source || m.source === 'any') max = Math.max(max, m.labels.length);
  return max;
}

/** Fast (no allocation): is this label name refused at ingest? */
export function isReservedLabelName(name: string): boolean {
  if (name.charCodeAt(0) === 95 && name.charCodeAt(1) === 95) return true;
  return name === 'practice' || name === 'agent';
}

/** Why a label name is reserved, or undefined. The one wording ingest and check-config print. */
export function reservedLabelMessage(name: string): string | undefined {
  if ((RESERVED_LABELS as readonly string[]).includes(name)) return 'reserved label; the collector sets it from the token';
  if (name.startsWith(RESERVED_LABEL_PREFIX)) return `reserved label name (names starting with ${RESERVED_LABEL_PREFIX} are reserved)`;
  return undefined;
}

/**
 * The probe kind a metric comes from, from the catalog (METRICS[metric].source): `icmp`, `http`,
 * …, `agent` for the agent's own metrics; undefined for metrics every check sends (probe_success,
 * probe_duration_ms) and for names not in the catalog. Never from a label.
 */
export function probeKindOfMetric(metric: string): string | undefined {
  if (!isMetricName(metric)) return undefined;
  const source: string = METRICS[metric].source;
  return source === 'any' ? undefined : source;
}

/** The label set as JSON with keys in code-unit order: `{"a":"1","b":"2"}`. One series, one key. */
export function canonicalLabels(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '{}';
  keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) out += ',';
    out += JSON.stringify(k) + ':' + JSON.stringify(labels[k]);
  }
  return out + '}';
}
