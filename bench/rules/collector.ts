/**
 * The collector's evaluation start-up and steady state at scale, in a process of its own (started
 * by bench/rules.ts --collector with the systemd unit's node flags): the series store opened as
 * the collector opens it (storage registry: SQLite in its worker thread, synchronous=full), the
 * evaluator resumed from saved cursors as after a restart, then
 *   - evaluating: the first tick done (every series found, the 15-minute windows loaded, one step);
 *   - steady: each minute, one minute of samples per practice written through the store (as ingest
 *     does; its CPU is counted apart) and one tick.
 * Prints one JSON line (the last line of stdout) that bench/rules.ts turns into a table.
 *
 * usage (normally through bench/rules.ts): node --import tsx bench/rules/collector.ts --dir DIR
 *          --practices N --minutes M [--steady 5]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Clock } from '../../shared/src/clock.ts';
import { createLogger } from '../../shared/src/log.ts';
import { DEFAULT_RETENTION } from '../../collector/src/storage/registry.ts';
import { openThreadedSqliteStore } from '../../collector/src/storage/threaded/index.ts';
import { createEvaluator, type TickReport } from '../../collector/src/evaluation/evaluator.ts';
import { loadThresholds } from '../../collector/src/evaluation/profile.ts';
import type { EvaluationSink } from '../../collector/src/evaluation/events.ts';
import { M, minuteOf, ods, practiceSeries, T0 } from './practice.ts';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    practices: { type: 'string', default: '8000' },
    minutes: { type: 'string', default: '18' },
    steady: { type: 'string', default: '5' },
  },
});
if (args.dir === undefined) throw new Error('--dir is required');
const PRACTICES = Number(args.practices);
const MINUTES = Number(args.minutes);
const STEADY = Number(args.steady);
const log = createLogger({ level: 'warn' });

const cpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const mem = (): { rssMB: number; peakMB: number; mainHeapMB: number } => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  // The main thread's V8 heap (the evaluator's); the store worker's heap and SQLite's cache are the rest.
  return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024, mainHeapMB: process.memoryUsage().heapUsed / 1048576 };
};

class BenchClock implements Clock {
  t = T0 + MINUTES * M + 61_000;
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return performance.now();
  }
}
const clock = new BenchClock();
const sink: EvaluationSink & { events: number } = {
  events: 0,
  onEvent() {
    this.events++;
  },
};

// As the storage registry opens it (SQLite in its worker thread, synchronous=full), with a longer
// open timeout: on a loaded machine 2.7 M series take longer than the default 120 s to index.
const store = openThreadedSqliteStore({ dir: args.dir, retention: DEFAULT_RETENTION, log, synchronous: 'full', openTimeoutMs: 900_000 });
await store.ready?.();
const opened = { wallS: process.uptime(), cpuS: cpuS(), ...mem(), series: store.stats().series };

// Resumed as after a restart: every agent's cursor where the previous run's evaluation stood.
const agents = Array.from({ length: PRACTICES }, (_, p) => ({ practice: ods(p), agent: 'srv1', lastSeen: clock.t - 30_000 }));
const evaluator = createEvaluator({
  source: store,
  profiles: loadThresholds({}),
  clock,
  sink,
  log,
  agents,
  restore: { cursors: agents.map((a) => ({ practice: a.practice, agent: a.agent, evaluatedUntil: T0 + (MINUTES - 4) * M })), states: [] },
});
const first: TickReport = await evaluator.tick();
const evaluating = { wallS: process.uptime(), cpuS: cpuS(), ...mem(), series: first.series, evaluations: first.evaluations, steps: first.steps };

const { live, rest } = practiceSeries();
const defs = [...live, ...rest];
const steady: { writeCpuS: number; tickCpuS: number; tickWallS: number; evaluations: number; rssMB: number }[] = [];
for (let i = 0; i < STEADY; i++) {
  const minute = MINUTES + i;
  clock.t = T0 + (minute + 1) * M;
  const w0 = cpuS();
  const CONCURRENCY = 64;
  for (let p0 = 0; p0 < PRACTICES; p0 += CONCURRENCY) {
    const jobs: Promise<unknown>[] = [];
    for (let p = p0; p < Math.min(PRACTICES, p0 + CONCURRENCY); p++) {
      const samples = minuteOf(defs, p, minute);
      jobs.push(store.write({ practice: ods(p), agent: 'srv1', samples }));
      evaluator.onBatch({ practice: ods(p), agent: 'srv1', samples, receivedAt: clock.t });
    }
    await Promise.all(jobs);
  }
  const writeCpuS = cpuS() - w0;
  clock.t = T0 + (minute + 1) * M + 61_000;
  const t0 = cpuS();
  const r = await evaluator.tick();
  steady.push({ writeCpuS, tickCpuS: cpuS() - t0, tickWallS: r.durationMs / 1000, evaluations: r.evaluations, rssMB: mem().rssMB });
}
const end = mem();
await store.close();
console.log(JSON.stringify({ practices: PRACTICES, liveSeries: live.length, allSeries: defs.length, opened, evaluating, steady, end, events: sink.events }));
