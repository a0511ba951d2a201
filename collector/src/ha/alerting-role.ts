/**
 * The 'alerting' role among several collectors (./README.md). Every collector evaluates (a warm
 * evaluator answers the dashboard and the read API, and a takeover needs no catch-up); only the
 * holder of the 'alerting' lease lets its evaluator's events and progress reach the alert store,
 * writes incidents and sends notifications. A follower's sink is muted.
 *
 * At a takeover the alert store is the truth: reconcileAtTakeover() compares the new holder's rule
 * states with the active alerts and applies only the difference — a state raised with no active
 * alert opens one (the old holder died between its step and its write), an active alert whose state
 * is ok now is resolved — and the notifier resumes what the store says is not yet told. An alert
 * the old holder raised is never raised again: the manager's raise finds it active and keeps it.
 */
import type { Logger } from '../../../shared/src/log.ts';
import type { EvaluationEvent, EvaluationSink, RuleStateView } from '../evaluation/events.ts';
import type { LeaseKeeper } from './leases.ts';

/** The sink, muted while `holds()` is false (a follower evaluates but writes and tells nothing). */
export function gatedSink(sink: EvaluationSink, holds: () => boolean): EvaluationSink {
  return {
    onEvent(e) {
      if (holds()) sink.onEvent(e);
    },
    onProgress(p) {
      if (holds()) sink.onProgress?.(p);
    },
  };
}

/** What alerting asks of the lease: do we hold it, and did we gain it since the last round? */
export interface AlertingRole {
  holds(): boolean;
  /** True once after each gain of the lease (the round then reconciles before it writes anything). */
  takeGain(): boolean;
}

/** The 'alerting' role of a LeaseKeeper. Create it before the keeper starts (it listens for gains). */
export function alertingRole(keeper: LeaseKeeper): AlertingRole {
  let gained = false;
  keeper.onChange((role, held) => {
    if (role === 'alerting') gained = held;
  });
  return {
    holds: () => keeper.holds('alerting'),
    takeGain() {
      const g = gained && keeper.holds('alerting');
      if (g) gained = false;
      return g;
    },
  };
}

/** An active alert as far as reconciliation needs it. */
export interface ActiveAlertRef {
  id: number;
  ruleId: string;
  seriesId: string;
  severity: string;
}

export interface ReconcileDeps {
  /** The evaluator's current states (evaluator.states()). */
  states(): readonly RuleStateView[];
  /** Apply one event as the alert manager does (resolves when it is written). */
  apply(e: EvaluationEvent): Promise<void>;
  /** Active (not resolved) alerts in the store. */
  activeAlerts(): Promise<readonly ActiveAlertRef[]>;
  /** The notifier picks up what the store says is still to be told (alerts.unnotified()). */
  resumeNotices(): Promise<void>;
  log: Logger;
}

function raiseOf(v: RuleStateView): EvaluationEvent {
  const at = v.evaluatedAt ?? v.since ?? 0;
  return {
    kind: 'raise',
    practice: v.practice,
    agent: v.agent,
    seriesId: v.seriesId,
    metric: v.metric,
    labels: v.labels,
    rule: v.rule,
    area: v.area,
    at,
    startedAt: v.since ?? at,
    severity: v.held,
    previous: 'ok',
    peak: v.held,
    ...(v.value === undefined ? {} : { value: v.value }),
    ...(v.cause === undefined ? {} : { cause: v.cause }),
  };
}

function clearOf(v: RuleStateView): EvaluationEvent {
  const at = v.evaluatedAt ?? 0;
  return { ...raiseOf(v), kind: 'clear', at, startedAt: at, endedAt: at, severity: 'ok', previous: 'warning', peak: 'warning' };
}

/**
 * Make the store agree with this collector's rule states after it became the 'alerting' holder.
 * Returns what it did (raised: states with no active alert; cleared: active alerts whose state is
 * ok). States the evaluator does not know (a series not found yet) are left as the store has them.
 */
export async function reconcileAtTakeover(d: ReconcileDeps): Promise<{ raised: number; cleared: number }> {
  const states = d.states();
  const byKey = new Map<string, RuleStateView>();
  for (const v of states) byKey.set(`${v.rule.id}\u0000${v.seriesId}`, v);
  const active = new Map((await d.activeAlerts()).map((a) => [`${a.ruleId}\u0000${a.seriesId}`, a.severity]));
  let raised = 0;
  let cleared = 0;
  for (const [k, v] of byKey) {
    if (v.held === 'ok' || active.get(k) === v.held) continue;
    // No active alert: the manager opens it (or holds it back for a maintenance window). An active
    // one of another severity: the manager's raise keeps the alert and follows the severity.
    await d.apply(raiseOf(v));
    if (!active.has(k)) raised++;
  }
  for (const k of active.keys()) {
    const v = byKey.get(k);
    if (v === undefined || v.held !== 'ok' || v.evaluatedAt === undefined) continue;
    await d.apply(clearOf(v));
    cleared++;
  }
  await d.resumeNotices();
  d.log.info({ raised, cleared, states: states.length, active: active.size }, 'alerting taken over: alert store reconciled');
  return { raised, cleared };
}
