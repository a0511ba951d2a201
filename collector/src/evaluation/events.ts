/** What the evaluator tells the rest of the collector (alert store, status, notifications). */
import type { CompiledRule } from './compiled.ts';
import type { Area } from './profile-schema.ts';
import type { RuleSeriesState, Severity, StateLevel, TransitionKind } from './state-machine.ts';

/** The series a rule state is about. Agent silence uses seriesId `silence:<practice>/<agent>`. */
export interface RuleSubject {
  practice: string;
  agent: string;
  seriesId: string;
  metric: string;
  labels: Readonly<Record<string, string>>;
}

export function silenceSeriesId(practice: string, agent: string): string {
  return `silence:${practice}/${agent}`;
}

/** The rule state that explains (suppresses) another one. */
export interface CauseRef {
  ruleId: string;
  practice: string;
  agent: string;
  seriesId: string;
}

export function sameCause(a: CauseRef | undefined, b: CauseRef | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.ruleId === b.ruleId && a.seriesId === b.seriesId);
}

export type EvaluationEventKind = TransitionKind | 'suppress' | 'unsuppress';

export interface EvaluationEvent extends RuleSubject {
  kind: EvaluationEventKind;
  rule: CompiledRule;
  area: Area;
  /** Event time of the evaluation (agent silence: collector time). */
  at: number;
  /** Start of the episode: first breaching evaluation (silence: last time the agent was heard). */
  startedAt: number;
  /** clear: when the episode ended. */
  endedAt?: number;
  /** Held severity after the event, and before it. */
  severity: Severity;
  previous: Severity;
  /** Peak severity of the episode so far. */
  peak: Severity;
  value?: number;
  /** raise / suppress: the active cause that explains this state; unsuppress: the cause that went. */
  cause?: CauseRef;
}

/** A binding's state as it should be stored to survive a restart. */
export interface PersistedRuleState {
  practice: string;
  agent: string;
  seriesId: string;
  ruleId: string;
  state: RuleSeriesState;
  cause?: CauseRef;
}

export interface AgentProgressReport {
  practice: string;
  agent: string;
  /** Last evaluation time (event time) done for this agent. */
  evaluatedUntil: number;
  /** States that changed in a way worth keeping since the last report. */
  changed: PersistedRuleState[];
}

/** Receives events in event-time order per agent. Must not throw (it is called from a timer). */
export interface EvaluationSink {
  onEvent(e: EvaluationEvent): void;
  onProgress?(p: AgentProgressReport): void;
}

/** A current rule state, for status (RAG per practice and area) and the API. */
export interface RuleStateView extends RuleSubject {
  rule: CompiledRule;
  area: Area;
  /** What to show now: the state's level, or `unknown` while the agent is silent. */
  level: StateLevel;
  held: Severity;
  value?: number;
  evaluatedAt?: number;
  /** Episode start while held is not ok. */
  since?: number;
  cause?: CauseRef;
}
