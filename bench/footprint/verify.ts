/**
 * Did the agent really deliver? Asks the collector's read API (not the agent) which series exist
 * and how many runs of each check succeeded, and the collector's /metrics how many samples it stored.
 */

export interface KindDelivery {
  kind: string;
  checks: number;
  runs: number;
  successRatio: number;
}

export interface Delivery {
  samplesAccepted: number;
  seriesByMetric: Map<string, number>;
  byKind: KindDelivery[];
}

async function getJson(url: string, key: string): Promise<unknown> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

interface SeriesAnswer {
  series: { labels: Record<string, string>; points: { count: number; mean: number }[] }[];
}

export async function delivery(opts: { url: string; apiKey: string; practice: string; fromMs: number; toMs: number }): Promise<Delivery> {
  const detail = (await getJson(`${opts.url}/api/v1/practices/${opts.practice}`, opts.apiKey)) as { metrics: { metric: string; series: number }[] };
  const seriesByMetric = new Map(detail.metrics.map((m) => [m.metric, m.series]));

  // One bucket per series over the window; a step that is not a whole minute is served from raw samples.
  const step = opts.toMs - opts.fromMs + 1;
  const q = new URLSearchParams({ metric: 'probe_success', from: String(opts.fromMs), to: String(opts.toMs), step: String(step) });
  const answer = (await getJson(`${opts.url}/api/v1/practices/${opts.practice}/series?${q}`, opts.apiKey)) as SeriesAnswer;
  const kinds = new Map<string, { checks: Set<string>; runs: number; ok: number }>();
  for (const s of answer.series) {
    const check = s.labels.check ?? '?';
    const kind = check.split(/[:-]/, 1)[0] ?? '?';
    const k = kinds.get(kind) ?? { checks: new Set<string>(), runs: 0, ok: 0 };
    k.checks.add(check);
    for (const p of s.points) {
      k.runs += p.count;
      k.ok += p.mean * p.count;
    }
    kinds.set(kind, k);
  }
  const byKind = [...kinds].map(([kind, k]) => ({ kind, checks: k.checks.size, runs: k.runs, successRatio: k.runs === 0 ? 0 : k.ok / k.runs }));

  const res = await fetch(`${opts.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const prom = await res.text();
  const samplesAccepted = Number(/^n3mon_ingest_samples_accepted_total\s+(\S+)/m.exec(prom)?.[1] ?? Number.NaN);
  return { samplesAccepted, seriesByMetric, byKind };
}
