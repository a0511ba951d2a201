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
  const steady: TransferResult = { ok: true, marks: [{ tMs: 0, bytes: 65_536 }, { tMs: 1000, bytes: 65_536 + 250_000 }, { tMs: 4000, bytes: 65_536 + 1_000_000 }], bytes: 1_065_536, stoppedEarly: false };
  const make = (direction: 'down' | 'up'): Transfer => async (opts) => {
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

  it('outside core hours it measures down, then up, with the check\'s size and the collector from env', async () => {
    const f = fakeTransfers();
    const probe = createThroughputProbe(check({ sizeBytes: 2_000_000, maxDurationMs: 8000, warmupMs: 1000 }), env, { calendar, transfers: f.transfers });
    const r = await probe.run(ctxAt('2026-11-23T22:00:00Z'));
    // 750,000 bytes in the 3 s after the 1 s warm-up: 2 Mbit/s.
    expect(r).toEqual({ outcome: 'success', samples: [{ metric: 'throughput_down_bps', value: 2_000_000 }, { metric: 'throughput_up_bps', value: 2_000_000 }] });
    expect(f.calls.map((c) => [c.direction, c.opts.base, c.opts.token, c.opts.bytes, c.opts.maxDurationMs])).toEqual([
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
    const f = fakeTransfers({ up: { ok: false, outcome: 'unavailable', message: 'upload: HTTP 429 N3MON_ERR_RATE_LIMITED: budget spent (Retry-After: 120 s)' } });
    const probe = createThroughputProbe(check(), env, { calendar, transfers: f.transfers });
    const r = await probe.run(ctxAt('2026-11-28T11:00:00Z'));
    expect(r.outcome).toBe('unavailable');
    expect(r.message).toBe('upload: HTTP 429 N3MON_ERR_RATE_LIMITED: budget spent (Retry-After: 120 s)');
    expect(r.samples.map((s) => s.metric)).toEqual(['throughput_down_bps']);
  });

  it('a transfer too small to time is a mismatch, not a made-up rate', async () => {
    const f = fakeTransfers({ down: { ok: true, marks: [{ tMs: 0, bytes: 100_000 }], bytes: 100_000, stoppedEarly: false } });
    const probe = createThroughputProbe(check(), env, { calendar, transfers: f.transfers });
    expect(await probe.run(ctxAt('2026-11-28T11:00:00Z'))).toEqual({ outcome: 'mismatch', samples: [], message: 'down: the payload arrived in a single read: too little to time (raise sizeBytes)' });
    expect(f.calls).toHaveLength(1);
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

  it('the message carries the collector\'s code, its message and Retry-After; a foreign body is shown short', () => {
    expect(describeRefusal(429, '{"statusCode":429,"code":"N3MON_ERR_RATE_LIMITED","error":"Too Many Requests","message":"busy"}', '60')).toBe('HTTP 429 N3MON_ERR_RATE_LIMITED: busy (Retry-After: 60 s)');
    expect(describeRefusal(502, '<html>\n<body>Bad   gateway</body></html>', undefined)).toBe('HTTP 502 <html> <body>Bad gateway</body></html>');
  });
});
