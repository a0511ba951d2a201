/**
 * The in-memory series-key → id cache over the `series` table. Loaded whole at open (one row per
 * series; label paths in sample order are learnt on first use), so the write path never queries
 * SQLite to resolve a known series; new series are inserted
 * inside the write transaction and forgotten again if that transaction rolls back.
 */
import type Database from 'better-sqlite3';
import type { SeriesSelector, StoredSeries } from '../types.ts';
import { canonicalLabels, parseCanonicalLabels, seriesKey } from '../labels.ts';
import { KeyTrie } from '../key-trie.ts';

interface SeriesRow {
  id: number;
  practice: string;
  agent: string;
  metric: string;
  labels: string;
  last_ts: number | null;
}

export class SeriesIndex {
  /** Canonical keys → id. */
  private readonly byKey = new Map<string, number>();
  /** Sample-order label paths → id (the write path's fast lookup). */
  private readonly trie = new KeyTrie();
  private readonly pendingPaths: object[] = [];
  /** Newest sample ts per id (in memory; persisted to series.last_ts by maintain). */
  private readonly lastTs = new Map<number, number>();
  /** ids whose lastTs changed since persistLastTs. */
  private readonly lastTsChanged = new Set<number>();
  private readonly pendingKeys: string[] = [];
  private readonly pendingIds: number[] = [];
  private readonly insert: Database.Statement<[string, string, string, string, number]>;
  private readonly updateLastTs: Database.Statement<[number, number]>;
  private seriesCount = 0;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare('INSERT INTO series (practice, agent, metric, labels, last_ts) VALUES (?, ?, ?, ?, ?)');
    this.updateLastTs = db.prepare('UPDATE series SET last_ts = ? WHERE id = ?');
    for (const row of db.prepare('SELECT id, practice, agent, metric, labels, last_ts FROM series').iterate() as IterableIterator<SeriesRow>) {
      this.byKey.set(seriesKey(row, row.labels), row.id);
      if (row.last_ts !== null) this.lastTs.set(row.id, row.last_ts);
      this.seriesCount++;
    }
  }

  get size(): number {
    return this.seriesCount;
  }

  /** Newer samples than series.last_ts written since the last maintain (the unrolled tail). */
  loadTail(fromMinute: number): void {
    const rows = this.db.prepare('SELECT series_id, max(ts) FROM samples WHERE minute >= ? GROUP BY series_id').raw().iterate(fromMinute) as IterableIterator<
      [number, number]
    >;
    for (const [id, ts] of rows) this.noteTs(id, ts);
  }

  /** A resolver for the samples of one write request (the practice/agent part is looked up once). */
  resolverFor(practice: string, agent: string): (metric: string, labels: Readonly<Record<string, string>>, ts: number) => number {
    let node = this.trie.agentNode(practice, agent);
    return (metric, labels, ts) => {
      if (node !== undefined) {
        const known = KeyTrie.getIn(node, metric, labels);
        if (known !== undefined) return known;
      }
      const id = this.resolve(practice, agent, metric, labels, ts);
      node ??= this.trie.agentNode(practice, agent);
      return id;
    };
  }

  /** Id for a sample's series, inserting the series inside the caller's transaction if new. */
  resolve(practice: string, agent: string, metric: string, labels: Readonly<Record<string, string>>, ts: number): number {
    const known = this.trie.get(practice, agent, metric, labels);
    if (known !== undefined) return known;
    const canonical = canonicalLabels(labels);
    const key = seriesKey({ practice, agent, metric }, canonical);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = Number(this.insert.run(practice, agent, metric, canonical, ts).lastInsertRowid);
      this.byKey.set(key, id);
      this.pendingKeys.push(key);
      this.pendingIds.push(id);
    }
    this.pendingPaths.push(this.trie.set(practice, agent, metric, labels, id));
    return id;
  }

  /** The transaction that resolved series committed: keep them. */
  commit(): void {
    this.seriesCount += this.pendingIds.length;
    this.pendingKeys.length = 0;
    this.pendingIds.length = 0;
    this.pendingPaths.length = 0;
  }

  /** The transaction rolled back: forget the series (and label paths) it created. */
  rollback(): void {
    for (const k of this.pendingKeys) this.byKey.delete(k);
    for (const p of this.pendingPaths) this.trie.unset(p);
    this.pendingKeys.length = 0;
    this.pendingIds.length = 0;
    this.pendingPaths.length = 0;
  }

  noteTs(id: number, ts: number): void {
    const prev = this.lastTs.get(id);
    if (prev === undefined || ts > prev) {
      this.lastTs.set(id, ts);
      this.lastTsChanged.add(id);
    }
  }

  /** Write changed lastTs values to series.last_ts (call inside a transaction). */
  persistLastTs(): void {
    for (const id of this.lastTsChanged) this.updateLastTs.run(this.lastTs.get(id) as number, id);
    this.lastTsChanged.clear();
  }

  /** Ids of all series. */
  ids(): IterableIterator<number> {
    return this.lastTs.keys();
  }

  /** Series whose newest sample is older than ts. */
  lastBefore(ts: number): number[] {
    const out: number[] = [];
    for (const [id, last] of this.lastTs) if (last < ts) out.push(id);
    return out;
  }

  /** Forget series that retention emptied (rows already deleted by the caller's transaction). */
  forget(ids: readonly number[]): void {
    const gone = new Set(ids);
    for (const [k, id] of this.byKey) if (gone.has(id)) this.byKey.delete(k);
    this.trie.deleteIds(gone);
    for (const id of ids) {
      this.lastTs.delete(id);
      this.lastTsChanged.delete(id);
    }
    this.seriesCount -= gone.size;
  }

  find(selector: SeriesSelector): StoredSeries[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const inList = (column: string, v: string | readonly string[] | undefined): void => {
      if (v === undefined) return;
      const list = typeof v === 'string' ? [v] : v;
      where.push(list.length === 0 ? '0' : `${column} IN (${list.map(() => '?').join(',')})`);
      params.push(...list);
    };
    inList('practice', selector.practice);
    inList('metric', selector.metric);
    if (selector.agent !== undefined) {
      where.push('agent = ?');
      params.push(selector.agent);
    }
    const sql = `SELECT id, practice, agent, metric, labels FROM series${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    const want = Object.entries(selector.labels ?? {});
    const out: StoredSeries[] = [];
    for (const row of this.db.prepare(sql).iterate(...params) as IterableIterator<Omit<SeriesRow, 'last_ts'>>) {
      const labels = parseCanonicalLabels(row.labels);
      if (!want.every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v)) continue;
      const s: StoredSeries = { id: String(row.id), practice: row.practice, agent: row.agent, metric: row.metric, labels };
      const last = this.lastTs.get(row.id);
      if (last !== undefined) s.lastTs = last;
      out.push(s);
    }
    return out;
  }
}
