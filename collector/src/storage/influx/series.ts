/**
 * The influx backend's series index, in memory: every series (measurement + tag set) with its
 * identity and newest sample time. Loaded at open from InfluxDB (`last()` per series of the raw
 * measurements and of the hour and minute tiers), kept current by writes and, with several
 * collectors writing (storage.indexRefreshMs), by refreshes (loadSeriesIndex with `since`). A series id is the
 * backend-independent series key (labels.ts `seriesKey`), so ids survive restarts and need no
 * table of their own.
 */
import type { SeriesSelector, StoredSeries } from '../types.ts';
import { canonicalLabels, seriesKey } from '../labels.ts';
import type { InfluxClient } from './client.ts';

export interface InfluxSeries {
  id: string;
  practice: string;
  agent: string;
  metric: string;
  labels: Record<string, string>;
  /** practice, agent and the labels: the point's tag set. */
  tags: Record<string, string>;
  lastTs: number;
}

/** Suffixes of the tier measurements (`<metric>.1m`, `<metric>.1h`). */
export const TIER_SUFFIX = { minute: '.1m', hour: '.1h' } as const;

/** The sample's labels as stored: InfluxDB keeps no tag with an empty value, so neither do we. */
export function storedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  let copy: Record<string, string> | undefined;
  for (const k in labels) {
    if (labels[k] === '') {
      copy ??= { ...labels };
      delete copy[k];
    }
  }
  return copy ?? (labels as Record<string, string>);
}

export class SeriesIndex {
  private readonly byId = new Map<string, InfluxSeries>();
  /** Tag keys seen per metric (a raw read must pin the tags a series lacks to ''). */
  private readonly tagKeys = new Map<string, Set<string>>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): InfluxSeries | undefined {
    return this.byId.get(id);
  }

  /** The series of a sample, created when new. `labels` must already be storedLabels(). */
  upsert(practice: string, agent: string, metric: string, labels: Record<string, string>, ts: number): InfluxSeries {
    const id = seriesKey({ practice, agent, metric }, canonicalLabels(labels));
    let s = this.byId.get(id);
    if (s === undefined) {
      // Labels in canonical (code-unit) key order, as the sqlite backend returns them.
      const sorted: Record<string, string> = {};
      for (const k of Object.keys(labels).sort()) sorted[k] = labels[k] as string;
      s = { id, practice, agent, metric, labels: sorted, tags: { ...sorted, practice, agent }, lastTs: ts };
      this.byId.set(id, s);
      let keys = this.tagKeys.get(metric);
      if (keys === undefined) this.tagKeys.set(metric, (keys = new Set()));
      for (const k of Object.keys(s.tags)) keys.add(k);
    } else if (ts > s.lastTs) {
      s.lastTs = ts;
    }
    return s;
  }

  /** Loading: a series seen in `measurement`'s GROUP BY * result (empty tag values mean absent). */
  load(metric: string, tags: Readonly<Record<string, string>>, lastTs: number): void {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(tags)) if (v !== '' && k !== 'practice' && k !== 'agent') labels[k] = v;
    const practice = tags.practice ?? '';
    const agent = tags.agent ?? '';
    if (practice === '' || agent === '') return; // not written by n3mon
    this.upsert(practice, agent, metric, labels, lastTs);
  }

  /** Tag keys used by any series of the metric. */
  keysOf(metric: string): ReadonlySet<string> {
    return this.tagKeys.get(metric) ?? new Set();
  }

  metrics(): string[] {
    return [...this.tagKeys.keys()];
  }

  all(): IterableIterator<InfluxSeries> {
    return this.byId.values();
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  find(selector: SeriesSelector): StoredSeries[] {
    const list = (v: string | readonly string[] | undefined): ReadonlySet<string> | undefined =>
      v === undefined ? undefined : new Set(typeof v === 'string' ? [v] : v);
    const practices = list(selector.practice);
    const metrics = list(selector.metric);
    const want = Object.entries(selector.labels ?? {});
    const out: StoredSeries[] = [];
    for (const s of this.byId.values()) {
      if (practices !== undefined && !practices.has(s.practice)) continue;
      if (metrics !== undefined && !metrics.has(s.metric)) continue;
      if (selector.agent !== undefined && s.agent !== selector.agent) continue;
      if (!want.every(([k, v]) => Object.hasOwn(s.labels, k) && s.labels[k] === v)) continue;
      out.push({ id: s.id, practice: s.practice, agent: s.agent, metric: s.metric, labels: { ...s.labels }, lastTs: s.lastTs });
    }
    return out;
  }
}

/**
 * Load `series` from InfluxDB: every series (measurement + tag set) with its newest sample time, from
 * the raw measurements and the tiers; with `since`, only the series with a raw sample since then
 * (a refresh: what other collectors wrote lately).
 */
export async function loadSeriesIndex(client: InfluxClient, series: SeriesIndex, since?: number): Promise<void> {
  const [list] = await client.query('SHOW MEASUREMENTS');
  const recent = since === undefined ? '' : ` WHERE time >= ${Math.max(0, Math.floor(since))}ms`;
  const names = (list?.[0]?.values ?? []).map((r) => r[0] as string);
  const statements: [string, string][] = [];
  for (const n of names) {
    if (n.startsWith('n3mon.')) continue;
    if (n.endsWith(TIER_SUFFIX.minute) || n.endsWith(TIER_SUFFIX.hour)) {
      if (since === undefined) statements.push([n.slice(0, -3), `SELECT last("last"::field) FROM ${client.from(n)} GROUP BY *`]);
    } else if (!n.includes('.')) statements.push([n, `SELECT last("value"::field) FROM ${client.from(n)}${recent} GROUP BY *`]);
  }
  for (let i = 0; i < statements.length; i += 50) {
    const chunk = statements.slice(i, i + 50);
    const res = await client.query(chunk.map(([, q]) => q));
    chunk.forEach(([metric], j) => {
      for (const s of res[j] ?? []) {
        const row = s.values[0];
        if (row === undefined || s.tags === undefined) continue;
        const ts = typeof row[1] === 'number' && row[1] > (row[0] as number) ? row[1] : (row[0] as number);
        series.load(metric, s.tags, ts);
      }
    });
  }
}
