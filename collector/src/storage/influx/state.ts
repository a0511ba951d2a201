/**
 * Watermarks, horizons and dirty minutes of the influx backend, persisted in InfluxDB
 * (`n3mon.state`, `n3mon.dirty`; docs/storage.md "Bookkeeping measurements") and mirrored in
 * memory. Writes consult the mirror; maintain moves the marks and clears dirty minutes.
 */
import type { IPoint } from 'influx';
import { ident, literal, type InfluxClient } from './client.ts';

export const STATE_MEASUREMENT = 'n3mon.state';
export const DIRTY_MEASUREMENT = 'n3mon.dirty';

export interface Marks {
  minuteMark?: number;
  hourMark?: number;
  rawHorizon: number;
  /** Raw points before this have been deleted (DELETE done). */
  rawDeleted?: number;
  minuteHorizon?: number;
  hourHorizon?: number;
}

const KEYS = {
  minuteMark: 'minute_mark',
  hourMark: 'hour_mark',
  rawHorizon: 'raw_horizon',
  rawDeleted: 'raw_deleted',
  minuteHorizon: 'minute_horizon',
  hourHorizon: 'hour_horizon',
} as const;

export async function loadMarks(client: InfluxClient): Promise<Marks> {
  const [series] = await client.query(`SELECT "value"::field FROM ${client.from(STATE_MEASUREMENT)} GROUP BY "key"`);
  const byKey = new Map<string, number>();
  for (const s of series ?? []) {
    const v = s.values[0]?.[1];
    if (s.tags?.key !== undefined && typeof v === 'number') byKey.set(s.tags.key, v);
  }
  const m: Marks = { rawHorizon: byKey.get(KEYS.rawHorizon) ?? 0 };
  const minute = byKey.get(KEYS.minuteMark);
  const hour = byKey.get(KEYS.hourMark);
  const hh = byKey.get(KEYS.hourHorizon);
  const mh = byKey.get(KEYS.minuteHorizon);
  const rd = byKey.get(KEYS.rawDeleted);
  if (rd !== undefined) m.rawDeleted = rd;
  if (mh !== undefined) m.minuteHorizon = mh;
  if (minute !== undefined) m.minuteMark = minute;
  if (hour !== undefined) m.hourMark = hour;
  if (hh !== undefined) m.hourHorizon = hh;
  return m;
}

export async function saveMarks(client: InfluxClient, marks: Partial<Marks>): Promise<void> {
  const points: IPoint[] = [];
  for (const [k, tag] of Object.entries(KEYS)) {
    const v = marks[k as keyof Marks];
    if (v !== undefined) points.push({ measurement: STATE_MEASUREMENT, tags: { key: tag }, fields: { value: v }, timestamp: 0 });
  }
  if (points.length > 0) await client.write(points);
}

/** series id → dirty minute starts. */
export class DirtyMinutes {
  private readonly bySeries = new Map<string, Set<number>>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  static async load(client: InfluxClient): Promise<DirtyMinutes> {
    const d = new DirtyMinutes();
    const [series] = await client.query(`SELECT "v"::field FROM ${client.from(DIRTY_MEASUREMENT)} GROUP BY "series"`);
    for (const s of series ?? []) {
      const id = s.tags?.series;
      if (id === undefined) continue;
      for (const row of s.values) d.add(id, row[0] as number);
    }
    return d;
  }

  has(id: string, minute: number): boolean {
    return this.bySeries.get(id)?.has(minute) === true;
  }

  add(id: string, minute: number): boolean {
    let set = this.bySeries.get(id);
    if (set === undefined) this.bySeries.set(id, (set = new Set()));
    if (set.has(minute)) return false;
    set.add(minute);
    this.total++;
    return true;
  }

  delete(id: string, minute: number): void {
    const set = this.bySeries.get(id);
    if (set?.delete(minute) !== true) return;
    this.total--;
    if (set.size === 0) this.bySeries.delete(id);
  }

  minutesOf(id: string, from: number, to: number): number[] {
    const out: number[] = [];
    for (const m of this.bySeries.get(id) ?? []) if (m >= from && m < to) out.push(m);
    return out;
  }

  entries(): [string, number][] {
    const out: [string, number][] = [];
    for (const [id, set] of this.bySeries) for (const m of set) out.push([id, m]);
    return out;
  }
}

export function dirtyPoint(id: string, minute: number): IPoint {
  return { measurement: DIRTY_MEASUREMENT, tags: { series: id }, fields: { v: 1 }, timestamp: minute };
}

export function deleteDirtyStatement(id: string, minute: number): string {
  return `DELETE FROM ${ident(DIRTY_MEASUREMENT)} WHERE "series" = ${literal(id)} AND time = ${minute}ms`;
}

/** Marks only move forward: take the newer of each. */
export function mergeMarks(into: Marks, read: Marks): void {
  for (const k of ['minuteMark', 'hourMark', 'rawHorizon', 'rawDeleted', 'minuteHorizon', 'hourHorizon'] as const) {
    const v = read[k];
    if (v !== undefined && (into[k] === undefined || v > (into[k] as number))) into[k] = v;
  }
}
