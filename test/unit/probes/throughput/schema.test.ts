/** The throughput check's config: PRODUCT.md's example, every problem as an exact `path: message`. */
import { describe, expect, it } from 'vitest';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { isN3monError } from '../../../../shared/src/errors.ts';
import { parseAgentConfig } from '../../../../agent/src/config/parse.ts';
import { effectiveTimeoutMs } from '../../../../agent/src/config/parse.ts';
import { ThroughputCheck, defaultTimeoutMs, validateThroughputCheck } from '../../../../agent/src/probes/throughput/schema.ts';
import { throughputProbe } from '../../../../agent/src/probes/throughput/index.ts';
import { PROBES, probeFor } from '../../../../agent/src/probes/registry.ts';

function check(input: Record<string, unknown>): ThroughputCheck {
  const r = parseWithSchema(ThroughputCheck, { kind: 'throughput', ...input });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
}

function problemsOf(config: unknown): string[] {
  try {
    parseAgentConfig(config, 'agent.yaml', PROBES);
  } catch (err) {
    if (isN3monError(err, 'N3MON_ERR_CONFIG_INVALID')) return [...err.problems];
    throw err;
  }
  return [];
}

const collector = { url: 'http://127.0.0.1:8080', token: 'n3a_0123456789abcdef' };

describe('throughput check schema', () => {
  it("is registered, and PRODUCT.md's example is a valid check with the documented defaults", () => {
    expect(probeFor('throughput')).toBe(throughputProbe);
    const c = check({ intervalMs: 3_600_000, sizeBytes: 10_000_000, offCoreHoursOnly: true });
    expect(c).toEqual({
      kind: 'throughput',
      role: 'internet',
      intervalMs: 3_600_000,
      sizeBytes: 10_000_000,
      maxDurationMs: 15_000,
      warmupMs: 500,
      direction: 'both',
      offCoreHoursOnly: true,
    });
    expect(check({})).toEqual(c);
    expect(validateThroughputCheck(c)).toEqual([]);
    // Two directions of 15 s, each allowed 15 s + 15 s more for the bytes queued when sending stops.
    expect(defaultTimeoutMs(c)).toBe(90_000);
    expect(effectiveTimeoutMs(c, throughputProbe)).toBe(90_000);
    expect(defaultTimeoutMs(check({ direction: 'up', maxDurationMs: 5000 }))).toBe(25_000);
    expect(throughputProbe.baseLabels(c)).toEqual({ target: 'collector', role: 'internet' });
  });

  it('lists every bad field and unknown key, each as `path: message`', () => {
    expect(
      parseWithSchema(ThroughputCheck, {
        kind: 'throughput',
        sizeBytes: 10,
        maxDurationMs: 100_000,
        warmupMs: -1,
        direction: 'sideways',
        offCoreHoursOnly: 'yes',
        size: 5,
      }),
    ).toEqual({
      ok: false,
      problems: [
        'sizeBytes: must be >= 100000',
        'maxDurationMs: must be <= 60000',
        'warmupMs: must be >= 0',
        'direction: must be one of "both", "down", "up" (got string "sideways")',
        'offCoreHoursOnly: must be boolean (got string "yes")',
        'size: unknown key (allowed: kind, id, role, intervalMs, timeoutMs, app, labels, sizeBytes, maxDurationMs, warmupMs, direction, offCoreHoursOnly)',
      ],
    });
  });

  it('refuses what the schema cannot say: too often, a warm-up eating the test, a timeout too short', () => {
    expect(validateThroughputCheck(check({ intervalMs: 60_000, warmupMs: 9000, maxDurationMs: 10_000, timeoutMs: 20_000 }))).toEqual([
      "intervalMs: a throughput test uses the practice's bandwidth; run it at most every 300000 ms (got 60000)",
      'warmupMs: at most half of maxDurationMs (10000), so most of the test is measured',
      'timeoutMs: 20000 ms cannot fit 2 × maxDurationMs (10000) + 5000 ms; raise it or lower maxDurationMs',
    ]);
    expect(validateThroughputCheck(check({ direction: 'down', maxDurationMs: 10_000, timeoutMs: 15_000 }))).toEqual([]);
  });

  it("in an agent config, the problems carry the check's path", () => {
    expect(problemsOf({ collector, checks: [{ kind: 'host' }, { kind: 'throughput', intervalMs: 60_000, sizeBytes: 'big' }] })).toEqual([
      'checks[1].sizeBytes: must be integer (got string "big")',
    ]);
    expect(problemsOf({ collector, checks: [{ kind: 'throughput', intervalMs: 60_000, labels: { target: 'x' } }] })).toEqual([
      'checks[0].labels.target: clashes with a label the agent sets itself',
      "checks[0].intervalMs: a throughput test uses the practice's bandwidth; run it at most every 300000 ms (got 60000)",
    ]);
    expect(problemsOf({ collector, checks: [{ kind: 'throughput' }] })).toEqual([]);
  });
});
