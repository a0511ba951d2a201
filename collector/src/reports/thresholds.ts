/**
 * The thresholds a report judges against: a narrow view of the practice's effective threshold
 * profile (collector/src/evaluation/, deploy/profiles/default.yaml). Each figure of the report that has
 * a threshold names the profile rule behind it by id; the appendix prints every rule with its
 * `source`. Levels are converted to the report's units (seconds → ms); everything else is the
 * rule's own.
 */
import type { CompiledRule } from '../evaluation/compiled.ts';

/** Figure of the report → id of the profile rule that judges it. */
export const RULE_FOR = {
  'n3-rtt': 'n3-rtt-p95',
  'n3-jitter': 'n3-jitter-p95',
  'n3-loss': 'n3-loss-mean',
  'lan-rtt': 'lan-rtt-p95',
  'lan-loss': 'lan-loss-mean',
  'branch-rtt': 'branch-rtt-p95',
  'branch-loss': 'branch-loss-mean',
  'branch-availability': 'branch-availability-month',
  'wan-utilisation': 'wan-utilisation-p95',
  'app-connect': 'app-connect-p95',
  'app-http-total': 'app-http-total-p95',
  'n3-availability': 'n3-availability-month',
  'app-availability': 'app-availability-month',
  outage: 'n3-outage',
  'tls-expiry': 'tls-cert-expiry',
  'host-disk': 'host-disk-used',
  'host-memory': 'host-memory-used',
  'asset-age-pc': 'asset-age-pc',
  'asset-age-server': 'asset-age-server',
  'asset-age-switch': 'asset-age-switch',
  'asset-age-router-firewall': 'asset-age-router-firewall',
} as const;
export type ThresholdKey = keyof typeof RULE_FOR;
export const THRESHOLD_KEYS = Object.keys(RULE_FOR) as ThresholdKey[];

export interface ThresholdRef {
  /** The rule's id in the profile. */
  id: string;
  /** The rule's title ("National link round-trip time (15-min p95)"). */
  label: string;
  /** `above`: worse when the value is higher (RTT); `below`: worse when lower (availability). */
  direction: 'above' | 'below';
  unit: string;
  warning: number | null;
  critical: number | null;
  source: string;
}

export interface ReportThresholds {
  /** The rule behind a figure, when the effective profile has it (and it is enabled). */
  get(key: ThresholdKey): ThresholdRef | undefined;
  /** Every rule of the effective profile, for the appendix. */
  all(): readonly ThresholdRef[];
}

export type Level = 'ok' | 'warning' | 'critical';

/** Where a value stands against a rule; null without a rule or a value. */
export function levelOf(rule: ThresholdRef | undefined | null, value: number | null): Level | null {
  if (rule === undefined || rule === null || value === null) return null;
  const worse = (limit: number | null): boolean => limit !== null && (rule.direction === 'above' ? value > limit : value < limit);
  if (worse(rule.critical)) return 'critical';
  if (worse(rule.warning)) return 'warning';
  return 'ok';
}

export function thresholdsFromRefs(list: readonly ThresholdRef[]): ReportThresholds {
  const byId = new Map(list.map((r) => [r.id, r]));
  return { get: (key) => byId.get(RULE_FOR[key]), all: () => list };
}

/** A compiled profile rule as the report prints it (durations and seconds become ms). */
export function refOfRule(rule: CompiledRule): ThresholdRef {
  if (rule.kind === 'silence') {
    return {
      id: rule.id,
      label: rule.title,
      direction: 'above',
      unit: 'ms',
      warning: rule.warningMs ?? null,
      critical: rule.criticalMs ?? null,
      source: rule.source,
    };
  }
  const scale = rule.unit === 's' ? 1000 : 1;
  return {
    id: rule.id,
    label: rule.title,
    direction: rule.compare,
    unit: rule.unit === 's' ? 'ms' : rule.unit,
    warning: rule.warning === undefined ? null : rule.warning * scale,
    critical: rule.critical === undefined ? null : rule.critical * scale,
    source: rule.source,
  };
}

export function thresholdsFromRules(rules: readonly CompiledRule[]): ReportThresholds {
  return thresholdsFromRefs(rules.map(refOfRule));
}
