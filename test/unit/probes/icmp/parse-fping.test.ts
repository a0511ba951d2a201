/**
 * Reading a round of `fping -C` for many targets (agent/src/probes/icmp/parse-fping.ts), from
 * output captured from fping 5.1 in the lab (test/fixtures/ping/fping-*.txt): each target's burst
 * becomes the same ParsedPing the iputils reader gives, so the same outcome and figures follow.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFpingRound } from '../../../../agent/src/probes/icmp/parse-fping.ts';
import { pingResult } from '../../../../agent/src/probes/icmp/result.ts';
import { fpingArgs } from '../../../../agent/src/probes/icmp/fping.ts';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../../../fixtures/ping/${name}`, import.meta.url)), 'utf8');
const value = (r: ReturnType<typeof pingResult>, metric: string): number | undefined => r.samples.find((s) => s.metric === metric)?.value;

describe('parseFpingRound', () => {
  // 10 × 20 ms to: a namespace host 5 ms ± 2 ms away with 30 % loss, an address nobody owns, loopback.
  const lossy = parseFpingRound(fixture('fping-linux-round-loss.txt'), ['10.200.37.106', '10.200.37.109', '127.0.0.2']);

  it('a lossy target: sent from the summary, replies in order of arrival with their sequence', () => {
    const p = lossy.get('10.200.37.106');
    expect(p?.transmitted).toBe(10);
    expect(p?.replies).toEqual([
      { seq: 0, rttMs: 16.6 },
      { seq: 1, rttMs: 13.3 },
      { seq: 5, rttMs: 8.16 },
      { seq: 7, rttMs: 28.9 },
      { seq: 8, rttMs: 16.1 },
      { seq: 9, rttMs: 37.2 },
    ]);
    const r = pingResult(p as NonNullable<typeof p>, { count: 10 });
    expect(r.outcome).toBe('success');
    expect(value(r, 'icmp_loss_ratio')).toBe(0.4);
    expect(value(r, 'icmp_rtt_min_ms')).toBe(8.16);
    expect(value(r, 'icmp_rtt_max_ms')).toBe(37.2);
    // |13.3−16.6| + |8.16−13.3| + |28.9−8.16| + |16.1−28.9| + |37.2−16.1| over 5
    expect(value(r, 'icmp_jitter_ms')).toBeCloseTo((3.3 + 5.14 + 20.74 + 12.8 + 21.1) / 5, 3);
  });

  it('a target that never answered: loss 1, no RTT, outcome timeout', () => {
    const p = lossy.get('10.200.37.109');
    expect(p?.transmitted).toBe(10);
    expect(p?.replies).toEqual([]);
    expect(pingResult(p as NonNullable<typeof p>, { count: 10 })).toEqual({
      outcome: 'timeout',
      samples: [{ metric: 'icmp_loss_ratio', value: 1 }],
      message: 'no reply to 10 echo request(s)',
    });
  });

  it('loopback (name padded to the column in fping output): all ten replies', () => {
    const p = lossy.get('127.0.0.2');
    expect(p?.transmitted).toBe(10);
    expect(p?.replies.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('ICMP Host Unreachable for a target: its errors, outcome unreachable; the other target is untouched', () => {
    const round = parseFpingRound(fixture('fping-linux-round-unreachable.txt'), ['10.200.194.130', '10.200.194.133']);
    const dead = round.get('10.200.194.133');
    expect(dead?.errors).toHaveLength(4);
    expect(dead?.errors[0]).toEqual({ kind: 'unreachable', text: 'ICMP Host Unreachable from 10.200.194.129 for ICMP Echo sent to 10.200.194.133' });
    const r = pingResult(dead as NonNullable<typeof dead>, { count: 6 });
    expect(r.outcome).toBe('unreachable');
    expect(r.samples).toEqual([{ metric: 'icmp_loss_ratio', value: 1 }]);
    expect(r.message).toMatch(/^ICMP Host Unreachable from /);
    const alive = round.get('10.200.194.130');
    expect(alive?.errors).toEqual([]);
    expect(alive?.replies).toHaveLength(6);
  });

  it('no summary for a target (fping did not run): a failure n3mon reports, never a dead host', () => {
    const round = parseFpingRound('fping: can not run\n', ['10.0.0.1']);
    const r = pingResult(round.get('10.0.0.1') as NonNullable<ReturnType<typeof round.get>>, { count: 20 });
    expect(r.outcome).toBe('internal_error');
    expect(r.samples).toEqual([]);
  });
});

describe('fpingArgs', () => {
  it('a large group: the gap between any two packets shrinks so each target still gets its requests pingIntervalMs apart', () => {
    const spec = { roundIntervalMs: 30_000, count: 20, intervalMs: 500, replyTimeoutMs: 1000, packetSizeBytes: 56 };
    const targets = Array.from({ length: 100 }, (_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    const args = fpingArgs('/usr/bin/fping', spec, targets);
    expect(args[args.indexOf('-i') + 1]).toBe('5');
  });

  it('one burst of count per target, pingIntervalMs apart, reply timeout and payload as iputils gets them', () => {
    const spec = { roundIntervalMs: 30_000, count: 20, intervalMs: 500, replyTimeoutMs: 1000, packetSizeBytes: 56 };
    expect(fpingArgs('/usr/bin/fping', spec, ['192.0.2.1', '2001:db8::1'])).toEqual([
      '/usr/bin/fping',
      '-C',
      '20',
      '-p',
      '500',
      '-i',
      '10',
      '-t',
      '1000',
      '-b',
      '56',
      '192.0.2.1',
      '2001:db8::1',
    ]);
  });
});
