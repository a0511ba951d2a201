/** The servers section: CPU, memory and disk of the monitored hosts; equipment due for replacement (from config). */
import type { StoredSeries } from '../../storage/types.ts';
import { quantileOf } from '../accounting.ts';
import { bucketsOf, type ReportContext } from '../context.ts';
import { momentsOf, sketchOf } from '../figures.ts';
import type { AssetRow, HostRow, ServersSection } from '../model.ts';
import { mean } from '../periods.ts';
import { worstRag, type Rag } from '../rules.ts';
import { levelOf, RULE_FOR, type Level, type ThresholdKey } from '../thresholds.ts';
import { eachHour } from '../hour-map.ts';

const YEAR_MS = 365.25 * 24 * 3_600_000;

/** The newest hour's largest value of each series, then the largest of those. */
function lastValue(ctx: ReportContext, series: readonly StoredSeries[]): number | null {
  let best: number | null = null;
  for (const d of bucketsOf(ctx, series)) {
    let newest = undefined as { start: number; max: number } | undefined;
    eachHour(d.hourly, (_h, b) => {
      if (b.count > 0 && (newest === undefined || b.start > newest.start)) newest = b;
    });
    if (newest !== undefined) best = best === null ? newest.max : Math.max(best, newest.max);
  }
  return best;
}

function ragOf(level: Level | null): Rag {
  return level === 'critical' ? 'red' : level === 'warning' ? 'amber' : level === 'ok' ? 'green' : 'grey';
}

/** Age in whole-and-fractional years at `at` of an asset installed on `installed` (YYYY-MM-DD, London date). */
export function assetAgeYears(installed: string, at: number): number {
  const t = Date.parse(`${installed}T00:00:00Z`);
  return Number.isNaN(t) ? Number.NaN : (at - t) / YEAR_MS;
}

export function buildServersSection(ctx: ReportContext): ServersSection {
  const memoryThreshold = ctx.thresholds.get('host-memory') ?? null;
  const diskThreshold = ctx.thresholds.get('host-disk') ?? null;
  const hostChecks = ctx.index.checks.filter((c) => c.kind === 'host');
  const hosts: HostRow[] = hostChecks.map((c) => {
    const of = (metric: string) => ctx.index.metric(metric, (x) => x.key === c.key);
    const mem = sketchOf(ctx, of('host_mem_used_ratio'), ctx.all);
    const memP95 = quantileOf(mem, 0.95);
    const cpu = of('host_cpu_load_ratio');
    const mounts = new Map<string, StoredSeries[]>();
    for (const s of of('host_disk_used_ratio')) {
      const m = s.labels.mount ?? '?';
      mounts.set(m, [...(mounts.get(m) ?? []), s]);
    }
    return {
      agent: c.agent,
      host: c.target ?? c.device ?? c.agent,
      cpu: { mean: mean(momentsOf(ctx, cpu, ctx.all)), p95: quantileOf(sketchOf(ctx, cpu, ctx.all), 0.95) },
      memory: { p95: memP95, max: mem.count === 0 ? null : quantileOf(mem, 1), level: levelOf(memoryThreshold ?? undefined, memP95) },
      disks: [...mounts]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([mount, list]) => {
          const last = lastValue(ctx, list);
          const m = momentsOf(ctx, list, ctx.all);
          return { mount, last, max: m.count === 0 ? null : m.max, level: levelOf(diskThreshold ?? undefined, last) };
        }),
    };
  });
  const assets: AssetRow[] = ctx.practice.assets.map((a) => {
    const key = `asset-age-${a.kind}` as ThresholdKey;
    const rule = Object.hasOwn(RULE_FOR, key) ? ctx.thresholds.get(key) : undefined;
    const ageYears = assetAgeYears(a.installed, ctx.frame.end);
    return { name: a.name, kind: a.kind, installed: a.installed, ageYears, level: levelOf(rule, ageYears) ?? 'ok', threshold: rule ?? null };
  });
  const notes: string[] = [];
  if (hosts.length === 0) notes.push('No data: no host metrics were reported this month.');
  if (assets.length === 0)
    notes.push('No equipment is listed for this practice in the collector configuration (practices[].assets), so replacement dates are not known.');
  const rags: Rag[] = [];
  for (const h of hosts) {
    rags.push(ragOf(h.memory.level));
    for (const d of h.disks) rags.push(ragOf(d.level));
  }
  for (const a of assets) rags.push(a.level === 'critical' ? 'red' : a.level === 'warning' ? 'amber' : 'green');
  return { hosts, memoryThreshold, diskThreshold, assetsConfigured: assets.length > 0, assets, rag: worstRag(rags), notes };
}
