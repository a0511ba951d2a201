/**
 * The per-(rule, series) state machine. Pure: `step` is given the aggregate of the window before
 * an evaluation time (or undefined when the window holds no samples) and updates the state it is
 * handed, returning the transition when the held severity changes.
 *
 *   - A level is raised after `sustain` consecutive evaluations beyond it (critical beats warning).
 *   - It is left after `clearSustain` consecutive evaluations at or within its clear level
 *     (hysteresis: clear levels sit on the good side of the raise levels).
 *   - No data is `unknown`: the runs restart, the held severity is kept, nothing is resolved.
 */
import type { Levels } from './compiled.ts';

export type Severity = 'ok' | 'warning' | 'critical';
export type StateLevel = Severity | 'unknown';

export const SEVERITY_RANK: Readonly<Record<StateLevel, number>> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/** Worst of some levels: critical > warning > unknown > ok. */
export function worstLevel(levels: Iterable<StateLevel>, none: StateLevel = 'unknown'): StateLevel {
  let worst: StateLevel | undefined;
  for (const l of levels) if (worst === undefined || SEVERITY_RANK[l] > SEVERITY_RANK[worst]) worst = l;
  return worst ?? none;
}

export interface RuleSeriesState {
  /** Severity held with hysteresis; an alert is open while this is not ok. */
  held: Severity;
  /** What the last evaluation showed: `held`, or `unknown` when its window had no samples. */
  level: StateLevel;
  /** The aggregate at the last evaluation (undefined when unknown). */
  value?: number;
  /** Event time of the last evaluation. */
  evaluatedAt?: number;
  /** Consecutive evaluations beyond the warning (or critical) level / beyond critical. */
  warnRun: number;
  critRun: number;
  /** Consecutive evaluations at or within the clear level of warning / critical. */
  calmWarnRun: number;
  calmCritRun: number;
  /** First evaluation of the current breach run and of the current calm run. */
  runStart?: number;
  calmStart?: number;
  /** Start of the current episode (held not ok): the first evaluation of the run that raised it. */
  episodeStart?: number;
  /** Worst severity of the current episode. */
  peak?: Severity;
  /** down_for only: event time of the first failing sample after the last success. */
  downSince?: number;
}

export type TransitionKind = 'raise' | 'escalate' | 'deescalate' | 'clear';

export interface Transition {
  kind: TransitionKind;
  from: Severity;
  to: Severity;
  /** Event time of the evaluation that made the change. */
  at: number;
  /** Start of the episode (first breaching evaluation). */
  startedAt: number;
  /** clear only: first evaluation of the calm run that ended the episode. */
  endedAt?: number;
  value: number;
}

export interface StateRule extends Levels {
  readonly compare: 'above' | 'below';
  readonly sustain: number;
  readonly clearSustain: number;
}

/** A fresh state. Every field is present (undefined when unset) so all states share one shape. */
export function newState(): RuleSeriesState {
  return {
    held: 'ok',
    level: 'unknown',
    value: undefined,
    evaluatedAt: undefined,
    warnRun: 0,
    critRun: 0,
    calmWarnRun: 0,
    calmCritRun: 0,
    runStart: undefined,
    calmStart: undefined,
    episodeStart: undefined,
    peak: undefined,
    downSince: undefined,
  };
}

/** The severity a single value reaches by the raise levels alone (no sustain, no hysteresis). */
export function classify(rule: Pick<StateRule, 'compare' | 'warning' | 'critical'>, v: number): Severity {
  const beyond = (level: number | undefined): boolean => level !== undefined && (rule.compare === 'above' ? v > level : v < level);
  if (beyond(rule.critical)) return 'critical';
  if (beyond(rule.warning)) return 'warning';
  return 'ok';
}

export function step(rule: StateRule, s: RuleSeriesState, t: number, value: number | undefined): Transition | undefined {
  s.evaluatedAt = t;
  if (value === undefined || Number.isNaN(value)) {
    s.level = 'unknown';
    s.value = undefined;
    s.warnRun = s.critRun = s.calmWarnRun = s.calmCritRun = 0;
    s.runStart = undefined;
    s.calmStart = undefined;
    return undefined;
  }
  s.value = value;
  const above = rule.compare === 'above';
  const beyond = (level: number | undefined): boolean => level !== undefined && (above ? value > level : value < level);
  const within = (level: number | undefined): boolean => level === undefined || (above ? value <= level : value >= level);

  const bc = beyond(rule.critical);
  const bw = bc || beyond(rule.warning);
  s.warnRun = bw ? s.warnRun + 1 : 0;
  s.critRun = bc ? s.critRun + 1 : 0;
  if (!bw) s.runStart = undefined;
  else if (s.warnRun === 1) s.runStart = t;

  const calmCrit = within(rule.clearCritical);
  // "Calm" for the episode as a whole: within the lowest level's clear level.
  const calmAll = rule.warning !== undefined ? within(rule.clearWarning) : calmCrit;
  s.calmCritRun = calmCrit ? s.calmCritRun + 1 : 0;
  s.calmWarnRun = calmAll ? s.calmWarnRun + 1 : 0;
  if (!calmAll) s.calmStart = undefined;
  else if (s.calmWarnRun === 1) s.calmStart = t;

  const from = s.held;
  let to: Severity = from;
  if (from !== 'critical' && rule.critical !== undefined && s.critRun >= rule.sustain) to = 'critical';
  else if (from === 'ok' && rule.warning !== undefined && s.warnRun >= rule.sustain) to = 'warning';
  else if (from === 'critical' && s.calmCritRun >= rule.clearSustain) to = rule.warning !== undefined && s.calmWarnRun < rule.clearSustain ? 'warning' : 'ok';
  else if (from === 'warning' && s.calmWarnRun >= rule.clearSustain) to = 'ok';

  s.held = to;
  s.level = to;
  if (to === from) return undefined;

  if (from === 'ok') {
    s.episodeStart = s.runStart ?? t;
    s.peak = to;
    return { kind: 'raise', from, to, at: t, startedAt: s.episodeStart, value };
  }
  const startedAt = s.episodeStart ?? t;
  if (to === 'ok') {
    const endedAt = s.calmStart ?? t;
    s.episodeStart = undefined;
    s.peak = undefined;
    return { kind: 'clear', from, to, at: t, startedAt, endedAt, value };
  }
  if (to === 'critical') s.peak = 'critical';
  return { kind: to === 'critical' ? 'escalate' : 'deescalate', from, to, at: t, startedAt, value };
}
