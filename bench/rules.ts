/**
 * Rule evaluation at organisation scale: N practices (default 8,000) × ~300 series each, of which
 * the default profile's live rules select ~77 (≈ 97 rule bindings) — the reference practice's
 * mix: 10 ICMP targets (2 national link, 2 LAN gateway, 4 national-app hosts, 2 internet), 8 TCP
 * and 8 HTTP national-app checks, 2 SNMP devices × 10 interfaces (2 WAN), host metrics. Only the
 * series with a metric some live rule uses are written (the others cost the evaluator nothing).
 *
 * Two measurements:
 *   1. core: the evaluator alone over an in-memory source (state machines, windows, p95 …);
 *   2. store: the evaluator over the real SQLite series store: first tick (find every series),
 *      a cold tick (load 15-minute windows + 1 step), then steady ticks (1 minute of new samples
 *      per series + 1 step) — what the collector does every minute.
 * "Keeps up with ingest" means a steady tick for one minute of data takes well under a minute.
 *
 * usage: node --import tsx bench/rules.ts [--practices 8000] [--core-practices 1000] [--minutes 16]
 *          [--skip-store] [--skip-core]
 *        node --import tsx bench/rules.ts --collector [--practices 8000] [--minutes 18] [--steady 5]
 *          [--data DIR] [--fresh] [--node-flags "--cpu-prof --heap-prof"]
 *   --collector: the collector's memory, start-up and steady tick at scale in a process of its own
 *   (bench/rules/scale.ts; its data set is kept between runs).
 * (--practices is for the store run; the core run keeps every sample in memory, so it is smaller.)
 * Prints tables; no thresholds (benchmarks print numbers). Data goes to a tmp dir removed at the end.
 *
 * Measured on the reference machine (2 cores, Node 20.20, shared with other runs: load 13–24),
 * 8,000 practices (632,000 evaluated series, 808,000 rule evaluations per minute of data):
 *   find every series 41 s CPU (start-up, then hourly); cold tick 44 s CPU (start-up);
 *   steady tick (1 new minute, 1 step for every agent) 11.4–22 s CPU, median 15 s — a quarter
 *   of one core: evaluation keeps up with ingest. Core alone: ~200,000 evaluations/CPU-second.
 * Details and how to read them: docs/performance.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../shared/src/log.ts';
import type { Clock } from '../shared/src/clock.ts';
import type { WireSample } from '../shared/src/wire.ts';
import { openSqliteStore } from '../collector/src/storage/sqlite/index.ts';
import type { RawPoint, SeriesSelector, SeriesStore, StoredSeries } from '../collector/src/storage/types.ts';
import { createEvaluator, type TickReport } from '../collector/src/evaluation/evaluator.ts';
import { loadThresholds } from '../collector/src/evaluation/profile.ts';
import type { EvaluationEvent, EvaluationSink } from '../collector/src/evaluation/events.ts';
import { runScale } from './rules/scale.ts';
import { M, minuteOf as minuteOfDefs, ods, practiceSeries, T0 } from './rules/practice.ts';

const { values: args } = parseArgs({
  options: {
    practices: { type: 'string', default: '8000' },
    'core-practices': { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '16' },
    'skip-store': { type: 'boolean', default: false },
    'skip-core': { type: 'boolean', default: false },
    collector: { type: 'boolean', default: false },
    steady: { type: 'string', default: '5' },
    data: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
  },
});
const STORE_PRACTICES = Number(args.practices);
const CORE_PRACTICES = Number(args['core-practices']);
const MINUTES = Number(args.minutes);
const log = createLogger({ level: 'warn' });
const mib = (n: number): string => (n / 1048576).toFixed(0);

const DEFS = practiceSeries().live;
const minuteOf = (practice: number, minute: number): WireSample[] => minuteOfDefs(DEFS, practice, minute);

class BenchClock implements Clock {
  t = T0;
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return performance.now();
  }
}

const counting: EvaluationSink & { events: number } = {
  events: 0,
  onEvent(_e: EvaluationEvent) {
    this.events++;
  },
};

/** An in-memory read side for the core measurement. */
class MemorySeries {
  private readonly byId = new Map<string, StoredSeries & { pts: RawPoint[] }>();
  private readonly byKey = new Map<string, string>();
  write(practice: string, samples: readonly WireSample[]): void {
    for (const s of samples) {
      const key = `${practice}|${s.metric}|${JSON.stringify(s.labels)}`;
      let id = this.byKey.get(key);
      if (id === undefined) {
        id = String(this.byKey.size + 1);
        this.byKey.set(key, id);
        this.byId.set(id, { id, practice, agent: 'srv1', metric: s.metric, labels: s.labels, pts: [] });
      }
      const x = this.byId.get(id)!;
      x.pts.push({ ts: s.ts, value: s.value });
      x.lastTs = s.ts;
    }
  }
  async findSeries(sel: SeriesSelector): Promise<StoredSeries[]> {
    const metrics = new Set(typeof sel.metric === 'string' ? [sel.metric] : (sel.metric ?? []));
    return [...this.byId.values()].filter((s) => metrics.has(s.metric)).map(({ pts: _p, ...s }) => s);
  }
  async raw(id: string, from: number, to: number): Promise<RawPoint[]> {
    const pts = this.byId.get(id)?.pts ?? [];
    let lo = 0;
    while (lo < pts.length && pts[lo]!.ts < from) lo++;
    let hi = lo;
    while (hi < pts.length && pts[hi]!.ts < to) hi++;
    return pts.slice(lo, hi);
  }
  stats() {
    return { series: this.byId.size, samplesWritten: 0 };
  }
}

function row(name: string, r: TickReport, cpuMs: number, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    tick: name,
    ms: Math.round(r.durationMs),
    'cpu ms': Math.round(cpuMs),
    agents: r.agents,
    series: r.series,
    steps: r.steps,
    evaluations: r.evaluations,
    'evaluations/cpu-s': cpuMs > 0 ? Math.round((r.evaluations * 1000) / cpuMs).toLocaleString('en-GB') : '-',
    events: r.events,
    'rss MiB': mib(process.memoryUsage().rss),
    ...extra,
  };
}

async function run(kind: 'core' | 'store', PRACTICES: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-bench-rules-'));
  const clock = new BenchClock();
  const store: SeriesStore | undefined =
    kind === 'store' ? openSqliteStore({ dir, retention: { rawDays: 14, minuteDays: 92, hourDays: 800 }, log, clock, synchronous: 'normal' }) : undefined;
  const mem = new MemorySeries();
  const profiles = loadThresholds({});
  const source = store ?? mem;
  const evaluator = createEvaluator({ source, profiles, clock, sink: counting, log, options: { initialLookbackMs: 0, graceMs: 60_000 } });
  const rows: Record<string, string | number>[] = [];
  try {
    const write = async (minute: number): Promise<number> => {
      const started = performance.now();
      clock.t = T0 + (minute + 1) * M;
      for (let p = 0; p < PRACTICES; p++) {
        const samples = minuteOf(p, minute);
        if (store !== undefined) await store.write({ practice: ods(p), agent: 'srv1', samples });
        else mem.write(ods(p), samples);
        evaluator.onBatch({ practice: ods(p), agent: 'srv1', samples, receivedAt: clock.t });
      }
      return performance.now() - started;
    };
    let writeMs = 0;
    for (let m = 0; m < MINUTES; m++) writeMs += await write(m);
    const samples = PRACTICES * DEFS.length * MINUTES;
    console.log(
      `\n${kind}: ${PRACTICES} practices × ${DEFS.length} live-metric series, ${MINUTES} min written (${samples.toLocaleString('en-GB')} samples in ${(writeMs / 1000).toFixed(1)} s)`,
    );
    clock.t = T0 + MINUTES * M + 61_000;
    const timed = async (): Promise<[TickReport, number]> => {
      const before = process.cpuUsage();
      const r = await evaluator.tick();
      const d = process.cpuUsage(before);
      return [r, (d.user + d.system) / 1000];
    };
    rows.push(row('1 find series', ...(await timed())));
    for (let i = 0; i < 6; i++) {
      const wms = await write(MINUTES + i);
      clock.t = T0 + (MINUTES + i + 1) * M + 61_000;
      const [r, cpu] = await timed();
      rows.push(row(i === 0 ? `${i + 2} cold (15-min windows)` : `${i + 2} steady (1 new minute)`, r, cpu, { 'write ms': Math.round(wms) }));
    }
    console.table(rows);
    const before = process.cpuUsage();
    const sums = evaluator.summaries();
    const d = process.cpuUsage(before);
    console.log(`status summaries of ${sums.size} practices (after each tick that changed something): ${Math.round((d.user + d.system) / 1000)} ms cpu`);
  } finally {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.collector) {
  await runScale({
    practices: STORE_PRACTICES,
    minutes: args.minutes === '16' ? 18 : MINUTES,
    steady: Number(args.steady),
    dataDir: args.data,
    fresh: args.fresh,
    nodeFlags: args['node-flags'].split(' ').filter((f) => f !== ''),
  });
} else {
  if (!args['skip-core']) await run('core', CORE_PRACTICES);
  if (!args['skip-store']) await run('store', STORE_PRACTICES);
}
