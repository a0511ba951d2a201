/**
 * The in-memory index over the `series` table: identity → id for the write path (never a query
 * for a known series), the series for findSeries (no query, no JSON), and each series' newest
 * sample time. Loaded whole at open, one ordered read of the table; compact (series-map.ts:
 * interned strings, integer records in typed arrays). New series are inserted inside the write
 * transaction and forgotten again if that transaction rolls back.
 */
import type Database from 'better-sqlite3';
import type { SeriesSelector, StoredSeries } from '../types.ts';
import { canonicalLabels } from '../labels.ts';
import { Interner, SeriesMap } from '../series-map.ts';

/** The pairs of a canonical label set's JSON (`{"a":"1","b":"2"}`), interned, into `out`; returns n. */
function parseLabelPairs(text: string, strings: Interner, out: { pairs: Int32Array }): number {
  let n = 0;
  const put = (k: string, v: string): void => {
    if (2 * n + 2 > out.pairs.length) {
      const next = new Int32Array(out.pairs.length * 2);
      next.set(out.pairs);
      out.pairs = next;
    }
    out.pairs[2 * n] = strings.intern(k);
    out.pairs[2 * n + 1] = strings.intern(v);
    n++;
  };
  if (!text.includes('\\')) {
    // No escapes: the strings are exactly what lies between the quotes.
    const parts = text.split('"');
    if (parts.length % 4 === 1) {
      for (let i = 1; i < parts.length; i += 4) put(parts[i] as string, parts[i + 2] as string);
      return n;
    }
  }
  const labels = JSON.parse(text) as Record<string, string>;
  for (const k of Object.keys(labels).sort()) put(k, labels[k] as string);
  return n;
}

/** Sorts n pairs by key string in code-unit order (canonicalLabels' order); n is small. */
function sortPairs(pairs: Int32Array, n: number, names: readonly string[]): void {
  for (let i = 1; i < n; i++) {
    const k = pairs[2 * i] as number;
    const v = pairs[2 * i + 1] as number;
    const key = names[k] as string;
    let j = i - 1;
    for (; j >= 0 && (names[pairs[2 * j] as number] as string) > key; j--) {
      pairs[2 * j + 2] = pairs[2 * j] as number;
      pairs[2 * j + 3] = pairs[2 * j + 1] as number;
    }
    pairs[2 * j + 2] = k;
    pairs[2 * j + 3] = v;
  }
}

/** A growable list of ids. */
class IdList {
  ids = new Int32Array(1024);
  length = 0;
  push(id: number): void {
    if (this.length === this.ids.length) {
      const next = new Int32Array(this.ids.length * 2);
      next.set(this.ids);
      this.ids = next;
    }
    this.ids[this.length++] = id;
  }
}

export class SeriesIndex {
  private readonly strings = new Interner();
  private readonly map = new SeriesMap();
  /** Label pairs of the sample being resolved (scratch, no allocation per sample). */
  private readonly scratch = { pairs: new Int32Array(64) };
  /** Newest sample ts by id (NaN: none known); persisted to series.last_ts by maintain. */
  private lastTs = new Float64Array(1024).fill(Number.NaN);
  /** ids whose lastTs changed since persistLastTs (each once: `changedFlag`). */
  private readonly lastTsChanged = new IdList();
  private changedFlag = new Uint8Array(1024);
  /** Series inserted by the current (uncommitted) transaction. */
  private readonly pendingIds: number[] = [];
  private readonly insert: Database.Statement<[string, string, string, string, number]>;
  private readonly updateLastTs: Database.Statement<[number, number]>;
  private seriesCount = 0;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare('INSERT INTO series (practice, agent, metric, labels, last_ts) VALUES (?, ?, ?, ?, ?)');
    this.updateLastTs = db.prepare('UPDATE series SET last_ts = ? WHERE id = ?');
    const rows = db.prepare('SELECT id, practice, agent, metric, labels, last_ts FROM series').raw().iterate() as IterableIterator<
      [number, string, string, string, string, number | null]
    >;
    const s = this.strings;
    for (const [id, practice, agent, metric, labels, last] of rows) {
      const n = parseLabelPairs(labels, s, this.scratch);
      this.map.add(id, s.intern(practice), s.intern(agent), s.intern(metric), this.scratch.pairs, n);
      this.growTo(id);
      if (last !== null) this.lastTs[id] = last;
      this.seriesCount++;
    }
  }

  get size(): number {
    return this.seriesCount;
  }

  /** Newer samples than series.last_ts written since the last maintain (the unrolled tail). */
  loadTail(fromMinute: number): void {
    const bounds = this.db
      .prepare('SELECT (SELECT minute FROM samples ORDER BY minute LIMIT 1), (SELECT minute FROM samples ORDER BY minute DESC LIMIT 1)')
      .raw()
      .get() as [number | null, number | null];
    if (bounds[0] === null || bounds[1] === null) return;
    // A minute at a time: with `minute = ?` the rows come in series order and SQLite groups them
    // as they come; over a range of minutes it would sort them first (twice the cost).
    const stmt = this.db.prepare('SELECT series_id, max(ts) FROM samples WHERE minute = ? GROUP BY series_id').raw();
    for (let minute = Math.max(fromMinute, bounds[0]); minute <= bounds[1]; minute++) {
      for (const [id, ts] of stmt.iterate(minute) as IterableIterator<[number, number]>) this.noteTs(id, ts);
    }
  }

  /** A resolver for the samples of one write request (the practice/agent part is looked up once). */
  resolverFor(practice: string, agent: string): (metric: string, labels: Readonly<Record<string, string>>, ts: number) => number {
    let p = this.strings.find(practice);
    let a = this.strings.find(agent);
    return (metric, labels, ts) => {
      if (p !== undefined && a !== undefined) {
        const known = this.lookup(p, a, metric, labels);
        if (known !== undefined) return known;
      }
      const id = this.resolve(practice, agent, metric, labels, ts);
      p = this.strings.find(practice);
      a = this.strings.find(agent);
      return id;
    };
  }

  /** Id for a sample's series, inserting the series inside the caller's transaction if new. */
  resolve(practice: string, agent: string, metric: string, labels: Readonly<Record<string, string>>, ts: number): number {
    const p = this.strings.find(practice);
    const a = this.strings.find(agent);
    const known = p === undefined || a === undefined ? undefined : this.lookup(p, a, metric, labels);
    if (known !== undefined) return known;
    const id = Number(this.insert.run(practice, agent, metric, canonicalLabels(labels), ts).lastInsertRowid);
    const s = this.strings;
    let n = 0;
    for (const k in labels) {
      this.room(n);
      this.scratch.pairs[2 * n] = s.intern(k);
      this.scratch.pairs[2 * n + 1] = s.intern(labels[k] as string);
      n++;
    }
    sortPairs(this.scratch.pairs, n, s.strings);
    this.map.add(id, s.intern(practice), s.intern(agent), s.intern(metric), this.scratch.pairs, n);
    this.growTo(id);
    this.pendingIds.push(id);
    return id;
  }

  /** The identity's id if held; fills the scratch pairs. Undefined for any string never seen. */
  private lookup(p: number, a: number, metric: string, labels: Readonly<Record<string, string>>): number | undefined {
    const s = this.strings;
    const m = s.find(metric);
    if (m === undefined) return undefined;
    let n = 0;
    for (const k in labels) {
      const kid = s.find(k);
      const vid = kid === undefined ? undefined : s.find(labels[k] as string);
      if (vid === undefined) return undefined;
      const pairs = this.room(n);
      pairs[2 * n] = kid as number;
      pairs[2 * n + 1] = vid;
      n++;
    }
    return this.map.get(p, a, m, this.scratch.pairs, n);
  }

  /** The scratch pairs, with room for pair n. */
  private room(n: number): Int32Array {
    if (2 * n + 2 > this.scratch.pairs.length) {
      const next = new Int32Array(this.scratch.pairs.length * 2);
      next.set(this.scratch.pairs);
      this.scratch.pairs = next;
    }
    return this.scratch.pairs;
  }

  /** The transaction that resolved series committed: keep them. */
  commit(): void {
    this.seriesCount += this.pendingIds.length;
    this.pendingIds.length = 0;
  }

  /** The transaction rolled back: forget the series it created. */
  rollback(): void {
    for (const id of this.pendingIds) {
      this.map.remove(id);
      this.lastTs[id] = Number.NaN;
    }
    this.pendingIds.length = 0;
  }

  noteTs(id: number, ts: number): void {
    this.growTo(id);
    const prev = this.lastTs[id] as number;
    if (!(ts <= prev)) {
      this.lastTs[id] = ts;
      if (this.changedFlag[id] === 0) {
        this.changedFlag[id] = 1;
        this.lastTsChanged.push(id);
      }
    }
  }

  /** Write changed lastTs values to series.last_ts (call inside a transaction). */
  persistLastTs(): void {
    const list = this.lastTsChanged;
    for (let i = 0; i < list.length; i++) {
      const id = list.ids[i] as number;
      this.changedFlag[id] = 0;
      const ts = this.lastTs[id] as number;
      if (!Number.isNaN(ts)) this.updateLastTs.run(ts, id);
    }
    list.length = 0;
  }

  /** Ids of all series with a known newest sample. */
  *ids(): IterableIterator<number> {
    for (let id = 1; id < this.lastTs.length; id++) if (!Number.isNaN(this.lastTs[id] as number)) yield id;
  }

  /** Series whose newest sample is older than ts. */
  lastBefore(ts: number): number[] {
    const out: number[] = [];
    for (let id = 1; id < this.lastTs.length; id++) if ((this.lastTs[id] as number) < ts) out.push(id);
    return out;
  }

  /** Forget series that retention emptied (rows already deleted by the caller's transaction). */
  forget(ids: readonly number[]): void {
    const gone = new Set(ids);
    for (const id of gone) {
      this.map.remove(id);
      if (id < this.lastTs.length) this.lastTs[id] = Number.NaN;
    }
    this.seriesCount -= gone.size;
  }

  find(selector: SeriesSelector): StoredSeries[] {
    const s = this.strings;
    const idsOf = (v: string | readonly string[] | undefined): Set<number> | undefined => {
      if (v === undefined) return undefined;
      const out = new Set<number>();
      for (const x of typeof v === 'string' ? [v] : v) {
        const id = s.find(x);
        if (id !== undefined) out.add(id);
      }
      return out;
    };
    const practices = idsOf(selector.practice);
    const metrics = idsOf(selector.metric);
    const agent = selector.agent === undefined ? undefined : (s.find(selector.agent) ?? -1);
    const want = Object.entries(selector.labels ?? {});
    const out: StoredSeries[] = [];
    if (practices?.size === 0 || metrics?.size === 0 || agent === -1) return out;
    const names = s.strings;
    for (let id = 1; id < this.map.idBound; id++) {
      const r = this.map.record(id);
      if (r === undefined) continue;
      if (practices !== undefined && !practices.has(r[0] as number)) continue;
      if (agent !== undefined && r[1] !== agent) continue;
      if (metrics !== undefined && !metrics.has(r[2] as number)) continue;
      // Records hold their pairs in canonical (code-unit) key order, as the stored JSON does.
      const labels: Record<string, string> = {};
      for (let i = 0; i < (r[3] as number); i++) labels[names[r[4 + 2 * i] as number] as string] = names[r[5 + 2 * i] as number] as string;
      if (!want.every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v)) continue;
      const series: StoredSeries = {
        id: String(id),
        practice: names[r[0] as number] as string,
        agent: names[r[1] as number] as string,
        metric: names[r[2] as number] as string,
        labels,
      };
      const last = this.lastTs[id] as number;
      if (!Number.isNaN(last)) series.lastTs = last;
      out.push(series);
    }
    return out;
  }

  /** Room for id in the per-id arrays. */
  private growTo(id: number): void {
    if (id < this.lastTs.length) return;
    let len = this.lastTs.length;
    while (id >= len) len *= 2;
    const ts = new Float64Array(len).fill(Number.NaN);
    ts.set(this.lastTs);
    this.lastTs = ts;
    const flags = new Uint8Array(len);
    flags.set(this.changedFlag);
    this.changedFlag = flags;
  }
}
