/**
 * The icmp probe against a lab namespace (test/lab): a host 50 ms away, a lossy path, a dead
 * host and an address nobody owns. Each test has its own lab, so they run concurrently.
 */
import { describe, it, expect } from 'vitest';
import { icmpProbe } from '../../../../agent/src/probes/icmp/index.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import { systemClock } from '../../../../shared/src/clock.ts';
import type { ProbeResult } from '../../../../agent/src/probes/types.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';
import { createLab, LAB_REQUIREMENTS, type Lab } from '../../../lab/lab.ts';

async function runIcmp(raw: Record<string, unknown>): Promise<ProbeResult> {
  const parsed = parseWithSchema(icmpProbe.schema, { kind: 'icmp', role: 'n3-gateway', intervalMs: 60_000, ...raw });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  expect(icmpProbe.validate?.(parsed.value)).toEqual([]);
  const log = silentLogger();
  const probe = icmpProbe.create(parsed.value, { log, clock: systemClock, collector: { url: 'http://127.0.0.1:1', token: 'unused' } });
  // Room for a loaded CI machine (ping's timers run late under load): these tests are about
  // what the burst measured, not about the default timeout.
  const timeoutMs = 3 * icmpProbe.defaultTimeoutMs(parsed.value);
  try {
    return await probe.run({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, log, clock: systemClock });
  } finally {
    await probe.close?.();
  }
}

async function withLab<T>(name: string, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await createLab({ name });
  try {
    return await fn(lab);
  } finally {
    await lab.destroy();
  }
}

const value = (r: ProbeResult, metric: string) => r.samples.find((s) => s.metric === metric)?.value;

describe.skipIf(skipUnlessLab({ ...LAB_REQUIREMENTS, files: [...LAB_REQUIREMENTS.files, '/usr/bin/ping'] })).concurrent('icmp probe in the lab', () => {
  it('a host 50 ms away: median within ±2 ms of 50, nothing faster than the delay, no loss', async () => {
    const r = await withLab('icmp-delay', async (lab) => {
      const responder = await lab.startIcmpDelay({ delayMs: 50 });
      try {
        return await runIcmp({ target: lab.nsIp, count: 200, pingIntervalMs: 10 });
      } finally {
        await responder.stop();
      }
    });
    expect(r.outcome).toBe('success');
    expect(value(r, 'icmp_loss_ratio')).toBe(0);
    expect(Math.abs(value(r, 'icmp_rtt_median_ms')! - 50)).toBeLessThanOrEqual(2);
    expect(value(r, 'icmp_rtt_min_ms')).toBeGreaterThanOrEqual(50);
  });

  it('20 % random loss: reported loss within 4.5 σ of 0.2', async () => {
    const n = 400;
    const p = 0.2;
    const r = await withLab('icmp-loss', async (lab) => {
      await lab.setLoss({ percent: p * 100, protocol: 'icmp' });
      return runIcmp({ target: lab.nsIp, count: n, pingIntervalMs: 10 });
    });
    // Each request is dropped independently with probability p (nftables `numgen random`), so
    // the lost count is Binomial(n, p): σ of the ratio = sqrt(p(1−p)/n) = 0.02 for n = 400.
    // ±4.5 σ (±0.09) fails a correct probe about once in 150 000 runs, yet catches a loss
    // counted wrongly by a reply or more in ten (e.g. using Windows' "Received", or sent = count).
    const sigma = Math.sqrt((p * (1 - p)) / n);
    expect(r.outcome).toBe('success');
    expect(Math.abs(value(r, 'icmp_loss_ratio')! - p)).toBeLessThanOrEqual(4.5 * sigma);
  });

  it('100 % loss: outcome timeout, loss 1 and no RTT sample', async () => {
    const r = await withLab('icmp-dead', async (lab) => {
      await lab.setLoss({ percent: 100, protocol: 'icmp' });
      return runIcmp({ target: lab.nsIp, count: 20, pingIntervalMs: 10 });
    });
    expect(r.outcome).toBe('timeout');
    expect(r.samples).toEqual([{ metric: 'icmp_loss_ratio', value: 1 }]);
  });

  it('an address nobody owns: unreachable (ARP fails), loss 1 and no RTT sample', async () => {
    const r = await withLab('icmp-unreachable', (lab) => runIcmp({ target: lab.unusedIp, count: 8, pingIntervalMs: 500 }));
    expect(r.outcome).toBe('unreachable');
    expect(r.samples).toEqual([{ metric: 'icmp_loss_ratio', value: 1 }]);
    // iputils: "Destination Host Unreachable"; fping (the agent's path where installed): "ICMP Host Unreachable from …".
    expect(r.message).toMatch(/Destination Host Unreachable|ICMP Host Unreachable/);
  });
});
