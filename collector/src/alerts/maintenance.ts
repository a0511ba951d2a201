/**
 * Maintenance windows per practice: planned work during which nothing is raised (rule states are
 * still evaluated and shown; reports can list the windows). Kept in meta.db and mirrored in memory
 * so the alert manager can ask "is this practice in maintenance at t?" for every raise.
 */
import type { SqliteDb } from '../meta/index.ts';

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
  private readonly byPractice = new Map<string, MaintenanceWindow[]>();

  constructor(private readonly db: SqliteDb) {
    for (const r of db.prepare('SELECT * FROM maintenance_windows ORDER BY starts_at').all() as Row[]) this.remember(fromRow(r));
  }

  private remember(w: MaintenanceWindow): void {
    const list = (this.byPractice.get(w.practice) ?? []).filter((x) => x.id !== w.id);
    list.push(w);
    list.sort((a, b) => a.startsAt - b.startsAt || a.id - b.id);
    this.byPractice.set(w.practice, list);
  }

  private forget(w: MaintenanceWindow): void {
    const list = (this.byPractice.get(w.practice) ?? []).filter((x) => x.id !== w.id);
    if (list.length === 0) this.byPractice.delete(w.practice);
    else this.byPractice.set(w.practice, list);
  }

  /** The window covering `ts` for the practice (the one ending last when several overlap). */
  covering(practice: string, ts: number): MaintenanceWindow | undefined {
    let best: MaintenanceWindow | undefined;
    for (const w of this.byPractice.get(practice) ?? []) {
      if (w.startsAt > ts) break;
      if (ts < w.endsAt && (best === undefined || w.endsAt > best.endsAt)) best = w;
    }
    return best;
  }

  list(q: { practice?: string | readonly string[]; from?: number; to?: number } = {}): MaintenanceWindow[] {
    const practices = q.practice === undefined ? [...this.byPractice.keys()] : typeof q.practice === 'string' ? [q.practice] : q.practice;
    const out: MaintenanceWindow[] = [];
    for (const p of practices) {
      for (const w of this.byPractice.get(p) ?? []) {
        if (q.to !== undefined && w.startsAt >= q.to) continue;
        if (q.from !== undefined && w.endsAt <= q.from) continue;
        out.push(w);
      }
    }
    return out.sort((a, b) => a.startsAt - b.startsAt || a.id - b.id);
  }

  /** How many of the practice's windows have not ended at `now` (planned or running). */
  pendingCount(practice: string, now: number): number {
    let n = 0;
    for (const w of this.byPractice.get(practice) ?? []) if (w.endsAt > now) n++;
    return n;
  }

  get(id: number): MaintenanceWindow | undefined {
    const r = this.db.prepare('SELECT * FROM maintenance_windows WHERE id = ?').get(id) as Row | undefined;
    return r === undefined ? undefined : fromRow(r);
  }

  create(w: { practice: string; startsAt: number; endsAt: number; reason: string; createdBy: string }, now: number): MaintenanceWindow {
    const id = Number(
      this.db
        .prepare('INSERT INTO maintenance_windows (practice, starts_at, ends_at, reason, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(w.practice, w.startsAt, w.endsAt, w.reason, w.createdBy, now, now).lastInsertRowid,
    );
    const created = this.get(id) as MaintenanceWindow;
    this.remember(created);
    return created;
  }

  update(id: number, patch: { startsAt?: number; endsAt?: number; reason?: string }, now: number): MaintenanceWindow | undefined {
    const before = this.get(id);
    if (before === undefined) return undefined;
    const next = { ...before, ...patch, updatedAt: now };
    this.db
      .prepare('UPDATE maintenance_windows SET starts_at = ?, ends_at = ?, reason = ?, updated_at = ? WHERE id = ?')
      .run(next.startsAt, next.endsAt, next.reason, now, id);
    this.remember(next);
    return next;
  }

  delete(id: number): MaintenanceWindow | undefined {
    const before = this.get(id);
    if (before === undefined) return undefined;
    this.db.prepare('DELETE FROM maintenance_windows WHERE id = ?').run(id);
    this.forget(before);
    return before;
  }
}
