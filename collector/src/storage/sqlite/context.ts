/** What the parts of the SQLite store share: the connection, the series index, state, dirty set. */
import type Database from 'better-sqlite3';
import type { Logger } from '../../../../shared/src/log.ts';
import type { Clock } from '../../../../shared/src/clock.ts';
import type { StoreState } from './schema.ts';
import type { SeriesIndex } from './series-index.ts';

/**
 * In-memory mirror of the `dirty` table (series id → minute starts changed after rollup), for the
 * writer (insert each entry once) and maintain (what to re-roll). Reads use the table itself.
 */
export class DirtySet {
  private readonly bySeries = new Map<number, Set<number>>();
  private total = 0;

  static load(db: Database.Database): DirtySet {
    const d = new DirtySet();
    for (const [id, minute] of db.prepare('SELECT series_id, minute_start FROM dirty').raw().iterate() as IterableIterator<[number, number]>) d.add(id, minute);
    return d;
  }

  get size(): number {
    return this.total;
  }

  has(id: number, minute: number): boolean {
    return this.bySeries.get(id)?.has(minute) === true;
  }

  add(id: number, minute: number): boolean {
    let set = this.bySeries.get(id);
    if (set === undefined) {
      set = new Set();
      this.bySeries.set(id, set);
    }
    if (set.has(minute)) return false;
    set.add(minute);
    this.total++;
    return true;
  }

  delete(id: number, minute: number): void {
    const set = this.bySeries.get(id);
    if (set?.delete(minute) === true) {
      this.total--;
      if (set.size === 0) this.bySeries.delete(id);
    }
  }

  /** Up to `limit` entries, for maintain. */
  take(limit: number): [number, number][] {
    const out: [number, number][] = [];
    for (const [id, set] of this.bySeries) {
      for (const m of set) {
        out.push([id, m]);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }
}

export interface StoreContext {
  readonly db: Database.Database;
  readonly log: Logger;
  readonly clock: Clock;
  readonly series: SeriesIndex;
  readonly dirty: DirtySet;
  /** Mutable: updated (after commit) by maintain. */
  readonly state: StoreState;
}
