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
  s: StoredSeries;
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
