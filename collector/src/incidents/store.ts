/**
 * National incidents in meta.db: rows, members and queries. When to open, update or resolve one is
 * the IncidentCorrelator's; this is storage with prepared statements.
 */
import type { SqliteDb } from '../meta/index.ts';
import type { Breach } from './correlate.ts';
import type { ScopeKind } from './scope.ts';

export const INCIDENT_STATES = ['open', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export interface Incident {
  id: number;
  key: string;
  ruleId: string;
  scope: { kind: ScopeKind; value: string };
  title: string;
  area: string;
  state: IncidentState;
  startedAt: number;
  openedAt: number;
  endedAt: number | null;
  practices: number;
  peakPractices: number;
  monitoring: number;
  notified: string | null;
  createdAt: number;
  updatedAt: number;
}

export type IncidentFields = Pick<Incident, 'state' | 'startedAt' | 'openedAt' | 'endedAt' | 'practices' | 'peakPractices' | 'monitoring'>;
export type NewIncident = Pick<Incident, 'key' | 'ruleId' | 'scope' | 'title' | 'area'> & IncidentFields;

interface Row {
  id: number;
  key: string;
  rule_id: string;
  scope_kind: ScopeKind;
  scope_value: string;
  title: string;
  area: string;
  state: IncidentState;
  started_at: number;
  opened_at: number;
  ended_at: number | null;
  practices: number;
  peak_practices: number;
  monitoring: number;
  notified: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(r: Row): Incident {
  return {
    id: r.id,
    key: r.key,
    ruleId: r.rule_id,
    scope: { kind: r.scope_kind, value: r.scope_value },
    title: r.title,
    area: r.area,
    state: r.state,
    startedAt: r.started_at,
    openedAt: r.opened_at,
    endedAt: r.ended_at,
    practices: r.practices,
    peakPractices: r.peak_practices,
    monitoring: r.monitoring,
    notified: r.notified,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface IncidentQuery {
  state?: IncidentState;
  /** Only incidents with a member alert of this practice. */
  practice?: string;
  limit: number;
  offset: number;
}

export class IncidentStore {
  private readonly stmt;

  constructor(private readonly db: SqliteDb) {
    this.stmt = {
      get: db.prepare<[number], Row>('SELECT * FROM incidents WHERE id = ?'),
      byKey: db.prepare<[string, number], Row>('SELECT * FROM incidents WHERE key = ? AND (ended_at IS NULL OR ended_at >= ?) ORDER BY started_at'),
      open: db.prepare<[], Row>("SELECT * FROM incidents WHERE state = 'open'"),
      insert: db.prepare(
        `INSERT INTO incidents (key, rule_id, scope_kind, scope_value, title, area, state, started_at, opened_at, ended_at, practices, peak_practices, monitoring, created_at, updated_at)
         VALUES (@key, @ruleId, @scopeKind, @scopeValue, @title, @area, @state, @startedAt, @openedAt, @endedAt, @practices, @peakPractices, @monitoring, @now, @now)`,
      ),
      update: db.prepare(
        `UPDATE incidents SET state = @state, started_at = @startedAt, opened_at = @openedAt, ended_at = @endedAt, practices = @practices,
           peak_practices = @peakPractices, monitoring = @monitoring, updated_at = @now WHERE id = @id`,
      ),
      notified: db.prepare('UPDATE incidents SET notified = ?, updated_at = ? WHERE id = ?'),
      dropMembers: db.prepare('DELETE FROM incident_alerts WHERE incident_id = ?'),
      member: db.prepare('INSERT OR REPLACE INTO incident_alerts (incident_id, alert_id, practice, started_at, ended_at) VALUES (?, ?, ?, ?, ?)'),
      members: db.prepare<[number], { alert_id: number; practice: string; started_at: number; ended_at: number | null }>(
        'SELECT alert_id, practice, started_at, ended_at FROM incident_alerts WHERE incident_id = ? ORDER BY practice, started_at',
      ),
      ofAlert: db.prepare<[number], { incident_id: number }>('SELECT incident_id FROM incident_alerts WHERE alert_id = ? ORDER BY incident_id DESC LIMIT 1'),
      ofPractice: db.prepare<[string], { incident_id: number; alert_id: number }>('SELECT incident_id, alert_id FROM incident_alerts WHERE practice = ?'),
    };
  }

  get(id: number): Incident | undefined {
    const r = this.stmt.get.get(id);
    return r === undefined ? undefined : fromRow(r);
  }

  /** Incidents of a key still open or ended at or after `since`. */
  ofKey(key: string, since: number): Incident[] {
    return this.stmt.byKey.all(key, since).map(fromRow);
  }

  open(): Incident[] {
    return this.stmt.open.all().map(fromRow);
  }

  insert(i: NewIncident, now: number): Incident {
    const id = Number(this.stmt.insert.run({ ...i, scopeKind: i.scope.kind, scopeValue: i.scope.value, now }).lastInsertRowid);
    return this.get(id) as Incident;
  }

  update(id: number, f: IncidentFields, now: number): void {
    this.stmt.update.run({ ...f, id, now });
  }

  setNotified(id: number, notified: string, now: number): void {
    this.stmt.notified.run(notified, now, id);
  }

  setMembers(id: number, members: readonly Breach[]): void {
    this.stmt.dropMembers.run(id);
    for (const m of members) this.stmt.member.run(id, m.alertId, m.practice, m.startedAt, m.endedAt);
  }

  members(id: number): Breach[] {
    return this.stmt.members.all(id).map((r) => ({ alertId: r.alert_id, practice: r.practice, startedAt: r.started_at, endedAt: r.ended_at }));
  }

  /** Incidents with a member alert of `practice` overlapping [from, to) (the monthly report's split). */
  ofPractice(practice: string, from: number, to: number): Incident[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM incidents WHERE id IN (SELECT incident_id FROM incident_alerts WHERE practice = ?) AND started_at < ? AND (ended_at IS NULL OR ended_at > ?) ORDER BY started_at',
      )
      .all(practice, to, from) as Row[];
    return rows.map(fromRow);
  }

  /** The incident that explains an alert, if any. */
  incidentOfAlert(alertId: number): number | undefined {
    return this.stmt.ofAlert.get(alertId)?.incident_id;
  }

  /** alert id → incident id for every member alert of a practice. */
  alertsOfPractice(practice: string): Map<number, number> {
    return new Map(this.stmt.ofPractice.all(practice).map((r) => [r.alert_id, r.incident_id]));
  }

  list(q: IncidentQuery): { total: number; items: Incident[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.state !== undefined) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.practice !== undefined) {
      where.push('id IN (SELECT incident_id FROM incident_alerts WHERE practice = ?)');
      params.push(q.practice);
    }
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const total = (this.db.prepare(`SELECT count(*) AS n FROM incidents ${clause}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM incidents ${clause} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...params, q.limit, q.offset) as Row[];
    return { total, items: rows.map(fromRow) };
  }
}
