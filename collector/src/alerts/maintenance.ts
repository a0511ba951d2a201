/**
 * Maintenance windows per practice: planned work during which nothing is raised (rule states are
 * still evaluated and shown; reports can list the windows). Kept in the state database and read
 * from it every time (no copy in memory): a window created through another collector sharing the
 * database must hold back this collector's raises at once. `covering` is one indexed lookup
 * (maintenance_by_practice), asked only when a raise (or a held-back raise) is decided.
 */
import type { StateDb } from '../meta/state-db.ts';

export interface MaintenanceWindow {
  id: number;
  practice: string;
  startsAt: number;
  endsAt: number;
  reason: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: number;
  practice: string;
  starts_at: number;
  ends_at: number;
  reason: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

const fromRow = (r: Row): MaintenanceWindow => ({
  id: r.id,
  practice: r.practice,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class MaintenanceStore {
  constructor(private readonly db: StateDb) {}

  /** The window covering `ts` for the practice (the one ending last when several overlap). */
  async covering(practice: string, ts: number): Promise<MaintenanceWindow | undefined> {
    const r = await this.db.get<Row>(
      'SELECT * FROM maintenance_windows WHERE practice = ? AND starts_at <= ? AND ends_at > ? ORDER BY ends_at DESC, starts_at, id LIMIT 1',
      [practice, ts, ts],
    );
    return r === undefined ? undefined : fromRow(r);
  }

  async list(q: { practice?: string | readonly string[]; from?: number; to?: number } = {}): Promise<MaintenanceWindow[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.practice !== undefined) {
      const list = typeof q.practice === 'string' ? [q.practice] : q.practice;
      where.push(list.length === 0 ? '1 = 0' : `practice IN (${list.map(() => '?').join(',')})`);
      params.push(...list);
    }
    if (q.to !== undefined) {
      where.push('starts_at < ?');
      params.push(q.to);
    }
    if (q.from !== undefined) {
      where.push('ends_at > ?');
      params.push(q.from);
    }
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    return (await this.db.all<Row>(`SELECT * FROM maintenance_windows ${clause} ORDER BY starts_at, id`, params)).map(fromRow);
  }

  /** How many of the practice's windows have not ended at `now` (planned or running). */
  async pendingCount(practice: string, now: number): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT count(*) AS n FROM maintenance_windows WHERE practice = ? AND ends_at > ?', [practice, now]))?.n ?? 0;
  }

  async get(id: number): Promise<MaintenanceWindow | undefined> {
    const r = await this.db.get<Row>('SELECT * FROM maintenance_windows WHERE id = ?', [id]);
    return r === undefined ? undefined : fromRow(r);
  }

  async create(w: { practice: string; startsAt: number; endsAt: number; reason: string; createdBy: string }, now: number): Promise<MaintenanceWindow> {
    const r = await this.db.get<Row>(
      'INSERT INTO maintenance_windows (practice, starts_at, ends_at, reason, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
      [w.practice, w.startsAt, w.endsAt, w.reason, w.createdBy, now, now],
    );
    return fromRow(r as Row);
  }

  async update(id: number, patch: { startsAt?: number; endsAt?: number; reason?: string }, now: number): Promise<MaintenanceWindow | undefined> {
    const r = await this.db.get<Row>(
      `UPDATE maintenance_windows SET starts_at = COALESCE(@startsAt, starts_at), ends_at = COALESCE(@endsAt, ends_at),
         reason = COALESCE(@reason, reason), updated_at = @now WHERE id = @id RETURNING *`,
      { id, now, startsAt: patch.startsAt, endsAt: patch.endsAt, reason: patch.reason },
    );
    return r === undefined ? undefined : fromRow(r);
  }

  async delete(id: number): Promise<MaintenanceWindow | undefined> {
    const r = await this.db.get<Row>('DELETE FROM maintenance_windows WHERE id = ? RETURNING *', [id]);
    return r === undefined ? undefined : fromRow(r);
  }
}
