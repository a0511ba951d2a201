/**
 * The evaluator over a store that reads many series at once (rawMany: window-loads.ts) raises
 * and clears exactly what it does over one read per series — the same events, states and
 * progress, through a cold start, steady minutes, an agent's backlog and a check whose runs are
 * several outcome series — and reads with far fewer calls.
 */
import { describe, expect, it } from 'vitest';
import { createEvaluator } from '../../../collector/src/evaluation/evaluator.ts';
import { loadThresholds } from '../../../collector/src/evaluation/profile.ts';
import type { RawColumns } from '../../../collector/src/storage/types.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { FakeClock, MemorySource, RecordingSink, samples } from './memory-source.ts';

const M = 60_000;
const T0 = Date.UTC(2026, 10, 2, 9, 0);

/** The same data for both runs: three practices, link RTT turning bad, an outage (outcome series), a late agent. */
function fill(src: MemorySource, upTo: number): void {
  for (const [i, ods] of ['A81001', 'A81002', 'A81003'].entries()) {
    const end = ods === 'A81003' ? upTo - 40 * M : upTo; // A81003 lags: a backlog later
    const link = { role: 'n3-gateway', target: '10.0.0.1', check: 'icmp:link' };
    src.write(
      ods,
      'srv1',
      'icmp_rtt_avg_ms',
      link,
      samples(T0, end, 30_000, (ts) => (ts > T0 + (20 + i * 10) * M ? 400 : 20)),
    );
    src.write(
      ods,
      'srv1',
      'icmp_loss_ratio',
      link,
      samples(T0, end, 30_000, () => 0),
    );
    src.write(
      ods,
      'srv1',
      'probe_success',
      { ...link, outcome: 'success' },
      samples(T0, end, 30_000, () => 1).filter((p) => p.ts < T0 + 30 * M || p.ts > T0 + 50 * M),
    );
    src.write(
      ods,
      'srv1',
      'probe_success',
      { ...link, outcome: 'timeout' },
      samples(T0 + 30 * M, Math.min(end, T0 + 50 * M), 30_000, () => 0),
    );
    src.write(
      ods,
      'srv1',
      'host_disk_used_ratio',
      { role: 'server', check: 'host', mount: '/' },
      samples(T0, end, M, (ts) => (ts > T0 + 45 * M ? 0.95 : 0.5)),
    );
  }
}

async function run(
  batched: boolean,
  o: { lookbackMs: number; minutes: readonly number[] } = { lookbackMs: 0, minutes: Array.from({ length: 17 }, (_, i) => 10 + 5 * i) },
): Promise<{ events: string[]; progress: string; reads: number }> {
  const src = new MemorySource();
  let reads = 0;
  const source = {
    findSeries: src.findSeries.bind(src),
    stats: src.stats.bind(src),
    raw: (id: string, from: number, to: number) => {
      reads++;
      return src.raw(id, from, to);
    },
    ...(batched
      ? {
          async rawMany(ids: readonly string[], from: number, to: number): Promise<RawColumns> {
            reads++;
            const lists = await Promise.all(ids.map((id) => src.raw(id, from, to)));
            const offsets = new Int32Array(ids.length + 1);
            lists.forEach((l, i) => {
              offsets[i + 1] = (offsets[i] as number) + l.length;
            });
            const flat = lists.flat();
            return { offsets, ts: Float64Array.from(flat, (p) => p.ts), values: Float64Array.from(flat, (p) => p.value) };
          },
        }
      : {}),
  };
  const clock = new FakeClock(T0);
  const sink = new RecordingSink();
  const ev = createEvaluator({
    source,
    profiles: loadThresholds({}),
    clock,
    sink,
    log: silentLogger(),
    options: { initialLookbackMs: o.lookbackMs, graceMs: 60_000 },
  });
  src.attach(ev, clock);
  for (const minute of o.minutes) {
    clock.t = T0 + minute * M;
    fill(src, clock.t);
    await ev.tick();
  }
  const progress = JSON.stringify(
    sink.progress.map((p) => [p.practice, p.evaluatedUntil, p.changed.map((c) => [c.seriesId, c.ruleId, c.state.held, c.state.level])]),
  );
  return { events: sink.summary(), progress, reads };
}

describe('window loads through rawMany', () => {
  it('gives the same events and progress as a read per series, with fewer reads', async () => {
    const perSeries = await run(false);
    const batched = await run(true);
    expect(perSeries.events.length).toBeGreaterThan(6);
    expect(batched.events).toEqual(perSeries.events);
    expect(batched.progress).toBe(perSeries.progress);
    expect(batched.reads).toBeLessThan(perSeries.reads / 3);
  });

  it("reads an agent's backlog longer than a batched read (3 h) in one read per range, not one per series", async () => {
    // The first tick looks 6 h back over 5 h of data: every agent's windows are a backlog.
    const o = { lookbackMs: 6 * 60 * M, minutes: [300, 305, 310] };
    const perSeries = await run(false, o);
    const batched = await run(true, o);
    expect(perSeries.events.length).toBeGreaterThan(6);
    expect(batched.events).toEqual(perSeries.events);
    expect(batched.progress).toBe(perSeries.progress);
    expect(batched.reads).toBeLessThan(perSeries.reads / 3);
  });
});
