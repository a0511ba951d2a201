/**
 * The probe's run: off core hours only (the shared core-hours calendar), both directions in order,
 * and refusals as outcomes. The transfers here are stand-ins that record what they were asked; the
 * real ones run against a real collector in test/integration/throughput/.
 */
import { describe, expect, it } from 'vitest';
import { createCoreCalendar } from '../../../../shared/src/calendar/core-hours.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import type { Clock } from '../../../../shared/src/clock.ts';
import { coreHoursSkip } from '../../../../agent/src/probes/throughput/schedule.ts';
import { createThroughputProbe } from '../../../../agent/src/probes/throughput/probe.ts';
import { outcomeForStatus, describeRefusal } from '../../../../agent/src/probes/throughput/outcome.ts';
import type { Transfer, TransferOptions, TransferResult } from '../../../../agent/src/probes/throughput/transfer.ts';
import { ThroughputCheck } from '../../../../agent/src/probes/throughput/schema.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import type { RunContext } from '../../../../agent/src/probes/types.ts';

const calendar = createCoreCalendar();
const at = (iso: string): number => Date.parse(iso);

describe('core hours (08:00–18:30 Mon–Fri Europe/London, bank holidays excluded)', () => {
  const window = 90_000;
  it.each([
    ['Monday 10:00 GMT', '2026-11-23T10:00:00Z', 'core hours now'],
    ['Monday 10:00 BST (09:00 UTC)', '2026-07-06T09:00:00Z', 'core hours now'],
    ['Monday 18:29 GMT', '2026-11-23T18:29:00Z', 'core hours now'],
    ['Monday 07:59 GMT: the test would run into 08:00', '2026-11-23T07:59:00Z', "core hours start within the test's 90000 ms"],
    ['Monday 07:58 BST: the test ends before 08:00', '2026-07-06T06:58:00Z', undefined],
    ['Monday 18:30 GMT', '2026-11-23T18:30:00Z', undefined],
    ['Monday 08:30 BST (07:30 UTC)', '2026-07-06T07:30:00Z', 'core hours now'],
    ['Saturday 11:00', '2026-11-28T11:00:00Z', undefined],
    ['Christmas Day (Friday) 11:00', '2026-12-25T11:00:00Z', undefined],
    ['Boxing Day substitute (Monday 28 December) 11:00', '2026-12-28T11:00:00Z', undefined],
  ])('%s', (_what, iso, expected) => {
    expect(coreHoursSkip(calendar, at(iso), window)).toBe(expected);
  });
});

type Call = { direction: 'down' | 'up'; opts: TransferOptions };

function fakeTransfers(results: Partial<Record<'down' | 'up', TransferResult>> = {}) {
  const calls: Call[] = [];
  const steady: TransferResult = {
    ok: true,
    marks: [
      { tMs: 0, bytes: 65_536 },
      { tMs: 1000, bytes: 65_536 + 250_000 },
      { tMs: 4000, bytes: 65_536 + 1_000_000 },
    ],
    bytes: 1_065_536,
    stoppedEarly: false,
    elapsedMs: 4100,
  };
  const make =
    (direction: 'down' | 'up'): Transfer =>
    async (opts) => {
      calls.push({ direction, opts });
      return results[direction] ?? steady;
    };
  return { calls, transfers: { down: make('down'), up: make('up') } };
}

function check(input: Record<string, unknown> = {}): ThroughputCheck {
  const r = parseWithSchema(ThroughputCheck, { kind: 'throughput', ...input });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
}

const env = { log: silentLogger(), collector: { url: 'http://collector.example.invalid:8080', token: 'n3a_secret_token_value' } };

function ctxAt(iso: string): RunContext {
  const clock: Clock = { now: () => at(iso), monotonic: () => 0 };
  return { signal: new AbortController().signal, timeoutMs: 90_000, log: silentLogger(), clock };
}

describe('throughput probe run', () => {
  it('in core hours with offCoreHoursOnly: success, no samples, no transfer at all', async () => {
    const f = fakeTransfers();
    const probe = createThroughputProbe(check(), env, { calendar, transfers: f.transfers });
    expect(await probe.run(ctxAt('2026-11-23T10:00:00Z'))).toEqual({ outcome: 'success', samples: [], message: 'skipped: core hours now (offCoreHoursOnly)' });
    expect(f.calls).toEqual([]);
  });

  it('outside core hours it measures down, then up, starting small (2 MB of sizeBytes), with the collector from env', async () => {
    const f = fakeTransfers();
    const probe = createThroughputProbe(check({ sizeBytes: 4_000_000, maxDurationMs: 8000, warmupMs: 1000 }), env, { calendar, transfers: f.transfers });
    const r = await probe.run(ctxAt('2026-11-23T22:00:00Z'));
    // 750,000 bytes in the 3 s after the 1 s warm-up: 2 Mbit/s.
    expect(r).toEqual({
      outcome: 'success',
      samples: [
        { metric: 'throughput_down_bps', value: 2_000_000 },
        { metric: 'throughput_up_bps', value: 2_000_000 },
      ],
    });
    expect(f.calls.map((c) => [c.direction, c.opts.base, c.opts.token, c.opts.bytes, c.opts.maxDurationMs])).toEqual([
      // The first 2 MB lasted 4 s, long enough to time after the 1 s warm-up: no bigger transfer.
      ['down', env.collector.url, env.collector.token, 2_000_000, 8000],
      ['up', env.collector.url, env.collector.token, 2_000_000, 8000],
    ]);
  });

  it('offCoreHoursOnly: false runs in core hours too; direction picks one transfer', async () => {
    const f = fakeTransfers();
    const probe = createThroughputProbe(check({ offCoreHoursOnly: false, direction: 'up' }), env, { calendar, transfers: f.transfers });
    const r = await probe.run(ctxAt('2026-11-23T10:00:00Z'));
    expect(r.samples.map((s) => s.metric)).toEqual(['throughput_up_bps']);
    expect(f.calls.map((c) => c.direction)).toEqual(['up']);
  });

  it('a refused upload ends the run with its outcome; the download measured before it is kept', async () => {
    const f = fakeTransfers({
      up: { ok: false, outcome: 'unavailable', message: 'upload: HTTP 429 N3MON_ERR_RATE_LIMITED: budget spent (Retry-After: 120 s)' },
    });
    const probe = createThroughputProbe(check(), env, { calendar, transfers: f.transfers });
    const r = await probe.run(ctxAt('2026-11-28T11:00:00Z'));
    expect(r.outcome).toBe('unavailable');
    expect(r.message).toBe('upload: HTTP 429 N3MON_ERR_RATE_LIMITED: budget spent (Retry-After: 120 s)');
    expect(r.samples.map((s) => s.metric)).toEqual(['throughput_down_bps']);
  });

  it('a fast path is measured, not refused: transfers grow to sizeBytes, and a reading still too short to time is a lower bound', async () => {
    const asked: number[] = [];
    // Every transfer arrives in one read, 2 ms after the connection is up (loopback on a fast machine).
    const oneRead: Transfer = async (opts) => {
      asked.push(opts.bytes);
      return { ok: true, marks: [{ tMs: 0, bytes: opts.bytes }], bytes: opts.bytes, stoppedEarly: false, elapsedMs: 2 };
    };
    const probe = createThroughputProbe(check({ sizeBytes: 20_000_000, direction: 'down' }), env, { calendar, transfers: { down: oneRead, up: oneRead } });
    const r = await probe.run(ctxAt('2026-11-28T11:00:00Z'));
    // 2 MB in 2 ms says "fast": the next transfer is all of sizeBytes.
    expect(asked).toEqual([2_000_000, 20_000_000]);
    // 20 MB in 2 ms, connection and answer included: at least 80 Gbit/s — said so in the sample.
    expect(r).toEqual({ outcome: 'success', samples: [{ metric: 'throughput_down_bps', value: 80_000_000_000, labels: { reading: 'lower_bound' } }] });
  });

  it('growth aims at twice the time needed, at the rate the last transfer showed', async () => {
    const asked: number[] = [];
    // 12.5 MB/s (100 Mbit/s), reads every 10 ms.
    const link: Transfer = async (opts) => {
      asked.push(opts.bytes);
      const ms = opts.bytes / 12_500;
      const marks = [];
      for (let t = 10; t <= ms; t += 10) marks.push({ tMs: t - 10, bytes: t * 12_500 });
      return { ok: true, marks, bytes: opts.bytes, stoppedEarly: false, elapsedMs: ms };
    };
    const probe = createThroughputProbe(check({ sizeBytes: 100_000_000, direction: 'up', warmupMs: 500 }), env, {
      calendar,
      transfers: { down: link, up: link },
    });
    const r = await probe.run(ctxAt('2026-11-28T11:00:00Z'));
    // 2 MB took 160 ms: next, 12.5 MB/s × 2 × 2.5 s = 62.5 MB, which lasts 5 s.
    expect(asked).toEqual([2_000_000, 62_500_000]);
    expect(r.samples, JSON.stringify(r)).toEqual([{ metric: 'throughput_up_bps', value: 100_000_000 }]);
  });

  it("over the collector's byte cap (413) while growing: the last transfer that went through, as a lower bound", async () => {
    const asked: number[] = [];
    const capped: Transfer = async (opts) => {
      asked.push(opts.bytes);
      if (opts.bytes > 2_000_000) return { ok: false, outcome: 'mismatch', status: 413, message: 'download: HTTP 413 N3MON_ERR_REQUEST_TOO_LARGE: too big' };
      return {
        ok: true,
        marks: [
          { tMs: 0, bytes: 65_536 },
          { tMs: 100, bytes: opts.bytes },
        ],
        bytes: opts.bytes,
        stoppedEarly: false,
        elapsedMs: 100,
      };
    };
    const probe = createThroughputProbe(check({ direction: 'down' }), env, { calendar, transfers: { down: capped, up: capped } });
    const r = await probe.run(ctxAt('2026-11-28T11:00:00Z'));
    // 2 MB in 0.1 s: 10 MB (sizeBytes) is asked for next, and refused.
    expect(asked).toEqual([2_000_000, 10_000_000]);
    expect(r.outcome).toBe('success');
    expect(r.samples).toEqual([{ metric: 'throughput_down_bps', value: Math.round(((2_000_000 - 65_536) * 8000) / 100), labels: { reading: 'lower_bound' } }]);
  });

  it("a 413 on the first transfer is the check's config: mismatch", async () => {
    const f = fakeTransfers({ down: { ok: false, outcome: 'mismatch', status: 413, message: 'download: HTTP 413 N3MON_ERR_REQUEST_TOO_LARGE: too big' } });
    const probe = createThroughputProbe(check(), env, { calendar, transfers: f.transfers });
    expect(await probe.run(ctxAt('2026-11-28T11:00:00Z'))).toEqual({
      outcome: 'mismatch',
      samples: [],
      message: 'download: HTTP 413 N3MON_ERR_REQUEST_TOO_LARGE: too big',
    });
  });

  it('a reading with the link idle inside its window, or a receiver running late, is marked', async () => {
    // 2 Mbit/s, read every 50 ms, then nothing from 2 s to 2.8 s (a retransmission timeout: no read
    // at all), then 2 Mbit/s again.
    const marks = [];
    for (let t = 0; t <= 4800; t += 50) if (t <= 2000 || t > 2800) marks.push({ tMs: t, bytes: 250 * (t <= 2000 ? t : t - 800) });
    const stalled: TransferResult = { ok: true, marks, bytes: marks.at(-1)!.bytes, stoppedEarly: false, elapsedMs: 4600, receiverLagMs: 3 };
    const late: TransferResult = {
      ok: true,
      marks: [
        { tMs: 0, bytes: 65_536 },
        { tMs: 1000, bytes: 315_536 },
        { tMs: 4000, bytes: 1_065_536 },
      ],
      bytes: 1_065_536,
      stoppedEarly: false,
      elapsedMs: 4100,
      receiverLagMs: 400,
    };
    const f = fakeTransfers({ down: stalled, up: late });
    const probe = createThroughputProbe(check({ warmupMs: 500 }), env, { calendar, transfers: f.transfers });
    const r = await probe.run(ctxAt('2026-11-28T11:00:00Z'));
    expect(r.outcome).toBe('success');
    expect(
      r.samples.map((s) => [s.metric, s.labels?.reading]),
      JSON.stringify(r),
    ).toEqual([
      ['throughput_down_bps', 'stalled'],
      ['throughput_up_bps', 'receiver_behind'],
    ]);
    // The same marks without the idle half-second and with a prompt receiver: trusted, no label.
    const clean = [];
    for (let t = 0; t <= 4800; t += 50) clean.push({ tMs: t, bytes: 250 * t });
    const g = fakeTransfers({ down: { ...stalled, marks: clean, bytes: clean.at(-1)!.bytes }, up: { ...late, receiverLagMs: 20 } });
    const ok = await createThroughputProbe(check({ warmupMs: 500 }), env, { calendar, transfers: g.transfers }).run(ctxAt('2026-11-28T11:00:00Z'));
    expect(ok.samples).toEqual([
      { metric: 'throughput_down_bps', value: 2_000_000 },
      { metric: 'throughput_up_bps', value: 2_000_000 },
    ]);
  });
});

describe('refusals → outcomes', () => {
  it.each([
    [401, 'auth_error'],
    [403, 'auth_error'],
    [429, 'unavailable'],
    [503, 'unavailable'],
    [404, 'unavailable'],
    [413, 'mismatch'],
    [500, 'mismatch'],
  ] as const)('HTTP %i → %s', (status, outcome) => {
    expect(outcomeForStatus(status)).toBe(outcome);
  });

  it("the message carries the collector's code, its message and Retry-After; a foreign body is shown short", () => {
    expect(describeRefusal(429, '{"statusCode":429,"code":"N3MON_ERR_RATE_LIMITED","error":"Too Many Requests","message":"busy"}', '60')).toBe(
      'HTTP 429 N3MON_ERR_RATE_LIMITED: busy (Retry-After: 60 s)',
    );
    expect(describeRefusal(502, '<html>\n<body>Bad   gateway</body></html>', undefined)).toBe('HTTP 502 <html> <body>Bad gateway</body></html>');
  });
});
