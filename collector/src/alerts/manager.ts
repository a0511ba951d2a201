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
 *
 * The evaluator calls the sink synchronously; the state database is asynchronous. Events and
 * progress go into one queue and are applied strictly in order, each event in one transaction
 * (alert row + history together), then its listeners are told. When the state database is
 * unavailable the line stops, holds what follows in order, and is retried at the next `flush()`
 * (each evaluation round); progress (cursors, states) is written only once every event before it
 * is stored, so a restart never resumes past an alert it did not record. A failure that is not the
 * database being unavailable (a bug) is logged and that event dropped, so it cannot block the line.
 * Nothing here rejects: failures are logged.
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { StateDb } from '../meta/state-db.ts';

export type { RestoredProgress } from './progress.ts';
import type { AgentProgressReport, CauseRef, EvaluationEvent, EvaluationSink } from '../evaluation/events.ts';
import { MaintenanceStore } from './maintenance.ts';
import { isTransientStateError, ProgressBuffer, restoreProgress, type RestoredProgress } from './progress.ts';
import { AlertStore, type Alert, type AlertSeverity } from './store.ts';

export type AlertChangeKind = 'opened' | 'reopened' | 'escalated' | 'deescalated' | 'resolved' | 'suppressed' | 'unsuppressed' | 'acknowledged';

export interface AlertChange {
  kind: AlertChangeKind;
  alert: Alert;
}

/** Told about every alert change and about evaluation progress, in order (notifications and incidents use both); a returned promise is awaited. */
export interface AlertListener {
  onAlertChange(c: AlertChange): void | Promise<void>;
  onProgress?(p: { practice: string; agent: string; evaluatedUntil: number }): void | Promise<void>;
}

export interface AlertManagerDeps {
  state: StateDb;
  alerts: AlertStore;
  maintenance: MaintenanceStore;
  clock: Clock;
  log: Logger;
  listeners?: readonly AlertListener[];
  reopenWithinMs: number;
}

type Task = { kind: 'event'; event: EvaluationEvent } | { kind: 'progress'; progress: AgentProgressReport };

/** Events and progress held while the state database is unavailable, at most (then new ones are dropped, loudly). */
const MAX_HELD = 100_000;

const key = (ruleId: string, seriesId: string): string => `${ruleId}\u0000${seriesId}`;
const worse = (a: AlertSeverity, b: AlertSeverity): AlertSeverity => (a === 'critical' || b === 'critical' ? 'critical' : 'warning');

export class AlertManager implements EvaluationSink {
  private readonly deps: AlertManagerDeps;
  private readonly log: Logger;
  /**
   * Raises held back by a maintenance window, until it ends (or the state clears). In memory:
   * only the collector applying events keeps them (see ha/ for a takeover).
   */
  private readonly deferred = new Map<string, { event: EvaluationEvent; until: number }>();
  /** Progress applied (after the events before it), not yet stored. */
  private readonly progressed = new ProgressBuffer();
  /**
   * Open, unsuppressed alerts per practice, for status answered from memory. Re-read from the
   * database after every round (`refreshCounts`), so an acknowledgement or alert written by
   * another collector shows here within one evaluation tick.
   */
  private counts = new Map<string, number>();
  private countsDirty = true;
  private readonly tasks: Task[] = [];
  private chain: Promise<void> = Promise.resolve();
  /** A transient failure stopped the line; `flush()` tries again. */
  private blocked = false;
  /** Events or progress dropped (the held line was full, or a bug). */
  dropped = 0;

  constructor(deps: AlertManagerDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'alerts' });
  }

  /** Saved progress for the evaluator to resume from. */
  restore(): Promise<RestoredProgress> {
    return restoreProgress(this.deps.state);
  }

  /** Open (or acknowledged), unsuppressed alerts of the practice (as of the last refresh). */
  openCount(practice: string): number {
    return this.counts.get(practice) ?? 0;
  }

  /** Re-read the open counts from the database. Never rejects. */
  async refreshCounts(): Promise<void> {
    try {
      this.counts = await this.deps.alerts.activeCounts();
      this.countsDirty = false;
    } catch (err) {
      this.log.error({ err }, 'open alert counts not refreshed; kept the last ones');
    }
  }

  onEvent(e: EvaluationEvent): void {
    void this.enqueue({ kind: 'event', event: e });
  }

  onProgress(p: AgentProgressReport): void {
    void this.enqueue({ kind: 'progress', progress: p });
  }

  /** Apply an event (what onEvent does) and resolve once it, and everything queued before it, is applied or held; counts are fresh then. */
  async apply(e: EvaluationEvent): Promise<void> {
    await this.enqueue({ kind: 'event', event: e });
    if (this.countsDirty) await this.refreshCounts();
  }

  /**
   * Forget the events and progress held back while the state database was unavailable: this
   * collector lost the 'alerting' lease meanwhile, and the holder after it writes from its own
   * evaluation and reconciles against the store (collector/src/ha/README.md). Applying them later,
   * at a next takeover, would reopen and re-resolve alerts. Returns how many were dropped.
   */
  discardHeld(): number {
    const n = this.tasks.length;
    this.tasks.length = 0;
    this.blocked = false;
    return n;
  }

  /** Resolves once everything queued so far is applied (or held back by an unavailable database); counts are fresh then. */
  async settle(): Promise<void> {
    await this.chain;
    if (this.countsDirty) await this.refreshCounts();
  }

  private enqueue(t: Task): Promise<void> {
    if (this.tasks.length >= MAX_HELD) {
      this.dropped++;
      this.log.error({ held: this.tasks.length, kind: t.kind }, 'alert line full while the state database is unavailable; dropped');
      return this.chain;
    }
    this.tasks.push(t);
    return this.pump();
  }

  private pump(): Promise<void> {
    this.chain = this.chain.then(() => this.runTasks());
    return this.chain;
  }

  /** Apply queued tasks in order until none is left or the database is unavailable. Never rejects. */
  private async runTasks(): Promise<void> {
    while (this.tasks.length > 0 && !this.blocked) {
      const t = this.tasks[0] as Task;
      try {
        if (t.kind === 'event') await this.handle(t.event);
        else await this.progress(t.progress);
        this.tasks.shift();
      } catch (err) {
        if (isTransientStateError(err)) {
          this.blocked = true;
          this.log.error({ err, held: this.tasks.length }, 'state database unavailable: alert events held in order, retried at the next round');
        } else {
          this.tasks.shift();
          this.dropped++;
          const e = t.kind === 'event' ? { ruleId: t.event.rule.id, seriesId: t.event.seriesId, kind: t.event.kind } : { agent: t.progress.agent };
          this.log.error({ err, ...e }, 'alert event failed; dropped');
        }
      }
    }
  }

  private async tell(changes: AlertChange[]): Promise<void> {
    if (changes.length > 0) this.countsDirty = true;
    for (const c of changes) {
      for (const l of this.deps.listeners ?? []) {
        try {
          await l.onAlertChange(c);
        } catch (err) {
          this.log.error({ err, alertId: c.alert.id, kind: c.kind }, 'alert listener failed');
        }
      }
    }
  }

  private async causeOf(alerts: AlertStore, cause: CauseRef | undefined): Promise<Alert['cause']> {
    if (cause === undefined) return null;
    return { ruleId: cause.ruleId, seriesId: cause.seriesId, alertId: (await alerts.active(cause.ruleId, cause.seriesId))?.id ?? null };
  }

  /** One event, in one transaction; listeners are told after it commits. */
  private async handle(e: EvaluationEvent): Promise<void> {
    const changes = await this.deps.state.tx((tx) => this.apply1(e, new AlertStore(tx), new MaintenanceStore(tx)));
    await this.tell(changes);
  }

  private async apply1(e: EvaluationEvent, alerts: AlertStore, maintenance: MaintenanceStore): Promise<AlertChange[]> {
    const k = key(e.rule.id, e.seriesId);
    const now = this.deps.clock.now();
    if (e.kind === 'raise') {
      const w = await maintenance.covering(e.practice, e.at);
      if (w !== undefined) {
        this.deferred.set(k, { event: e, until: w.endsAt });
        this.log.info({ practice: e.practice, ruleId: e.rule.id, maintenanceId: w.id }, 'raise held back: practice in maintenance');
        return [];
      }
      return this.open(alerts, e, e.startedAt, now);
    }
    const held = this.deferred.get(k);
    if (held !== undefined) {
      if (e.kind === 'clear') {
        this.deferred.delete(k);
        return [];
      }
      const next: EvaluationEvent = { ...held.event, severity: e.severity, peak: e.peak };
      if (e.kind === 'suppress' && e.cause !== undefined) next.cause = e.cause;
      if (e.kind === 'unsuppress') delete next.cause;
      held.event = next;
      return [];
    }
    const a = await alerts.active(e.rule.id, e.seriesId);
    if (a === undefined) return []; // e.g. an episode raised before this alert store existed
    const changed = async (kind: AlertChangeKind): Promise<AlertChange[]> => [{ kind, alert: (await alerts.get(a.id)) as Alert }];
    switch (e.kind) {
      case 'escalate':
      case 'deescalate': {
        const severity = e.severity as AlertSeverity;
        await alerts.update(a.id, { severity, peak: worse(a.peak, severity), ...(e.value === undefined ? {} : { value: e.value }) }, now);
        await alerts.addEvent(a.id, { at: e.at, kind: e.kind === 'escalate' ? 'escalated' : 'deescalated', severity, detail: { value: e.value } }, now);
        return changed(e.kind === 'escalate' ? 'escalated' : 'deescalated');
      }
      case 'clear': {
        const endedAt = e.endedAt ?? e.at;
        await alerts.update(a.id, { state: 'resolved', endedAt, ...(e.value === undefined ? {} : { value: e.value }) }, now);
        await alerts.addEvent(a.id, { at: endedAt, kind: 'resolved', detail: { value: e.value } }, now);
        return changed('resolved');
      }
      case 'suppress':
      case 'unsuppress': {
        const cause = e.kind === 'suppress' ? await this.causeOf(alerts, e.cause) : null;
        await alerts.update(a.id, { cause }, now);
        await alerts.addEvent(a.id, { at: e.at, kind: e.kind === 'suppress' ? 'suppressed' : 'unsuppressed', detail: { cause: e.cause?.ruleId } }, now);
        return changed(e.kind === 'suppress' ? 'suppressed' : 'unsuppressed');
      }
      default:
        return [];
    }
  }

  private async open(alerts: AlertStore, e: EvaluationEvent, startedAt: number, now: number): Promise<AlertChange[]> {
    const severity = e.severity as AlertSeverity;
    const active = await alerts.active(e.rule.id, e.seriesId);
    if (active !== undefined) {
      // Already open (a restart re-raising agent silence, say): keep it, follow the severity.
      if (active.severity !== severity) await alerts.update(active.id, { severity, peak: worse(active.peak, severity) }, now);
      return [];
    }
    const cause = await this.causeOf(alerts, e.cause);
    const last = await alerts.lastResolved(e.rule.id, e.seriesId);
    if (last !== undefined && last.endedAt !== null && startedAt - last.endedAt <= this.deps.reopenWithinMs) {
      await alerts.update(
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
      await alerts.addEvent(
        last.id,
        { at: e.at, kind: 'reopened', severity, detail: { startedAt, value: e.value, ...(cause === null ? {} : { cause: cause.ruleId }) } },
        now,
      );
      return [{ kind: 'reopened', alert: (await alerts.get(last.id)) as Alert }];
    }
    const rule = e.rule;
    const created = await alerts.insert({
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
    await alerts.addEvent(
      created.id,
      { at: e.at, kind: 'raised', severity, detail: { startedAt, value: e.value, ...(cause === null ? {} : { cause: cause.ruleId }) } },
      now,
    );
    return [{ kind: 'opened', alert: created }];
  }

  private async progress(p: AgentProgressReport): Promise<void> {
    // Raises held back by maintenance whose window has ended by now (in event time).
    for (const [k, d] of this.deferred) {
      if (d.event.practice !== p.practice || d.event.agent !== p.agent || d.until > p.evaluatedUntil) continue;
      const changes = await this.deps.state.tx(async (tx) => {
        const w = await new MaintenanceStore(tx).covering(p.practice, d.until);
        if (w !== undefined) return w.endsAt; // a later window follows: held until it ends
        return this.open(new AlertStore(tx), { ...d.event, at: d.until }, Math.max(d.event.startedAt, d.until), this.deps.clock.now());
      });
      if (typeof changes === 'number') {
        d.until = changes;
        continue;
      }
      this.deferred.delete(k);
      await this.tell(changes);
    }
    this.progressed.note(p);
    for (const l of this.deps.listeners ?? []) {
      try {
        await l.onProgress?.({ practice: p.practice, agent: p.agent, evaluatedUntil: p.evaluatedUntil });
      } catch (err) {
        this.log.error({ err }, 'alert listener failed on progress');
      }
    }
  }

  /**
   * After each evaluation round: retry a held line, then write the buffered progress in one
   * transaction — only when every event before it is stored. A failed write keeps the progress
   * for the next round. Never rejects.
   */
  async flush(): Promise<void> {
    this.blocked = false;
    void this.pump(); // settled below
    this.chain = this.chain.then(() => this.writeProgress());
    await this.settle();
  }

  private async writeProgress(): Promise<void> {
    try {
      await this.progressed.write(this.deps.state);
    } catch (err) {
      this.log.error({ err, ...this.progressed.size() }, 'evaluation progress not stored; retried at the next round');
    }
  }

  /** Acknowledge an alert (API). */
  async acknowledge(id: number, by: string, note: string | null): Promise<Alert | undefined> {
    const a = await this.deps.alerts.ack(id, by, note, this.deps.clock.now());
    if (a !== undefined) await this.tell([{ kind: 'acknowledged', alert: a }]);
    return a;
  }
}
