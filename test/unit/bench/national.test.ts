/**
 * The national simulation's pure parts (bench/national/): its command line and the schedule its
 * simulated agents send. The simulation itself is a benchmark (npm run bench:national), not a test.
 */
import { describe, expect, it } from 'vitest';
import { parseNationalArgs } from '../../../bench/national/args.ts';
import { checksOf, cutBatches, isBreached, MINUTE_MS, odsOf, runsBetween, samplesPerPracticeMinute } from '../../../bench/national/schedule.ts';
import { ODS_PATTERN } from '../../../shared/src/ods.ts';

describe('bench:national command line', () => {
  it('defaults to 6,500 practices for 3 minutes, pushing every 5 s as the agent does', () => {
    const a = parseNationalArgs([]);
    expect(a).toMatchObject({ practices: 6500, minutes: 3, pushMs: 5000, batchSamples: 5000, breachEvery: 100, graceMs: 30_000 });
  });

  it('lists every bad value as --flag: message before anything starts', () => {
    expect(() => parseNationalArgs(['--practices', '0', '--minutes', 'x', '--push-s', '1.5'])).toThrow(
      /--practices: 1 to 20000 \(got 0\)\n--minutes: not a number \(got x\)/,
    );
    expect(parseNationalArgs(['--push-s', '1.5']).pushMs).toBe(1500);
    expect(() => parseNationalArgs(['--practises', '10'])).toThrow(/practises/);
  });
});

describe('bench:national schedule', () => {
  const t0 = Date.UTC(2026, 11, 7, 12, 0, 0);

  it('sends every series of the reference practice once a minute, in time order, whatever minute is cut', () => {
    const checks = checksOf(17, 6500);
    for (const from of [t0, t0 + 12_345]) {
      const samples = runsBetween(checks, from, from + MINUTE_MS, undefined);
      expect(samples).toHaveLength(samplesPerPracticeMinute());
      expect(samples.length).toBe(340);
      const keys = new Set(samples.map((s) => `${s.metric}${JSON.stringify(s.labels)}`));
      expect(keys.size).toBe(340);
      expect(samples.every((s, i) => i === 0 || (samples[i - 1] as { ts: number }).ts <= s.ts)).toBe(true);
      expect(samples.every((s) => s.ts > from && s.ts <= from + MINUTE_MS)).toBe(true);
    }
  });

  it('spreads practices over the minute and names them with valid ODS codes', () => {
    const first = (p: number): number => Math.min(...checksOf(p, 6500).map((c) => c.offsetMs));
    expect(new Set([0, 1000, 2000, 3000].map(first)).size).toBe(4);
    expect(odsOf(6499)).toMatch(new RegExp(ODS_PATTERN));
    expect([0, 1, 100, 200].map((i) => isBreached(i, 100))).toEqual([true, false, true, true]);
    expect(isBreached(0, 0)).toBe(false);
  });

  it('plants the breach: the national link probes fail (outcome timeout, 0) from the event time, nothing else changes', () => {
    const checks = checksOf(3, 6500);
    const breachAt = t0 + 30_000;
    const before = runsBetween(checks, t0, t0 + 2 * MINUTE_MS, undefined);
    const after = runsBetween(checks, t0, t0 + 2 * MINUTE_MS, breachAt);
    const failing = after.filter((s) => s.labels.outcome === 'timeout');
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((s) => s.metric === 'probe_success' && s.labels.role === 'n3-gateway' && s.value === 0 && s.ts >= breachAt)).toBe(true);
    const changed = after.filter((s, i) => s.value !== before[i]?.value || s.labels !== before[i]?.labels);
    expect(changed).toEqual(failing);
  });

  it('cuts a spool into batches of at most batchSamples, oldest first', () => {
    const samples = runsBetween(checksOf(0, 1), t0, t0 + MINUTE_MS, undefined);
    const batches = cutBatches(samples, 150);
    expect(batches.map((b) => b.length)).toEqual([150, 150, 40]);
    expect(batches.flat()).toEqual(samples);
  });
});
