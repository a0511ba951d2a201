/**
 * Rules as the evaluator uses them: validated profile entries turned into plain, frozen objects
 * with durations in ms, levels resolved (clear levels defaulted) and selectors as sets.
 */
import type { Role } from '../../../shared/src/roles.ts';
import { durationMs } from './duration.ts';
import type { Aggregation, Area, Rule, Selector } from './profile-schema.ts';

export interface CompiledSelector {
  readonly metrics: ReadonlySet<string>;
  readonly labels: readonly (readonly [string, ReadonlySet<string>])[];
}

export interface Levels {
  readonly warning?: number;
  readonly critical?: number;
  /** Where the aggregate must get back to (inclusive) to leave the level; defaults to the level. */
  readonly clearWarning?: number;
  readonly clearCritical?: number;
}

export interface CompiledThresholdRule extends Levels {
  readonly kind: 'threshold';
  readonly id: string;
  readonly title: string;
  /** Fixed area, or undefined: the area follows the series' role (areaOf). */
  readonly area?: Area;
  readonly scope: 'live' | 'report';
  readonly selectors: readonly CompiledSelector[];
  readonly aggregate: Aggregation;
  /** Window in ms; undefined for `month` (report rules). */
  readonly windowMs?: number;
  readonly compare: 'above' | 'below';
  readonly unit: string;
  readonly sustain: number;
  readonly clearSustain: number;
  readonly suppressedBy: readonly string[];
  /** Evaluated only in core hours (held as it is outside them). */
  readonly coreHoursOnly: boolean;
  readonly source: string;
  readonly description?: string;
}

export interface CompiledSilenceRule {
  readonly kind: 'silence';
  readonly id: string;
  readonly title: string;
  readonly area: 'agent';
  readonly warningMs?: number;
  readonly criticalMs?: number;
  readonly source: string;
  readonly description?: string;
}

export type CompiledRule = CompiledThresholdRule | CompiledSilenceRule;

export function compileSelector(s: Selector): CompiledSelector {
  const metrics = new Set(typeof s.metric === 'string' ? [s.metric] : s.metric);
  const labels = Object.entries(s.labels ?? {}).map(([k, v]) => [k, new Set(typeof v === 'string' ? [v] : v)] as const);
  return { metrics, labels };
}

export function selectorMatches(sel: CompiledSelector, metric: string, labels: Readonly<Record<string, string>>): boolean {
  if (!sel.metrics.has(metric)) return false;
  for (const [k, values] of sel.labels) {
    const v = labels[k];
    if (v === undefined || !values.has(v)) return false;
  }
  return true;
}

export function ruleMatches(rule: CompiledThresholdRule, metric: string, labels: Readonly<Record<string, string>>): boolean {
  return rule.selectors.some((s) => selectorMatches(s, metric, labels));
}

/** Area of a series by its role, for rules without a fixed area. */
export const ROLE_AREAS: Readonly<Record<Role, Area>> = {
  'n3-gateway': 'national-link',
  'national-app': 'national-apps',
  'lan-gateway': 'lan',
  'branch-site': 'branch-link',
  internet: 'lan',
  server: 'servers',
};

export function areaOf(rule: CompiledRule, labels: Readonly<Record<string, string>>): Area {
  if (rule.area !== undefined) return rule.area;
  const role = labels.role as keyof typeof ROLE_AREAS | undefined;
  return (role !== undefined && ROLE_AREAS[role]) || 'servers';
}

/** Compile one validated rule (the profile checks have passed). */
export function compileRule(rule: Rule, defaults: { sustain: number; clearSustain: number }): CompiledRule {
  if (rule.kind === 'silence') {
    return Object.freeze({
      kind: 'silence',
      id: rule.id,
      title: rule.title,
      area: 'agent',
      ...(rule.warning === undefined ? {} : { warningMs: durationMs(rule.warning) }),
      ...(rule.critical === undefined ? {} : { criticalMs: durationMs(rule.critical) }),
      source: rule.source,
      ...(rule.description === undefined ? {} : { description: rule.description }),
    });
  }
  const compiled: CompiledThresholdRule = {
    kind: 'threshold',
    id: rule.id,
    title: rule.title,
    ...(rule.area === undefined ? {} : { area: rule.area }),
    scope: rule.scope ?? 'live',
    selectors: Object.freeze(rule.select.map(compileSelector)),
    aggregate: rule.aggregate,
    ...(rule.window === 'month' ? {} : { windowMs: durationMs(rule.window) }),
    compare: rule.compare,
    unit: rule.unit,
    ...(rule.warning === undefined ? {} : { warning: rule.warning, clearWarning: rule.clear?.warning ?? rule.warning }),
    ...(rule.critical === undefined ? {} : { critical: rule.critical, clearCritical: rule.clear?.critical ?? rule.critical }),
    sustain: rule.sustain ?? defaults.sustain,
    clearSustain: rule.clearSustain ?? defaults.clearSustain,
    suppressedBy: Object.freeze([...(rule.suppressedBy ?? [])]),
    coreHoursOnly: rule.hours === 'core',
    source: rule.source,
    ...(rule.description === undefined ? {} : { description: rule.description }),
  };
  return Object.freeze(compiled);
}
