/**
 * The influx target of bench/ingest.ts: the collector's `storage:` for the influx backend against
 * the bench's influxd, and counting samples back out of an influxd database.
 */

/** Database of the direct line-protocol writes (startInfluxd creates it) and of n3mon's backend. */
export const DIRECT_DATABASE = 'bench';
export const N3MON_DATABASE = 'n3mon';

/**
 * The collector config's `storage:` for the influx backend (docs/storage.md), creating its database.
 * Maintenance every 20 s (not the default 60 s) so that rounds run during the warm-up's series
 * creation and the measured writes, as they do over a long production day: the count-back then also
 * checks that maintenance never costs an acknowledged sample (docs/performance.md "Re-runs").
 */
export function n3monInfluxStorage(url: string): Record<string, unknown> {
  return { backend: 'influx', url, database: N3MON_DATABASE, createDatabase: true, timeoutMs: 120_000, maintenanceIntervalMs: 20_000 };
}

/**
 * SELECT count(value) over the raw measurements of `db` (a metric name has no dot; the influx
 * backend's tiers `<metric>.1m`/`.1h` and `n3mon.*` bookkeeping do), in total and, for each of
 * `practices`, per measurement against `acked` ("practice metric" → samples acknowledged).
 */
export async function influxCounts(
  url: string,
  db: string,
  practices: readonly string[],
  acked: Record<string, number>,
): Promise<{ stored: number; problems: string[] }> {
  const query = async (q: string): Promise<{ name: string; values: [string, number][] }[]> => {
    const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { results?: { series?: { name: string; values: [string, number][] }[]; error?: string }[] };
    const r = body.results?.[0];
    if (res.status !== 200 || r?.error !== undefined) throw new Error(`influxd query ${q}: HTTP ${res.status} ${r?.error ?? ''}`);
    return r?.series ?? [];
  };
  const raw = '/^[^.]+$/';
  const all = await query(`SELECT count("value") FROM ${raw}`);
  const stored = all.reduce((n, s) => n + s.values.reduce((m, v) => m + v[1], 0), 0);
  const problems: string[] = [];
  for (const ods of practices) {
    const per = await query(`SELECT count("value") FROM ${raw} WHERE "practice" = '${ods}'`);
    for (const s of per) {
      const got = s.values.reduce((m, v) => m + v[1], 0);
      const want = acked[`${ods} ${s.name}`] ?? 0;
      if (got !== want) problems.push(`${ods} ${s.name}: counts ${got}, ${want} acknowledged`);
    }
  }
  return { stored, problems };
}

/** Practices whose stored raw points fall short of what was acknowledged, worst first (at most 5). */
export async function influxShortfall(url: string, db: string, ackedByPractice: Record<string, number>): Promise<string[]> {
  const q = `SELECT count("value") FROM /^[^.]+$/ GROUP BY "practice"`;
  const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results?: { series?: { name: string; tags?: { practice?: string }; values: [string, number][] }[]; error?: string }[] };
  const stored: Record<string, number> = {};
  for (const s of body.results?.[0]?.series ?? []) {
    const p = s.tags?.practice ?? '';
    stored[p] = (stored[p] ?? 0) + s.values.reduce((m, v) => m + v[1], 0);
  }
  return Object.entries(ackedByPractice)
    .map(([p, n]) => [p, n - (stored[p] ?? 0)] as const)
    .filter(([, short]) => short !== 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([p, short]) => `practice ${p}: ${short} acknowledged samples not stored`);
}
