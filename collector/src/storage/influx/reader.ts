/**
 * Reading from InfluxDB: raw points and tier rows of many series, one statement per metric (the
 * series' practices in the WHERE, `GROUP BY *`, the wanted series picked by their tags), sent as
 * one multi-statement request. Series are matched exactly by their tag set, so a series that is a
 * subset of another's tags is never mixed in.
 */
import { canonicalLabels, seriesKey } from '../labels.ts';
import { TierBucket, type PointRow } from '../summary.ts';
import type { Bucket } from '../types.ts';
import { ident, literal, type InfluxClient, type SeriesResult } from './client.ts';
import type { InfluxSeries } from './series.ts';

/** Statements per /query request. */
const STATEMENTS_PER_QUERY = 100;

export const TIER_FIELDS = ['count', 'sum', 'min', 'max', 'last', 'sketch'] as const;

/** The series id of a GROUP BY * result (empty tag values are absent tags). */
export function idOfTags(metric: string, tags: Readonly<Record<string, string>> | undefined): string | undefined {
  if (tags === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) if (v !== '' && k !== 'practice' && k !== 'agent') labels[k] = v;
  const practice = tags.practice ?? '';
  const agent = tags.agent ?? '';
  if (practice === '' || agent === '') return undefined;
  return seriesKey({ practice, agent, metric }, canonicalLabels(labels));
}

export interface Span {
  series: InfluxSeries;
  from: number;
  to: number;
}

function whereSeries(list: readonly InfluxSeries[]): string {
  if (list.length === 1) {
    const s = list[0] as InfluxSeries;
    return Object.entries(s.tags)
      .map(([k, v]) => `${ident(k)}::tag = ${literal(v)}`)
      .join(' AND ');
  }
  const practices = [...new Set(list.map((s) => s.practice))];
  return `(${practices.map((p) => `"practice"::tag = ${literal(p)}`).join(' OR ')})`;
}

/**
 * For each span, rows of `measurement(series.metric)` in [from, to), oldest first, as
 * `columns` of each row (time first). Spans of one metric and one range share a statement.
 */
export async function readSpans(
  client: InfluxClient,
  spans: readonly Span[],
  measurementOf: (metric: string) => string,
  fields: readonly string[],
): Promise<Map<Span, unknown[][]>> {
  const groups = new Map<string, Span[]>();
  for (const sp of spans) {
    if (!(sp.to > sp.from)) continue;
    const key = `${sp.series.metric}\u0000${sp.from}\u0000${sp.to}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [sp]);
    else g.push(sp);
  }
  const out = new Map<Span, unknown[][]>();
  for (const sp of spans) out.set(sp, []);
  const list = [...groups.values()];
  const select = fields.map((f) => `${ident(f)}::field`).join(', ');
  for (let i = 0; i < list.length; i += STATEMENTS_PER_QUERY) {
    const chunk = list.slice(i, i + STATEMENTS_PER_QUERY);
    const statements = chunk.map((g) => {
      const { from, to } = g[0] as Span;
      const m = measurementOf((g[0] as Span).series.metric);
      return `SELECT ${select} FROM ${client.from(m)} WHERE ${whereSeries(g.map((s) => s.series))} AND time >= ${from}ms AND time < ${to}ms GROUP BY *`;
    });
    const results = await client.query(statements);
    chunk.forEach((g, j) => {
      const byId = new Map<string, SeriesResult>();
      for (const r of results[j] ?? []) {
        if ((r as { partial?: boolean }).partial === true)
          throw client.fail('query result truncated', new Error('set [http] max-row-limit = 0 in influxdb.conf'));
        const id = idOfTags(g[0]!.series.metric, r.tags);
        if (id !== undefined) byId.set(id, r);
      }
      for (const sp of g) out.set(sp, byId.get(sp.series.id)?.values ?? []);
    });
  }
  return out;
}

/** Raw rows [ts, value] of spans. */
export async function readRaw(client: InfluxClient, spans: readonly Span[]): Promise<Map<Span, PointRow[]>> {
  const rows = await readSpans(client, spans, (m) => m, ['value']);
  const out = new Map<Span, PointRow[]>();
  for (const [sp, vals] of rows)
    out.set(
      sp,
      vals.map((r) => [r[0] as number, r[1] as number] as const),
    );
  return out;
}

/** Tier buckets of spans (measurement `<metric><suffix>`). */
export async function readTier(client: InfluxClient, spans: readonly Span[], suffix: string): Promise<Map<Span, Bucket[]>> {
  const rows = await readSpans(client, spans, (m) => m + suffix, TIER_FIELDS);
  const out = new Map<Span, Bucket[]>();
  for (const [sp, vals] of rows) {
    out.set(
      sp,
      vals.map((r) => {
        const sketch = r[6];
        const bytes = typeof sketch === 'string' && sketch !== '' ? new Uint8Array(Buffer.from(sketch, 'base64')) : null;
        return new TierBucket(r[0] as number, r[1] as number, r[2] as number, r[3] as number, r[4] as number, bytes);
      }),
    );
  }
  return out;
}
