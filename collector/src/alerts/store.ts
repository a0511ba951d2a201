/**
 * Alerts in the state database (SQLite or PostgreSQL, meta/state-db.ts): rows, history and
 * queries. Lifecycle decisions (when to open, reopen, resolve) are the AlertManager's; this is
 * storage. Nothing is cached: several collectors may share the database.
 */
import type { StateDb } from '../meta/state-db.ts';
import type { Area } from '../evaluation/profile-schema.ts';

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export type AlertSeverity = 'warning' | 'critical';

export interface Alert {
  id: number;
  practice: string;
  agent: string;
  ruleId: string;
  seriesId: string;
  metric: string;
  labels: Record<string, string>;
  area: Area;
  title: string;
  source: string;
  unit: string;
  severity: AlertSeverity;
  peak: AlertSeverity;
  state: AlertState;
  startedAt: number;
  raisedAt: number;
  endedAt: number | null;
  value: number | null;
  /** The rule state that explains this alert (it is suppressed while the cause is active). */
  cause: { ruleId: string; seriesId: string; alertId: number | null } | null;
  reopened: number;
  ack: { by: string; at: number; note: string | null } | null;
  notified: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewAlert = Omit<Alert, 'id' | 'reopened' | 'ack' | 'notified' | 'endedAt' | 'createdAt' | 'updatedAt'> & { now: number };

export interface AlertEvent {
  at: number;
  kind: string;
  severity: string | null;
  detail: Record<string, unknown> | null;
  recordedAt: number;
}

export interface AlertQuery {
  /** `active` = open or acknowledged. */
  state?: AlertState | 'active';
  practice?: string | readonly string[];
  /** Alerts whose [startedAt, endedAt) overlaps [from, to). */
  from?: number;
  to?: number;
  limit: number;
  offset: number;
}

interface Row {
  id: number;
  practice: string;
  agent: string;
  rule_id: string;
  series_id: string;
  metric: string;
  labels: string;
  area: string;
  title: string;
  source: string;
  unit: string;
  severity: AlertSeverity;
  peak: AlertSeverity;
  state: AlertState;
  started_at: number;
  raised_at: number;
  ended_at: number | null;
  value: number | null;
  cause_rule: string | null;
  cause_series: string | null;
  cause_alert_id: number | null;
  reopened: number;
  acked_by: string | null;
  acked_at: number | null;
  ack_note: string | null;
  notified: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(r: Row): Alert {
  return {
    id: r.id,
    practice: r.practice,
    agent: r.agent,
    ruleId: r.rule_id,
    seriesId: r.series_id,
    metric: r.metric,
    labels: JSON.parse(r.labels) as Record<string, string>,
    area: r.area as Area,
    title: r.title,
    source: r.source,
    unit: r.unit,
    severity: r.severity,
    peak: r.peak,
    state: r.state,
    startedAt: r.started_at,
    raisedAt: r.raised_at,
    endedAt: r.ended_at,
    value: r.value,
    cause: r.cause_rule === null || r.cause_series === null ? null : { ruleId: r.cause_rule, seriesId: r.cause_series, alertId: r.cause_alert_id },
    reopened: r.reopened,
    ack: r.acked_by === null || r.acked_at === null ? null : { by: r.acked_by, at: r.acked_at, note: r.ack_note },
    notified: r.notified,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Columns an update may set, by Alert field. */
const UPDATABLE = {
  severity: 'severity',
  peak: 'peak',
  state: 'state',
  endedAt: 'ended_at',
  value: 'value',
  reopened: 'reopened',
  notified: 'notified',
  startedAt: 'started_at',
} as const;
export type AlertPatch = Partial<Pick<Alert, keyof typeof UPDATABLE>> & { cause?: Alert['cause'] };

export class AlertStore {
  constructor(private readonly db: StateDb) {}

  private async one(sql: string, params: readonly (string | number)[]): Promise<Alert | undefined> {
    const r = await this.db.get<Row>(sql, params);
    return r === undefined ? undefined : fromRow(r);
  }

  active(ruleId: string, seriesId: string): Promise<Alert | undefined> {
    return this.one("SELECT * FROM alerts WHERE rule_id = ? AND series_id = ? AND state <> 'resolved'", [ruleId, seriesId]);
  }

  lastResolved(ruleId: string, seriesId: string): Promise<Alert | undefined> {
    return this.one("SELECT * FROM alerts WHERE rule_id = ? AND series_id = ? AND state = 'resolved' ORDER BY ended_at DESC, id DESC LIMIT 1", [
      ruleId,
      seriesId,
    ]);
  }

  get(id: number): Promise<Alert | undefined> {
    return this.one('SELECT * FROM alerts WHERE id = ?', [id]);
  }

  /** Every alert not resolved (for start-up: counts, suppression links, pending notices). */
  async allActive(): Promise<Alert[]> {
    return (await this.db.all<Row>("SELECT * FROM alerts WHERE state <> 'resolved' ORDER BY id")).map(fromRow);
  }

  async insert(a: NewAlert): Promise<Alert> {
    const row = await this.db.get<Row>(
      `INSERT INTO alerts (practice, agent, rule_id, series_id, metric, labels, area, title, source, unit, severity, peak, state, started_at, raised_at, value,
         cause_rule, cause_series, cause_alert_id, created_at, updated_at)
       VALUES (@practice, @agent, @ruleId, @seriesId, @metric, @labels, @area, @title, @source, @unit, @severity, @peak, @state, @startedAt, @raisedAt, @value,
         @causeRule, @causeSeries, @causeAlertId, @now, @now)
       RETURNING *`,
      {
        practice: a.practice,
        agent: a.agent,
        ruleId: a.ruleId,
        seriesId: a.seriesId,
        metric: a.metric,
        labels: JSON.stringify(a.labels),
        area: a.area,
        title: a.title,
        source: a.source,
        unit: a.unit,
        severity: a.severity,
        peak: a.peak,
        state: a.state,
        startedAt: a.startedAt,
        raisedAt: a.raisedAt,
        value: a.value,
        causeRule: a.cause?.ruleId ?? null,
        causeSeries: a.cause?.seriesId ?? null,
        causeAlertId: a.cause?.alertId ?? null,
        now: a.now,
      },
    );
    return fromRow(row as Row);
  }

  async update(id: number, patch: AlertPatch, now: number): Promise<void> {
    const sets: string[] = [];
    const params: Record<string, string | number | null> = { id, now };
    for (const [field, column] of Object.entries(UPDATABLE)) {
      const v = patch[field as keyof typeof UPDATABLE];
      if (v === undefined) continue;
      sets.push(`${column} = @${field}`);
      params[field] = v;
    }
    if (patch.cause !== undefined) {
      sets.push('cause_rule = @causeRule', 'cause_series = @causeSeries', 'cause_alert_id = @causeAlertId');
      params.causeRule = patch.cause?.ruleId ?? null;
      params.causeSeries = patch.cause?.seriesId ?? null;
      params.causeAlertId = patch.cause?.alertId ?? null;
    }
    if (sets.length === 0) return;
    await this.db.run(`UPDATE alerts SET ${sets.join(', ')}, updated_at = @now WHERE id = @id`, params);
  }

  /**
   * Claim the alert's next notice: set `notified` to `next` only if it is still `seen` (what the
   * caller decided from). True when this call changed it — the caller sends; false when another
   * collector (or an earlier round) got there first — the caller sends nothing. One statement, so
   * two processes sharing the database can never both send one notice.
   */
  async claimNotice(id: number, seen: string | null, next: string, now: number): Promise<boolean> {
    const r = await this.db.run('UPDATE alerts SET notified = @next, updated_at = @now WHERE id = @id AND notified IS NOT DISTINCT FROM @seen', {
      id,
      seen,
      next,
      now,
    });
    return r.changes === 1;
  }

  async addEvent(id: number, e: { at: number; kind: string; severity?: string | null; detail?: Record<string, unknown> }, now: number): Promise<void> {
    await this.db.run('INSERT INTO alert_events (alert_id, at, kind, severity, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?)', [
      id,
      e.at,
      e.kind,
      e.severity ?? null,
      e.detail === undefined ? null : JSON.stringify(e.detail),
      now,
    ]);
  }

  async history(id: number): Promise<AlertEvent[]> {
    const rows = await this.db.all<{ at: number; kind: string; severity: string | null; detail: string | null; recorded_at: number }>(
      'SELECT at, kind, severity, detail, recorded_at FROM alert_events WHERE alert_id = ? ORDER BY at, id',
      [id],
    );
    return rows.map((r) => ({
      at: r.at,
      kind: r.kind,
      severity: r.severity,
      detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
      recordedAt: r.recorded_at,
    }));
  }

  /** Acknowledge (by whom, with an optional note). Resolved alerts keep their state but record it. */
  async ack(id: number, by: string, note: string | null, now: number): Promise<Alert | undefined> {
    return this.db.tx(async (tx) => {
      const r = await tx.run(
        "UPDATE alerts SET acked_by = ?, acked_at = ?, ack_note = ?, state = CASE WHEN state = 'open' THEN 'acknowledged' ELSE state END, updated_at = ? WHERE id = ?",
        [by, now, note, now, id],
      );
      if (r.changes === 0) return undefined;
      await new AlertStore(tx).addEvent(id, { at: now, kind: 'acknowledged', detail: { by, ...(note === null ? {} : { note }) } }, now);
      return new AlertStore(tx).get(id);
    });
  }

  /** Active alerts suppressed because of alert `id`. */
  async dependents(id: number): Promise<number> {
    return (await this.db.get<{ n: number }>("SELECT count(*) AS n FROM alerts WHERE cause_alert_id = ? AND state <> 'resolved'", [id]))?.n ?? 0;
  }

  /** Alerts of a rule not resolved before `since` (national incidents correlate them). */
  async ofRule(ruleId: string, since: number): Promise<Alert[]> {
    return (await this.db.all<Row>('SELECT * FROM alerts WHERE rule_id = ? AND (ended_at IS NULL OR ended_at >= ?) ORDER BY id', [ruleId, since])).map(fromRow);
  }

  /** Alerts whose notification is still owed (after a restart). */
  async unnotified(): Promise<Alert[]> {
    const rows = await this.db.all<Row>(
      "SELECT * FROM alerts WHERE (state <> 'resolved' AND notified IS NULL AND cause_rule IS NULL) OR (state = 'resolved' AND notified LIKE 'firing%') ORDER BY id",
    );
    return rows.map(fromRow);
  }

  /** Open or acknowledged alerts that are not suppressed, per practice. */
  async activeCounts(): Promise<Map<string, number>> {
    const rows = await this.db.all<{ practice: string; n: number }>(
      "SELECT practice, count(*) AS n FROM alerts WHERE state <> 'resolved' AND cause_rule IS NULL GROUP BY practice",
    );
    return new Map(rows.map((r) => [r.practice, r.n]));
  }

  async list(q: AlertQuery): Promise<{ total: number; items: Alert[] }> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.state === 'active') where.push("state <> 'resolved'");
    else if (q.state !== undefined) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.practice !== undefined) {
      const list = typeof q.practice === 'string' ? [q.practice] : q.practice;
      where.push(list.length === 0 ? '1 = 0' : `practice IN (${list.map(() => '?').join(',')})`);
      params.push(...list);
    }
    if (q.to !== undefined) {
      where.push('started_at < ?');
      params.push(q.to);
    }
    if (q.from !== undefined) {
      where.push('(ended_at IS NULL OR ended_at > ?)');
      params.push(q.from);
    }
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const total = (await this.db.get<{ n: number }>(`SELECT count(*) AS n FROM alerts ${clause}`, params))?.n ?? 0;
    const rows = await this.db.all<Row>(`SELECT * FROM alerts ${clause} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, [...params, q.limit, q.offset]);
    return { total, items: rows.map(fromRow) };
  }
}
