/**
 * The alert manager turns the evaluator's events into alerts with a lifecycle:
 *
 *   open ──ack──▶ acknowledged ──▶ resolved      (any state ──clear──▶ resolved)
 *
 * - A raise opens an alert, unless one is active for the (rule, series) already; a raise within
 *   `reopenWithinMs` of the same series' last resolution reopens that alert (a flapping series is
 *   one alert, not fifty). A reopened alert keeps its acknowledgement.
 * - Inside a maintenance window of the practice nothing is raised; a state still raised when the
 *   window ends opens its alert then.
 * - A raise explained by an active cause (national link down, agent silent) is stored linked to
 *   the cause's alert and is not counted as open nor notified on its own.
 * - Times are event times from the evaluator: alerts carry the true start and end.
 *
 * It also keeps the evaluator's progress (cursors and the rule states worth keeping) so a
 * restart resumes where evaluation stopped.
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { SqliteDb } from '../meta/index.ts';
import type { AgentProgressReport, CauseRef, EvaluationEvent, EvaluationSink, PersistedRuleState } from '../evaluation/events.ts';
import type { RuleSeriesState } from '../evaluation/state-machine.ts';
import type { MaintenanceStore } from './maintenance.ts';
import type { Alert, AlertSeverity, AlertStore } from './store.ts';

export type AlertChangeKind = 'opened' | 'reopened' | 'escalated' | 'deescalated' | 'resolved' | 'suppressed' | 'unsuppressed' | 'acknowledged';

export interface AlertChange {
  kind: AlertChangeKind;
  alert: Alert;
}

/** Told about every alert change and about evaluation progress (notifications use both). */
export interface AlertListener {
  onAlertChange(c: AlertChange): void;
  onProgress?(p: { practice: string; agent: string; evaluatedUntil: number }): void;
}

export interface AlertManagerDeps {
  db: SqliteDb;
  alerts: AlertStore;
  maintenance: MaintenanceStore;
  clock: Clock;
  log: Logger;
  listeners?: readonly AlertListener[];
  reopenWithinMs: number;
}

const key = (ruleId: string, seriesId: string): string => `${ruleId}\u0000${seriesId}`;
const worse = (a: AlertSeverity, b: AlertSeverity): AlertSeverity => (a === 'critical' || b === 'critical' ? 'critical' : 'warning');

export class AlertManager implements EvaluationSink {
  private readonly deps: AlertManagerDeps;
  private readonly log: Logger;
  /** Raises held back by a maintenance window, until it ends (or the state clears). */
  private readonly deferred = new Map<string, { event: EvaluationEvent; until: number }>();
  private readonly cursors = new Map<string, { practice: string; agent: string; evaluatedUntil: number }>();
  private readonly states = new Map<string, PersistedRuleState>();
  private counts: Map<string, number>;
  private countsDirty = false;
  private readonly stmt;

  constructor(deps: AlertManagerDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'alerts' });
    this.counts = deps.alerts.activeCounts();
    const db = deps.db;
    this.stmt = {
      cursor: db.prepare(
        'INSERT INTO rule_cursors (practice, agent, evaluated_until) VALUES (?, ?, ?) ON CONFLICT (practice, agent) DO UPDATE SET evaluated_until = excluded.evaluated_until',
      ),
      state: db.prepare(
        'INSERT INTO rule_states (series_id, rule_id, practice, agent, state, cause) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, rule_id) DO UPDATE SET state = excluded.state, cause = excluded.cause',
      ),
      dropState: db.prepare('DELETE FROM rule_states WHERE series_id = ? AND rule_id = ?'),
    };
  }

  /** Saved progress for the evaluator to resume from. */
  restore(): { cursors: { practice: string; agent: string; evaluatedUntil: number }[]; states: PersistedRuleState[] } {
    const cursors = (
      this.deps.db.prepare('SELECT practice, agent, evaluated_until FROM rule_cursors').all() as { practice: string; agent: string; evaluated_until: number }[]
    ).map((r) => ({
      practice: r.practice,
      agent: r.agent,
      evaluatedUntil: r.evaluated_until,
    }));
    const states = (
      this.deps.db.prepare('SELECT series_id, rule_id, practice, agent, state, cause FROM rule_states').all() as Record<string, string | null>[]
    ).map((r) => ({
      seriesId: r.series_id as string,
      ruleId: r.rule_id as string,
      practice: r.practice as string,
      agent: r.agent as string,
      state: JSON.parse(r.state as string) as RuleSeriesState,
      ...(r.cause === null ? {} : { cause: JSON.parse(r.cause as string) as CauseRef }),
    }));
    return { cursors, states };
  }

  /** Open (or acknowledged), unsuppressed alerts of the practice. */
  openCount(practice: string): number {
    if (this.countsDirty) {
      this.counts = this.deps.alerts.activeCounts();
      this.countsDirty = false;
    }
    return this.counts.get(practice) ?? 0;
  }

  private notify(kind: AlertChangeKind, alert: Alert): void {
    this.countsDirty = true;
    for (const l of this.deps.listeners ?? []) {
      try {
        l.onAlertChange({ kind, alert });
      } catch (err) {
        this.log.error({ err, alertId: alert.id, kind }, 'alert listener failed');
      }
    }
  }

  private causeOf(cause: CauseRef | undefined): Alert['cause'] {
    if (cause === undefined) return null;
    return { ruleId: cause.ruleId, seriesId: cause.seriesId, alertId: this.deps.alerts.active(cause.ruleId, cause.seriesId)?.id ?? null };
  }

  onEvent(e: EvaluationEvent): void {
    const k = key(e.rule.id, e.seriesId);
    const { alerts } = this.deps;
    const now = this.deps.clock.now();
    if (e.kind === 'raise') {
      const w = this.deps.maintenance.covering(e.practice, e.at);
      if (w !== undefined) {
        this.deferred.set(k, { event: e, until: w.endsAt });
        this.log.info({ practice: e.practice, ruleId: e.rule.id, maintenanceId: w.id }, 'raise held back: practice in maintenance');
        return;
      }
      this.open(e, e.startedAt, now);
      return;
    }
    const held = this.deferred.get(k);
    if (held !== undefined) {
      if (e.kind === 'clear') {
        this.deferred.delete(k);
        return;
      }
      const next: EvaluationEvent = { ...held.event, severity: e.severity, peak: e.peak };
      if (e.kind === 'suppress' && e.cause !== undefined) next.cause = e.cause;
      if (e.kind === 'unsuppress') delete next.cause;
      held.event = next;
      return;
    }
    const a = alerts.active(e.rule.id, e.seriesId);
    if (a === undefined) return; // e.g. an episode raised before this alert store existed
    switch (e.kind) {
      case 'escalate':
      case 'deescalate': {
        const severity = e.severity as AlertSeverity;
        alerts.update(a.id, { severity, peak: worse(a.peak, severity), ...(e.value === undefined ? {} : { value: e.value }) }, now);
        alerts.addEvent(a.id, { at: e.at, kind: e.kind === 'escalate' ? 'escalated' : 'deescalated', severity, detail: { value: e.value } }, now);
        this.notify(e.kind === 'escalate' ? 'escalated' : 'deescalated', alerts.get(a.id) as Alert);
        return;
      }
      case 'clear': {
        const endedAt = e.endedAt ?? e.at;
        alerts.update(a.id, { state: 'resolved', endedAt, ...(e.value === undefined ? {} : { value: e.value }) }, now);
        alerts.addEvent(a.id, { at: endedAt, kind: 'resolved', detail: { value: e.value } }, now);
        this.notify('resolved', alerts.get(a.id) as Alert);
        return;
      }
      case 'suppress':
      case 'unsuppress': {
        const cause = e.kind === 'suppress' ? this.causeOf(e.cause) : null;
        alerts.update(a.id, { cause }, now);
        alerts.addEvent(a.id, { at: e.at, kind: e.kind === 'suppress' ? 'suppressed' : 'unsuppressed', detail: { cause: e.cause?.ruleId } }, now);
        this.notify(e.kind === 'suppress' ? 'suppressed' : 'unsuppressed', alerts.get(a.id) as Alert);
        return;
      }
      default:
        return;
    }
  }

  private open(e: EvaluationEvent, startedAt: number, now: number): void {
    const { alerts } = this.deps;
    const severity = e.severity as AlertSeverity;
    const active = alerts.active(e.rule.id, e.seriesId);
    if (active !== undefined) {
      // Already open (a restart re-raising agent silence, say): keep it, follow the severity.
      if (active.severity !== severity) alerts.update(active.id, { severity, peak: worse(active.peak, severity) }, now);
      return;
    }
    const cause = this.causeOf(e.cause);
    const last = alerts.lastResolved(e.rule.id, e.seriesId);
    if (last !== undefined && last.endedAt !== null && startedAt - last.endedAt <= this.deps.reopenWithinMs) {
      alerts.update(
        last.id,
        {
          state: last.ack === null ? 'open' : 'acknowledged',
          endedAt: null,
          severity,
          peak: worse(last.peak, severity),
          reopened: last.reopened + 1,
          cause,
          ...(e.value === undefined ? {} : { value: e.value }),
        },
        now,
      );
      alerts.addEvent(
        last.id,
        { at: e.at, kind: 'reopened', severity, detail: { startedAt, value: e.value, ...(cause === null ? {} : { cause: cause.ruleId }) } },
        now,
      );
      this.notify('reopened', alerts.get(last.id) as Alert);
      return;
    }
    const rule = e.rule;
    const created = alerts.insert({
      practice: e.practice,
      agent: e.agent,
      ruleId: rule.id,
      seriesId: e.seriesId,
      metric: e.metric,
      labels: { ...e.labels },
      area: e.area,
      title: rule.title,
      source: rule.source,
      unit: rule.kind === 'threshold' ? rule.unit : 's',
      severity,
      peak: e.peak === 'ok' ? severity : (e.peak as AlertSeverity),
      state: 'open',
      startedAt,
      raisedAt: e.at,
      value: e.value ?? null,
      cause,
      now,
    });
    alerts.addEvent(
      created.id,
      { at: e.at, kind: 'raised', severity, detail: { startedAt, value: e.value, ...(cause === null ? {} : { cause: cause.ruleId }) } },
      now,
    );
    this.notify('opened', created);
  }

  onProgress(p: AgentProgressReport): void {
    this.cursors.set(`${p.practice}\u0000${p.agent}`, { practice: p.practice, agent: p.agent, evaluatedUntil: p.evaluatedUntil });
    for (const s of p.changed) this.states.set(key(s.ruleId, s.seriesId), s);
    // Raises held back by maintenance whose window has ended by now (in event time).
    for (const [k, d] of this.deferred) {
      if (d.event.practice !== p.practice || d.event.agent !== p.agent || d.until > p.evaluatedUntil) continue;
      this.deferred.delete(k);
      const w = this.deps.maintenance.covering(p.practice, d.until);
      if (w !== undefined) this.deferred.set(k, { event: d.event, until: w.endsAt });
      else this.open({ ...d.event, at: d.until }, Math.max(d.event.startedAt, d.until), this.deps.clock.now());
    }
    for (const l of this.deps.listeners ?? []) {
      try {
        l.onProgress?.({ practice: p.practice, agent: p.agent, evaluatedUntil: p.evaluatedUntil });
      } catch (err) {
        this.log.error({ err }, 'alert listener failed on progress');
      }
    }
  }

  /** Write buffered progress in one transaction (after each evaluation tick). */
  flush(): void {
    if (this.cursors.size === 0 && this.states.size === 0) return;
    const cursors = [...this.cursors.values()];
    const states = [...this.states.values()];
    this.cursors.clear();
    this.states.clear();
    const write = this.deps.db.transaction(() => {
      for (const c of cursors) this.stmt.cursor.run(c.practice, c.agent, c.evaluatedUntil);
      for (const s of states) {
        const st = s.state;
        const idle = st.held === 'ok' && st.warnRun === 0 && st.critRun === 0 && st.downSince === undefined && s.cause === undefined;
        if (idle) this.stmt.dropState.run(s.seriesId, s.ruleId);
        else this.stmt.state.run(s.seriesId, s.ruleId, s.practice, s.agent, JSON.stringify(st), s.cause === undefined ? null : JSON.stringify(s.cause));
      }
    });
    write();
  }

  /** Acknowledge an alert (API). */
  acknowledge(id: number, by: string, note: string | null): Alert | undefined {
    const a = this.deps.alerts.ack(id, by, note, this.deps.clock.now());
    if (a !== undefined) this.notify('acknowledged', a);
    return a;
  }
}
