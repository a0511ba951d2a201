/**
 * What the evaluator keeps per agent, series and (rule, series) binding — shared with the
 * read-only views (views.ts). Mutable; owned by one evaluator.
 */
import type { StoredSeries } from '../storage/types.ts';
import type { CompiledThresholdRule } from './compiled.ts';
import type { CauseRef } from './events.ts';
import type { Area } from './profile-schema.ts';
import type { SeriesWindow } from './series-window.ts';
import type { SilenceState } from './silence.ts';
import type { RuleSeriesState } from './state-machine.ts';

export interface Binding {
  rule: CompiledThresholdRule;
  order: number;
  area: Area;
  state: RuleSeriesState;
  cause?: CauseRef;
  savedSig: string;
  /**
   * An evaluation of it has seen samples (or it was restored). Until then its `unknown` is only
   * the evaluation lag of a series just found, and it is left out of status.
   */
  known: boolean;
}

export interface SeriesTrack {
  /** The series judged: a stored series, or the runs of one check across its outcome series (judgedSeries). */
  s: StoredSeries;
  /** Ids of the stored series read into the window (one, or one per outcome seen). */
  members: string[];
  win: SeriesWindow;
  keepMs: number;
  bindings: Binding[];
  /** Newest sample time known for the series. */
  newest: number;
}

export interface AgentTrack {
  practice: string;
  agent: string;
  high: number;
  lastSeen?: number;
  /** Needs a findSeries of its own (new agent). */
  undiscovered: boolean;
  /** Delivered a batch since the last tick. */
  active: boolean;
  cursor?: number;
  series: Map<string, SeriesTrack>;
  ordered: { track: SeriesTrack; binding: Binding }[] | undefined;
  silence: Map<string, SilenceState>;
}

/**
 * The agent sends `probe_success{outcome}`: one stored series per outcome of a check (success,
 * timeout, refused…). A rule judges the check's runs, all outcomes together — availability is the
 * share of runs that succeeded, down_for the time since one last did — so those series are judged
 * as one, identified by the labels without `outcome` (deterministic, so saved states survive a
 * restart). Every other series is judged as stored.
 */
export const RUN_OUTCOME_METRIC = 'probe_success';
export const RUN_OUTCOME_LABEL = 'outcome';

export function judgedSeries(s: StoredSeries): StoredSeries {
  if (s.metric !== RUN_OUTCOME_METRIC || s.labels[RUN_OUTCOME_LABEL] === undefined) return s;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.labels)) if (k !== RUN_OUTCOME_LABEL) labels[k] = v;
  const key = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return { ...s, id: `runs:${JSON.stringify([s.practice, s.agent, s.metric, key])}`, labels };
}

/** Points of several stored series over the same range, merged in time order. */
export function mergePoints<P extends { ts: number }>(lists: readonly (readonly P[])[]): P[] {
  if (lists.length === 1) return lists[0] as P[];
  return lists.flat().sort((a, b) => a.ts - b.ts);
}

/** What of a binding's state is worth saving; changes of it are reported as progress. */
export function signature(b: Binding): string {
  const s = b.state;
  const calm = s.held === 'ok' ? '' : `${s.calmWarnRun}/${s.calmCritRun}`;
  return `${s.held}|${s.level}|${s.warnRun}/${s.critRun}|${calm}|${s.downSince ?? ''}|${b.cause?.seriesId ?? ''}/${b.cause?.ruleId ?? ''}`;
}

export function silentAgent(a: AgentTrack): boolean {
  for (const s of a.silence.values()) if (s.held !== 'ok') return true;
  return false;
}
