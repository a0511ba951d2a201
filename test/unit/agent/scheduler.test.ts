// The scheduler's envelope, on vitest's fake clock (deterministic: no timing thresholds).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler, type SchedulerOptions } from '../../../agent/src/scheduler/scheduler.ts';
import { startOffsets } from '../../../agent/src/scheduler/spread.ts';
import type { RunRecord } from '../../../agent/src/scheduler/run.ts';
import type { SetAsideSample } from '../../../agent/src/spool/set-aside.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import type { ProbeKind, ProbeResult } from '../../../agent/src/probes/types.ts';
import { captureLog, fakeKind, LEVEL, sleep, type Behaviour } from './helpers/fakes.ts';

const T0 = 1_700_000_000_000;
const fakeClock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Harness {
  starts: Map<string, number[]>;
  records: Array<{ id: string; record: RunRecord }>;
  spooled: WireSample[];
  logs: ReturnType<typeof captureLog>;
  scheduler: ReturnType<typeof createScheduler>;
  setAside: SetAsideSample[];
}

function harness(checks: SchedulerOptions['checks'], probes: readonly ProbeKind[], extra: Partial<SchedulerOptions> = {}): Harness {
  const logs = captureLog();
  const records: Harness['records'] = [];
  const spooled: WireSample[] = [];
  const setAside: SetAsideSample[] = [];
  const scheduler = createScheduler({
    checks,
    probes,
    env: { log: logs.log, clock: fakeClock, collector: { url: 'http://127.0.0.1:9', token: 'x'.repeat(16) } },
    sink: (s) => spooled.push(...s),
    setAside: (items) => setAside.push(...items),
    log: logs.log,
    clock: fakeClock,
    graceMs: 500,
    onRun: (id, record) => records.push({ id, record }),
    ...extra,
  });
  return { starts: new Map(), records, spooled, logs, scheduler, setAside };
}

/** stop() waits up to the grace period for runs in flight; let the fake clock move meanwhile. */
async function stopOnFakeClock(h: Harness): Promise<void> {
  const stopped = h.scheduler.stop();
  await vi.advanceTimersByTimeAsync(1000);
  await stopped;
}

/** A behaviour that notes when each target's run starts, then works for `ms` (honouring abort). */
function working(starts: Map<string, number[]>, ms: (target: string) => number): Behaviour {
  return async (ctx, { target }) => {
    starts.set(target, [...(starts.get(target) ?? []), Date.now() - T0]);
    await sleep(ms(target), ctx.signal);
    return { outcome: 'success', samples: [{ metric: 'tcp_connect_ms', value: ms(target) }] };
  };
}

describe('start spread (jitter)', () => {
  it('gives each of 20 checks at one interval its own slice of the interval', () => {
    const checks = Array.from({ length: 20 }, () => ({ intervalMs: 30_000 }));
    for (const random of [() => 0, () => 0.5, () => 0.999999, Math.random]) {
      const offsets = startOffsets(checks, { maxSpreadMs: 60_000, random });
      offsets.forEach((o, i) => expect(Math.floor(o / 1500), `check ${i}`).toBe(i));
    }
  });

  it('spreads long intervals over at most maxSpreadMs, each interval group on its own', () => {
    const offsets = startOffsets([{ intervalMs: 3_600_000 }, { intervalMs: 3_600_000 }, { intervalMs: 30_000 }], { maxSpreadMs: 60_000, random: () => 0.5 });
    expect(offsets).toEqual([15_000, 45_000, 15_000]);
  });

  it('the scheduler really starts 20 targets apart, not at once', async () => {
    const starts = new Map<string, number[]>();
    const kind = fakeKind(
      'fake',
      working(starts, () => 10),
      { concurrency: 20 },
    );
    const checks = Array.from({ length: 20 }, (_, i) => ({ kind: 'fake', target: `t${i}`, role: 'lan-gateway', intervalMs: 30_000 }));
    const h = harness(checks, [kind]);
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(30_000);
    const first = checks.map((c) => starts.get(c.target)?.[0]);
    first.forEach((t, i) => expect(Math.floor((t ?? -1) / 1500), c(i)).toBe(i));
    await stopOnFakeClock(h);
    function c(i: number): string {
      return `t${i} started at ${first[i]}`;
    }
  });
});

describe('timing', () => {
  it('schedules from the planned start: no drift, and a hung neighbour delays nobody', async () => {
    const starts = new Map<string, number[]>();
    const steady = fakeKind(
      'steady',
      working(starts, () => 300),
    );
    const hung = fakeKind('hung', async (_ctx, { target }) => {
      starts.set(target, [...(starts.get(target) ?? []), Date.now() - T0]);
      return new Promise(() => {}); // never settles, ignores the abort
    });
    const h = harness(
      [
        { kind: 'steady', target: 'a', role: 'lan-gateway', intervalMs: 1000, timeoutMs: 900 },
        { kind: 'hung', target: 'b', role: 'lan-gateway', intervalMs: 1000, timeoutMs: 900 },
      ],
      [steady, hung],
      { random: () => 0, maxStartSpreadMs: 1 },
    );
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(10_050);
    expect(starts.get('a')).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
    const a = h.records.filter((r) => r.id === 'steady:a');
    expect(a.map((r) => r.record.startedAt - T0)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
    expect(a.every((r) => r.record.outcome === 'success' && r.record.durationMs === 300)).toBe(true);
    await stopOnFakeClock(h);
  });

  it('never runs more than ProbeKind.concurrency of a kind at once; the rest wait their turn', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const startedAt: number[] = [];
    const kind = fakeKind(
      'capped',
      async (ctx) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        startedAt.push(Date.now() - T0);
        try {
          await sleep(400, ctx.signal);
          return { outcome: 'success', samples: [] };
        } finally {
          inFlight--;
        }
      },
      { concurrency: 2 },
    );
    const checks = Array.from({ length: 6 }, (_, i) => ({ kind: 'capped', target: `t${i}`, role: 'lan-gateway', intervalMs: 10_000, timeoutMs: 5000 }));
    const h = harness(checks, [kind], { maxStartSpreadMs: 1 });
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(maxInFlight).toBe(2);
    expect(startedAt).toEqual([0, 0, 400, 400, 800, 800]);
    expect(h.records.map((r) => r.record.outcome)).toEqual(Array(6).fill('success'));
    await stopOnFakeClock(h);
  });
});

describe('timeouts', () => {
  it('aborts the probe at timeoutMs; a probe that honours it ends as `timeout`', async () => {
    const kind = fakeKind('slow', async (ctx) => {
      await sleep(60_000, ctx.signal); // rejects with the TimeoutError when aborted
      return { outcome: 'success', samples: [] };
    });
    const h = harness([{ kind: 'slow', target: 'x', role: 'lan-gateway', intervalMs: 5000, timeoutMs: 700 }], [kind], { maxStartSpreadMs: 1 });
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.records).toHaveLength(1);
    expect(h.records[0]?.record).toMatchObject({ outcome: 'timeout', durationMs: 700, abandoned: false });
    expect(h.logs.lines.filter((l) => l.level >= LEVEL.error)).toEqual([]);
    await stopOnFakeClock(h);
  });

  it('records a probe that ignores the abort as `timeout` after the grace period, and warns', async () => {
    const kind = fakeKind('deaf', () => new Promise(() => {}));
    const h = harness([{ kind: 'deaf', target: 'x', role: 'lan-gateway', intervalMs: 5000, timeoutMs: 700 }], [kind], { maxStartSpreadMs: 1 });
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(1199);
    expect(h.records).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.records[0]?.record).toMatchObject({ outcome: 'timeout', durationMs: 1200, abandoned: true });
    expect(h.logs.find('probe ignored the abort; recorded as timeout')).toHaveLength(1);
    const success = h.spooled.find((s) => s.metric === 'probe_success');
    expect(success).toEqual({ metric: 'probe_success', labels: { check: 'deaf:x', target: 'x', role: 'lan-gateway', outcome: 'timeout' }, ts: T0, value: 0 });
    await stopOnFakeClock(h);
  });

  it('an overrunning check skips its next slot (counted, warned) instead of piling up', async () => {
    const kind = fakeKind('deaf', () => new Promise(() => {}));
    const h = harness([{ kind: 'deaf', target: 'x', role: 'lan-gateway', intervalMs: 1000, timeoutMs: 900 }], [kind], { maxStartSpreadMs: 1 });
    h.scheduler.start();
    // Each run is given up at 900 + 500 ms, so the slot 1000 ms after each start finds it running.
    await vi.advanceTimersByTimeAsync(5500);
    expect(h.records.map((r) => r.record.startedAt - T0)).toEqual([0, 2000, 4000]);
    const stats = h.scheduler.stats()[0];
    expect(stats).toMatchObject({ runs: 3, skipped: 3, timeouts: 3, abandoned: 3 });
    expect(h.logs.find('check still running at its next slot; slot skipped').map((l) => l.skipped)).toEqual([1, 2, 3]);
    await stopOnFakeClock(h);
  });
});

describe('outcomes and samples', () => {
  it('a probe that throws is `internal_error`, logged with its stack, and the check keeps running', async () => {
    const kind = fakeKind('buggy', async (_ctx, { n }) => {
      if (n === 0) throw new TypeError('boom in the probe');
      return { outcome: 'success', samples: [] };
    });
    const h = harness([{ kind: 'buggy', target: 'x', role: 'lan-gateway', intervalMs: 1000 }], [kind], { maxStartSpreadMs: 1 });
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(2500);
    expect(h.records.map((r) => r.record.outcome)).toEqual(['internal_error', 'success', 'success']);
    const [err] = h.logs.find('probe threw; recorded as internal_error');
    expect(err?.level).toBe(LEVEL.error);
    expect((err?.err as { stack: string }).stack).toContain('TypeError: boom in the probe');
    expect(h.scheduler.stats()[0]).toMatchObject({ runs: 3, internalErrors: 1, lastOutcome: 'success' });
    await stopOnFakeClock(h);
  });

  it('stamps samples with the run start and base + sample labels; drops samples that would fail ingest', async () => {
    const kind = fakeKind('rich', async (): Promise<ProbeResult> => {
      await sleep(40);
      return {
        outcome: 'success',
        samples: [
          { metric: 'http_phase_ms', value: 12.5, labels: { phase: 'connect' } },
          { metric: 'http_total_ms', value: 40, ts: T0 + 7 },
          { metric: 'http_total_ms', value: Number.NaN },
          { metric: 'no_such_metric' as 'http_total_ms', value: 1 },
          { metric: 'http_status_code', value: 200, labels: { practice: 'A81001' } },
        ],
      };
    });
    const h = harness([{ kind: 'rich', target: 'web', role: 'national-app', app: 'eps', intervalMs: 5000, labels: { site: 'Branch' } }], [kind], {
      maxStartSpreadMs: 1,
    });
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(100);
    const base = { site: 'Branch', target: 'web', role: 'national-app', app: 'eps', check: 'rich:web' };
    expect(h.spooled).toEqual([
      { metric: 'probe_success', labels: { ...base, outcome: 'success' }, ts: T0, value: 1 },
      { metric: 'probe_duration_ms', labels: base, ts: T0, value: 40 },
      { metric: 'http_phase_ms', labels: { ...base, phase: 'connect' }, ts: T0, value: 12.5 },
      { metric: 'http_total_ms', labels: base, ts: T0 + 7, value: 40 },
    ]);
    expect(h.records[0]?.record.invalidSamples).toBe(3);
    expect(h.setAside.map((x) => [x.check, x.status, x.reason])).toEqual([
      ['rich:web', 0, 'schema: value: must be number (got NaN)'],
      ['rich:web', 0, 'unknown_metric: metric: "no_such_metric" is not in the metric catalog (shared/src/metrics.ts)'],
      ['rich:web', 0, 'label_reserved: labels.practice: reserved label; the collector sets it from the token'],
    ]);
    expect(h.scheduler.stats()[0]?.setAside).toBe(3);
    const logged = () =>
      h.logs.find('sample set aside: the collector would refuse it (logged once per check and rule; counted in agent_rejected_samples_total)');
    expect(logged().map((l) => l.rule)).toEqual(['schema', 'unknown_metric', 'label_reserved']);
    // The next run breaks the same rules: set aside and counted again, logged no more.
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.scheduler.stats()[0]?.setAside).toBe(6);
    expect(h.setAside).toHaveLength(6);
    expect(logged()).toHaveLength(3);
    await stopOnFakeClock(h);
  });

  it('a probe that rejects because of the abort is a `timeout`, not an internal_error', async () => {
    const kind = fakeKind('aborty', (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('socket aborted')))));
    const h = harness([{ kind: 'aborty', target: 'x', role: 'lan-gateway', intervalMs: 5000, timeoutMs: 300 }], [kind], { maxStartSpreadMs: 1 });
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(400);
    expect(h.records[0]?.record).toMatchObject({ outcome: 'timeout', message: 'socket aborted', abandoned: false });
    await stopOnFakeClock(h);
  });

  it('stop() aborts runs in flight, records nothing for them and closes every probe', async () => {
    const closed: string[] = [];
    const kind = fakeKind(
      'long',
      async (ctx) => {
        await sleep(3000, ctx.signal);
        return { outcome: 'success', samples: [] };
      },
      { closed },
    );
    const h = harness([{ kind: 'long', target: 'x', role: 'lan-gateway', intervalMs: 10_000, timeoutMs: 5000 }], [kind], { maxStartSpreadMs: 1 });
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(100);
    await stopOnFakeClock(h);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(h.records).toEqual([]);
    expect(h.spooled).toEqual([]);
    expect(closed).toEqual(['x']);
  });

  it('a sink that throws is logged; the scheduler keeps going', async () => {
    const kind = fakeKind('ok', async () => ({ outcome: 'success', samples: [] }));
    const h = harness([{ kind: 'ok', target: 'x', role: 'lan-gateway', intervalMs: 1000 }], [kind], {
      maxStartSpreadMs: 1,
      sink: () => {
        throw new Error('disk full');
      },
    });
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(1500);
    expect(h.records).toHaveLength(2);
    expect(h.logs.find("could not spool the run's samples; they are lost")).toHaveLength(2);
    await stopOnFakeClock(h);
  });
});
