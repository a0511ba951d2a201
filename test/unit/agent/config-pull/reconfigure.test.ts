// Scheduler.reconfigure: a pulled config applied in place, on vitest's fake clock (the real scheduler,
// fake probe kinds). Added checks start, removed ones stop (a run in flight finishes and its samples
// are kept), changed ones are replaced (or handed the old probe's state), unchanged ones are not
// touched; a probe that cannot be created leaves the running set as it was.
import Type from 'typebox';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { baseCheckFields } from '../../../../agent/src/probes/base-schema.ts';
import { defineProbe, type ProbeKind } from '../../../../agent/src/probes/types.ts';
import { CheckStartError, createScheduler } from '../../../../agent/src/scheduler/scheduler.ts';
import type { Clock } from '../../../../shared/src/clock.ts';
import type { WireSample } from '../../../../shared/src/wire.ts';
import { captureLog, sleep } from '../helpers/fakes.ts';

const T0 = 1_700_000_000_000;
const clock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Life {
  created: string[];
  closed: string[];
  /** target → start times (ms after T0) of its runs, per probe instance (`target#instance`). */
  starts: Map<string, number[]>;
}

/**
 * A kind whose probe works `workMs` per run and counts its runs in `n` (state a hand-over carries);
 * create() throws for target "bad" (as an SNMP factory refusing a cipher would).
 */
function countingKind(life: Life, opts: { handOver?: boolean } = {}): ProbeKind {
  const schema = Type.Object(
    {
      kind: Type.Literal('count'),
      target: Type.String({ minLength: 1 }),
      workMs: Type.Integer({ minimum: 0, default: 10 }),
      ...baseCheckFields({ defaultIntervalMs: 1000, defaultRole: 'lan-gateway' }),
    },
    { additionalProperties: false },
  );
  let instances = 0;
  type Check = { target: string; workMs: number };
  const make = (c: Check, from?: { state: () => number }) => {
    const me = `${c.target}#${++instances}`;
    if (c.target === 'bad') throw new Error('privProtocol: this Node.js cannot do it');
    life.created.push(me);
    let n: number | undefined;
    const probe = {
      state: () => n ?? from?.state() ?? 0,
      run: async (ctx: { signal: AbortSignal }) => {
        n = (n ?? from?.state() ?? 0) + 1;
        life.starts.set(me, [...(life.starts.get(me) ?? []), Date.now() - T0]);
        await sleep(c.workMs, ctx.signal);
        return { outcome: 'success' as const, samples: [{ metric: 'tcp_connect_ms' as const, value: n }] };
      },
      close: () => void life.closed.push(me),
    };
    return probe;
  };
  const kind = defineProbe({
    kind: 'count',
    schema,
    concurrency: 8,
    defaultTimeoutMs: () => 900,
    baseLabels: (c) => ({ target: c.target, role: c.role }),
    create: (c) => make(c),
  }) as unknown as ProbeKind;
  if (opts.handOver !== true) return kind;
  return { ...kind, handOver: (prev, next) => make(next as Check, prev.probe as unknown as { state: () => number }) };
}

function check(target: string, extra: Record<string, unknown> = {}) {
  return Object.freeze({ kind: 'count', id: target, target, workMs: 10, role: 'lan-gateway', intervalMs: 1000, ...extra });
}

function harness(kind: ProbeKind, checks: ReturnType<typeof check>[]) {
  const logs = captureLog();
  const spooled: WireSample[] = [];
  const scheduler = createScheduler({
    checks,
    probes: [kind],
    env: { log: logs.log, clock, collector: { url: 'http://127.0.0.1:9', token: 'x'.repeat(16) } },
    sink: (s) => spooled.push(...s),
    log: logs.log,
    clock,
    graceMs: 500,
    random: () => 0,
    maxStartSpreadMs: 1,
  });
  return { scheduler, spooled, logs };
}

const valuesOf = (spooled: WireSample[], check: string): number[] =>
  spooled.filter((s) => s.metric === 'tcp_connect_ms' && s.labels.check === check).map((s) => s.value);

describe('Scheduler.reconfigure', () => {
  it('starts added checks, stops removed ones, replaces changed ones and leaves unchanged ones alone', async () => {
    const life: Life = { created: [], closed: [], starts: new Map() };
    const h = harness(countingKind(life), [check('a'), check('b'), check('c')]);
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(2500); // runs at 0, 1000, 2000
    const statsA = h.scheduler.stats().find((s) => s.id === 'a');
    expect(statsA?.runs).toBe(3);

    const summary = h.scheduler.reconfigure([check('a'), check('b', { intervalMs: 2000 }), check('d')]);
    expect(summary).toEqual({ added: ['d'], removed: ['c'], changed: ['b'], unchanged: ['a'], handedOver: [] });
    expect(h.scheduler.checkIds()).toEqual(['a', 'b', 'd']);
    await vi.advanceTimersByTimeAsync(4000);

    // a: the same probe instance and stats, on its own beat (3000, 4000, 5000, 6000).
    expect(life.created.filter((p) => p.startsWith('a#'))).toEqual(['a#1']);
    expect(life.starts.get('a#1')).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect(h.scheduler.stats().find((s) => s.id === 'a')?.runs).toBe(7);
    // b: a new probe every 2 s from its old phase; the old one closed, never run again.
    expect(life.closed).toContain('b#2');
    expect(life.starts.get('b#2')).toEqual([0, 1000, 2000]);
    expect(life.starts.get('b#4')).toEqual([3000, 5000]);
    // c: stopped and closed; d: started.
    expect(life.closed).toContain('c#3');
    expect(life.starts.get('c#3')).toEqual([0, 1000, 2000]);
    expect(life.starts.get('d#5')?.[0]).toBe(2500);
    expect(valuesOf(h.spooled, 'b')).toEqual([1, 2, 3, 1, 2]); // a fresh probe: its state starts again
    expect(life.closed).not.toContain('a#1');
    const stopped = h.scheduler.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
  });

  it('lets a removed check’s run in flight finish and keeps its samples; a changed one’s first run waits for the old one’s', async () => {
    const life: Life = { created: [], closed: [], starts: new Map() };
    const h = harness(countingKind(life), [check('slow', { workMs: 1500, intervalMs: 2000, timeoutMs: 1900 }), check('gone', { workMs: 600 })]);
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(100); // both runs in flight: slow 0 … 1500, gone 0 … 600
    h.scheduler.reconfigure([check('slow', { workMs: 50 })]); // every 1000 now: its first slot (1100) falls inside the old run
    await vi.advanceTimersByTimeAsync(400);
    expect(life.closed).toEqual([]); // neither closed while its run is in flight
    await vi.advanceTimersByTimeAsync(200);
    expect(valuesOf(h.spooled, 'gone')).toEqual([1]); // the run finished after the reconfigure, its sample kept
    expect(life.closed).toEqual(['gone#2']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(life.starts.get('gone#2')).toEqual([0]);
    expect(life.closed).toEqual(['gone#2', 'slow#1']);
    expect(valuesOf(h.spooled, 'slow')).toEqual([1, 1]); // the old run's sample, then the new probe's
    expect(life.starts.get('slow#3')).toEqual([1500]); // slot 1100, run once the old one ended at 1500: never two at once
    const stopped = h.scheduler.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
  });

  it('hands a changed check’s state to its new probe when the kind can, without closing the old one', async () => {
    const life: Life = { created: [], closed: [], starts: new Map() };
    const h = harness(countingKind(life, { handOver: true }), [check('dev')]);
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(2500);
    const summary = h.scheduler.reconfigure([check('dev', { labels: { site: 'Branch' } })]);
    expect(summary.handedOver).toEqual(['dev']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(valuesOf(h.spooled, 'dev')).toEqual([1, 2, 3, 4, 5]); // the count carried on
    expect(h.spooled.filter((s) => s.metric === 'tcp_connect_ms' && s.value >= 4).every((s) => s.labels.site === 'Branch')).toBe(true);
    expect(life.closed).toEqual([]);
    const stopped = h.scheduler.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
  });

  it('changes nothing when a probe of the new set cannot be created, and says which check', async () => {
    const life: Life = { created: [], closed: [], starts: new Map() };
    const h = harness(countingKind(life), [check('a'), check('b')]);
    h.scheduler.start();
    await vi.advanceTimersByTimeAsync(1500);
    let err: unknown;
    try {
      h.scheduler.reconfigure([check('a', { intervalMs: 5000 }), check('new'), check('bad')]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckStartError);
    expect(err).toMatchObject({ checkId: 'bad', index: 2, message: 'check "bad" cannot start: privProtocol: this Node.js cannot do it' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.scheduler.checkIds()).toEqual(['a', 'b']);
    expect(life.starts.get('a#1')).toEqual([0, 1000, 2000, 3000]); // still every second: the change to 5 s was not applied
    expect(life.starts.get('b#2')).toEqual([0, 1000, 2000, 3000]);
    await vi.advanceTimersByTimeAsync(10); // the discarded probes' close runs on a later tick
    expect(life.closed.sort()).toEqual(['a#3', 'new#4']); // made for the refused set, discarded; the running ones untouched
    expect(life.starts.has('new#4')).toBe(false);
    const stopped = h.scheduler.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
  });
});
