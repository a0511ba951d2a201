/**
 * What the influx storage backend writes (docs/storage.md "Layout in InfluxDB"), built from the
 * code — the metric catalog (shared/src/metrics.ts: measurement names and each metric's own
 * labels), the label vocabulary (shared/src/labels.ts, roles.ts) and the backend's own constants
 * (tier suffixes and tier fields) — so renaming any of them changes what the dashboards may query.
 *
 * Raw: one measurement per metric, tags practice, agent and the sample's labels, field `value`.
 * Tiers: `<metric>.1m` / `<metric>.1h`, the same tags, fields count/sum/min/max/last/sketch.
 * Ordinary user labels (a check's static `labels:`) are tags too, but no dashboard may rely on
 * one: only `site`, the one user label with a meaning (SITE_LABEL), is allowed beside the
 * agent's own labels.
 */
import { METRICS, METRIC_NAMES } from '../../../shared/src/metrics.ts';
import { CHECK_BASE_LABELS, RESERVED_LABELS } from '../../../shared/src/labels.ts';
import { SITE_LABEL } from '../../../shared/src/roles.ts';
import { TIER_SUFFIX } from '../../../collector/src/storage/influx/series.ts';
import { TIER_FIELDS } from '../../../collector/src/storage/influx/reader.ts';

export interface MeasurementLayout {
  tags: ReadonlySet<string>;
  fields: ReadonlySet<string>;
}
export type InfluxLayout = ReadonlyMap<string, MeasurementLayout>;

/** The raw measurements' one field (docs/storage.md: "fields: value (float)"). */
export const RAW_FIELD = 'value';

export function influxLayout(metrics: readonly string[] = METRIC_NAMES): InfluxLayout {
  const out = new Map<string, MeasurementLayout>();
  for (const metric of metrics) {
    const own = (METRICS as Record<string, { labels: readonly string[] }>)[metric]?.labels ?? [];
    const tags = new Set<string>([...RESERVED_LABELS, ...CHECK_BASE_LABELS, ...own, SITE_LABEL]);
    out.set(metric, { tags, fields: new Set([RAW_FIELD]) });
    for (const suffix of Object.values(TIER_SUFFIX)) out.set(`${metric}${suffix}`, { tags, fields: new Set<string>(TIER_FIELDS) });
  }
  return out;
}
