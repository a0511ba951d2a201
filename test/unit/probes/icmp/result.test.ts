/** From parsed ping output to outcome and samples, for every kind of fixture. */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePingOutput, type PingPlatform } from '../../../../agent/src/probes/icmp/parse.ts';
import { pingResult } from '../../../../agent/src/probes/icmp/result.ts';
import { METRICS } from '../../../../shared/src/metrics.ts';
import type { ProbeResult } from '../../../../agent/src/probes/types.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/ping/', import.meta.url));
function resultOf(name: string, count = 20): ProbeResult {
  const platform: PingPlatform = name.startsWith('windows') ? 'windows' : 'linux';
  return pingResult(parsePingOutput(readFileSync(DIR + name, 'utf8'), platform), { count });
}
const metrics = (r: ProbeResult) => r.samples.map((s) => s.metric).sort();
const value = (r: ProbeResult, metric: string) => r.samples.find((s) => s.metric === metric)?.value;

const RTT_METRICS = ['icmp_jitter_ms', 'icmp_loss_ratio', 'icmp_rtt_avg_ms', 'icmp_rtt_max_ms', 'icmp_rtt_median_ms', 'icmp_rtt_min_ms', 'icmp_rtt_stddev_ms'];

describe('pingResult', () => {
  it('a healthy burst: success, loss 0 and every RTT statistic, all named in shared/src/metrics.ts', () => {
    const r = resultOf('linux-loopback.txt');
    expect(r.outcome).toBe('success');
    expect(metrics(r)).toEqual(RTT_METRICS);
    expect(value(r, 'icmp_loss_ratio')).toBe(0);
    for (const s of r.samples) {
      expect(METRICS[s.metric].source).toBe('icmp');
      expect(Number.isFinite(s.value)).toBe(true);
    }
  });

  it('partial loss is still success: the loss is the data', () => {
    const text = readFileSync(DIR + 'linux-partial-loss.txt', 'utf8');
    const [, sent, got] = /(\d+) packets transmitted, (\d+) received/.exec(text)!;
    const r = resultOf('linux-partial-loss.txt');
    expect(r.outcome).toBe('success');
    expect(value(r, 'icmp_loss_ratio')).toBe((Number(sent) - Number(got)) / Number(sent));
    expect(value(r, 'icmp_loss_ratio')).toBeGreaterThan(0);
  });

  it('a dead host: timeout, loss 1 and no RTT sample at all (never RTT 0)', () => {
    for (const name of ['linux-total-loss.txt', 'windows-en-timeout.txt']) {
      const r = resultOf(name);
      expect(r.outcome, name).toBe('timeout');
      expect(r.samples, name).toEqual([{ metric: 'icmp_loss_ratio', value: 1 }]);
    }
  });

  it('ICMP errors instead of replies: unreachable, loss 1, no RTT', () => {
    for (const name of [
      'linux-host-unreachable.txt',
      'linux-admin-prohibited.txt',
      'windows-en-unreachable.txt',
      'windows-de-unreachable.txt',
      'windows-en-general-failure.txt',
    ]) {
      const r = resultOf(name);
      expect(r.outcome, name).toBe('unreachable');
      expect(r.samples, name).toEqual([{ metric: 'icmp_loss_ratio', value: 1 }]);
    }
  });

  it('no route (nothing sent): unreachable with loss 1', () => {
    const r = resultOf('linux-network-unreachable.txt');
    expect(r).toEqual({ outcome: 'unreachable', samples: [{ metric: 'icmp_loss_ratio', value: 1 }], message: 'ping: connect: Network is unreachable' });
  });

  it('unknown host: dns_error and no samples (nothing was sent)', () => {
    for (const name of ['linux-unknown-host.txt', 'windows-en-unknown-host.txt', 'windows-de-unknown-host.txt']) {
      const r = resultOf(name);
      expect(r.outcome, name).toBe('dns_error');
      expect(r.samples, name).toEqual([]);
    }
  });

  it('Windows sub-millisecond replies and German loss', () => {
    const r = resultOf('windows-de-partial-loss.txt');
    expect(r.outcome).toBe('success');
    expect(value(r, 'icmp_loss_ratio')).toBe(0.25);
    expect(value(r, 'icmp_rtt_min_ms')).toBe(0.5);
    expect(value(r, 'icmp_rtt_max_ms')).toBe(3);
    expect(value(r, 'icmp_rtt_median_ms')).toBe(1);
    // arrival order 0.5, 3, 1: (2.5 + 2) / 2
    expect(value(r, 'icmp_jitter_ms')).toBe(2.25);
  });

  it('one reply: no jitter sample (it needs two)', () => {
    const r = pingResult({ transmitted: 3, replies: [{ seq: 2, rttMs: 7.25 }], duplicates: 0, errors: [] }, { count: 3 });
    expect(r.outcome).toBe('success');
    expect(metrics(r)).toEqual(RTT_METRICS.filter((m) => m !== 'icmp_jitter_ms'));
    expect(value(r, 'icmp_rtt_stddev_ms')).toBe(0);
    expect(value(r, 'icmp_loss_ratio')).toBeCloseTo(2 / 3, 12);
  });

  it('no permission: unavailable; output it cannot read: internal_error — never a throw', () => {
    expect(pingResult(parsePingOutput('ping: socket: Operation not permitted\n', 'linux'), { count: 20 }).outcome).toBe('unavailable');
    const odd = pingResult(parsePingOutput('something else entirely\n', 'linux'), { count: 20 });
    expect(odd).toEqual({ outcome: 'internal_error', samples: [], message: 'unrecognised ping output: something else entirely' });
  });
});
