/**
 * The icmp probe with the real system ping, on loopback: a healthy burst, IPv6, and a machine
 * without a ping binary (`unavailable`, not "host down").
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { icmpProbe } from '../../../../agent/src/probes/icmp/index.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import { systemClock } from '../../../../shared/src/clock.ts';
import type { ProbeResult } from '../../../../agent/src/probes/types.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';

async function runIcmp(raw: Record<string, unknown>): Promise<ProbeResult> {
  const parsed = parseWithSchema(icmpProbe.schema, { kind: 'icmp', role: 'server', ...raw });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  expect(icmpProbe.validate?.(parsed.value)).toEqual([]);
  const log = silentLogger();
  const probe = icmpProbe.create(parsed.value, { log, clock: systemClock, collector: { url: 'http://127.0.0.1:1', token: 'unused' } });
  const timeoutMs = icmpProbe.defaultTimeoutMs(parsed.value);
  try {
    return await probe.run({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, log, clock: systemClock });
  } finally {
    await probe.close?.();
  }
}

const value = (r: ProbeResult, metric: string) => r.samples.find((s) => s.metric === metric)?.value;

describe.skipIf(skipUnlessLab({ files: ['/usr/bin/ping'] }))('icmp probe, real ping on loopback', () => {
  it('127.0.0.1: success, no loss, every RTT statistic positive and ordered', async () => {
    const r = await runIcmp({ target: '127.0.0.1', count: 20, pingIntervalMs: 10 });
    expect(r.outcome).toBe('success');
    expect(value(r, 'icmp_loss_ratio')).toBe(0);
    const [min, median, avg, max] = ['icmp_rtt_min_ms', 'icmp_rtt_median_ms', 'icmp_rtt_avg_ms', 'icmp_rtt_max_ms'].map((m) => value(r, m)!);
    expect(min).toBeGreaterThan(0);
    expect(min).toBeLessThanOrEqual(median!);
    expect(min).toBeLessThanOrEqual(avg!);
    expect(median).toBeLessThanOrEqual(max!);
    expect(value(r, 'icmp_rtt_stddev_ms')).toBeGreaterThanOrEqual(0);
    expect(value(r, 'icmp_jitter_ms')).toBeGreaterThanOrEqual(0);
  });

  it('::1 works too', async () => {
    const r = await runIcmp({ target: '::1', count: 3, pingIntervalMs: 10 });
    expect(r.outcome).toBe('success');
    expect(value(r, 'icmp_loss_ratio')).toBe(0);
  });

  it('without a ping binary on PATH: unavailable, no samples', async () => {
    // ping is looked up on the PATH the ping helper starts with (a probe closed after each run, so
    // this run starts a new helper); this file runs in its own worker.
    const empty = mkdtempSync(join(tmpdir(), 'n3mon-noping-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      const r = await runIcmp({ target: '127.0.0.1', count: 3, pingIntervalMs: 10 });
      expect(r.outcome).toBe('unavailable');
      expect(r.samples).toEqual([]);
      expect(r.message).toMatch(/^ping could not run: ping: not found on the PATH/);
    } finally {
      process.env.PATH = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
