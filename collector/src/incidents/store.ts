/**
 * National incidents in the state database (meta/state-db.ts: SQLite or PostgreSQL): rows, members
 * and queries. When to open, update or resolve one is the IncidentCorrelator's; this is storage.
 * Nothing is cached: every collector sharing the database reads the same incidents.
 */
import type { StateDb } from '../meta/state-db.ts';
import { INCIDENT_STATE_MIGRATIONS } from './schema.ts';
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
  /** The `incidents` tables must exist: use IncidentStore.open (which migrates them). */
  constructor(private readonly db: StateDb) {}

  /** Opens (and migrates) the `incidents` tables of this state database. */
  static async open(db: StateDb): Promise<IncidentStore> {
    await db.migrate('incidents', INCIDENT_STATE_MIGRATIONS);
    return new IncidentStore(db);
  }

  async get(id: number): Promise<Incident | undefined> {
    const r = await this.db.get<Row>('SELECT * FROM incidents WHERE id = ?', [id]);
    return r === undefined ? undefined : fromRow(r);
  }

  /** Incidents of a key still open or ended at or after `since`. */
  async ofKey(key: string, since: number): Promise<Incident[]> {
    const rows = await this.db.all<Row>('SELECT * FROM incidents WHERE key = ? AND (ended_at IS NULL OR ended_at >= ?) ORDER BY started_at, id', [key, since]);
    return rows.map(fromRow);
  }

  async open(): Promise<Incident[]> {
    return (await this.db.all<Row>("SELECT * FROM incidents WHERE state = 'open' ORDER BY started_at, id")).map(fromRow);
  }

  async insert(i: NewIncident, now: number): Promise<Incident> {
    const r = await this.db.get<Row>(
      `INSERT INTO incidents (key, rule_id, scope_kind, scope_value, title, area, state, started_at, opened_at, ended_at, practices, peak_practices, monitoring, created_at, updated_at)
       VALUES (@key, @ruleId, @scopeKind, @scopeValue, @title, @area, @state, @startedAt, @openedAt, @endedAt, @practices, @peakPractices, @monitoring, @now, @now)
       RETURNING *`,
      {
        key: i.key,
        ruleId: i.ruleId,
        scopeKind: i.scope.kind,
        scopeValue: i.scope.value,
        title: i.title,
        area: i.area,
        state: i.state,
        startedAt: i.startedAt,
        openedAt: i.openedAt,
        endedAt: i.endedAt,
        practices: i.practices,
        peakPractices: i.peakPractices,
        monitoring: i.monitoring,
        now,
      },
    );
    return fromRow(r as Row);
  }

  async update(id: number, f: IncidentFields, now: number): Promise<void> {
    await this.db.run(
      `UPDATE incidents SET state = @state, started_at = @startedAt, opened_at = @openedAt, ended_at = @endedAt, practices = @practices,
         peak_practices = @peakPractices, monitoring = @monitoring, updated_at = @now WHERE id = @id`,
      {
        id,
        state: f.state,
        startedAt: f.startedAt,
        openedAt: f.openedAt,
        endedAt: f.endedAt,
        practices: f.practices,
        peakPractices: f.peakPractices,
        monitoring: f.monitoring,
        now,
      },
    );
  }

  /**
   * Claim the `notified` notice for an incident: true when this call moved it to `notified` (send
   * it), false when it already was (another collector, or an earlier round, sent it).
   */
  async claimNotice(id: number, notified: string, now: number): Promise<boolean> {
    const r = await this.db.run('UPDATE incidents SET notified = ?, updated_at = ? WHERE id = ? AND notified IS DISTINCT FROM ?', [
      notified,
      now,
      id,
      notified,
    ]);
    return r.changes === 1;
  }

  /** Replace the member alerts, in one transaction. */
  async setMembers(id: number, members: readonly Breach[]): Promise<void> {
    await this.db.tx(async (tx) => {
      await tx.run('DELETE FROM incident_alerts WHERE incident_id = ?', [id]);
      for (const m of members)
        await tx.run(
          `INSERT INTO incident_alerts (incident_id, alert_id, practice, started_at, ended_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (incident_id, alert_id) DO UPDATE SET practice = excluded.practice, started_at = excluded.started_at, ended_at = excluded.ended_at`,
          [id, m.alertId, m.practice, m.startedAt, m.endedAt],
        );
    });
  }

  async members(id: number): Promise<Breach[]> {
    const rows = await this.db.all<{ alert_id: number; practice: string; started_at: number; ended_at: number | null }>(
      'SELECT alert_id, practice, started_at, ended_at FROM incident_alerts WHERE incident_id = ? ORDER BY practice, started_at, alert_id',
      [id],
    );
    return rows.map((r) => ({ alertId: r.alert_id, practice: r.practice, startedAt: r.started_at, endedAt: r.ended_at }));
  }

  /** Incidents with a member alert of `practice` overlapping [from, to) (the monthly report's split). */
  async ofPractice(practice: string, from: number, to: number): Promise<Incident[]> {
    const rows = await this.db.all<Row>(
      'SELECT * FROM incidents WHERE id IN (SELECT incident_id FROM incident_alerts WHERE practice = ?) AND started_at < ? AND (ended_at IS NULL OR ended_at > ?) ORDER BY started_at, id',
      [practice, to, from],
    );
    return rows.map(fromRow);
  }

  /** The incident that explains an alert, if any. */
  async incidentOfAlert(alertId: number): Promise<number | undefined> {
    return (
      await this.db.get<{ incident_id: number }>('SELECT incident_id FROM incident_alerts WHERE alert_id = ? ORDER BY incident_id DESC LIMIT 1', [alertId])
    )?.incident_id;
  }

  /** alert id → incident id for every member alert of a practice. */
  async alertsOfPractice(practice: string): Promise<Map<number, number>> {
    const rows = await this.db.all<{ incident_id: number; alert_id: number }>(
      'SELECT incident_id, alert_id FROM incident_alerts WHERE practice = ? ORDER BY incident_id',
      [practice],
    );
    return new Map(rows.map((r) => [r.alert_id, r.incident_id]));
  }

  async list(q: IncidentQuery): Promise<{ total: number; items: Incident[] }> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.state !== undefined) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.practice !== undefined) {
      where.push('id IN (SELECT incident_id FROM incident_alerts WHERE practice = ?)');
      params.push(q.practice);
    }
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const total = (await this.db.get<{ n: number }>(`SELECT count(*) AS n FROM incidents ${clause}`, params))?.n ?? 0;
    const rows = await this.db.all<Row>(`SELECT * FROM incidents ${clause} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, [...params, q.limit, q.offset]);
    return { total, items: rows.map(fromRow) };
  }
}
