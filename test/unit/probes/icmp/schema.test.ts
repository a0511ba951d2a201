/** The icmp check's config: defaults, every problem as an exact `path: message` line, cross-field rules. */
import { describe, it, expect } from 'vitest';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { IcmpCheck, burstBoundMs, validateIcmpCheck } from '../../../../agent/src/probes/icmp/schema.ts';
import { icmpProbe } from '../../../../agent/src/probes/icmp/index.ts';
import { pingCommand, pingOptions } from '../../../../agent/src/probes/icmp/runner.ts';

function check(input: Record<string, unknown>): IcmpCheck {
  const r = parseWithSchema(IcmpCheck, { kind: 'icmp', role: 'lan-gateway', ...input });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
}

describe('icmp check schema', () => {
  it("fills in the defaults of PRODUCT.md (count 20) and the probe's own", () => {
    expect(check({ target: '192.0.2.1' })).toEqual({
      kind: 'icmp',
      target: '192.0.2.1',
      role: 'lan-gateway',
      intervalMs: 30_000,
      count: 20,
      pingIntervalMs: 500,
      replyTimeoutMs: 1000,
      packetSizeBytes: 56,
    });
  });

  it('says what is missing', () => {
    expect(parseWithSchema(IcmpCheck, { kind: 'icmp' })).toEqual({ ok: false, problems: ['target: missing required key', 'role: missing required key'] });
  });

  it('lists every bad field and unknown key, each as `path: message`', () => {
    const r = parseWithSchema(IcmpCheck, {
      kind: 'icmp',
      target: '-f',
      role: 'lan-gateway',
      count: 0,
      pingIntervalMs: 5,
      replyTimeoutMs: 1500,
      packetSizeBytes: 8,
      ipVersion: 5,
      colour: 'red',
    });
    expect(r).toEqual({
      ok: false,
      problems: [
        'target: must match pattern "^[A-Za-z0-9_:][A-Za-z0-9._:%-]*$"',
        'count: must be >= 1',
        'pingIntervalMs: must be >= 10',
        'replyTimeoutMs: must be multiple of 1000',
        'packetSizeBytes: must be >= 16',
        'ipVersion: must be one of 4, 6 (got number 5)',
        'colour: unknown key (allowed: kind, target, id, role, intervalMs, timeoutMs, app, labels, count, pingIntervalMs, replyTimeoutMs, packetSizeBytes, ipVersion, trace)',
      ],
    });
  });

  it('never lets a target start with "-" (it goes on ping\'s command line)', () => {
    for (const target of ['-f', '--help', '-c1000000']) expect(parseWithSchema(IcmpCheck, { kind: 'icmp', role: 'server', target }).ok).toBe(false);
    for (const target of ['192.0.2.1', 'gw.practice.example', '2001:db8::1', 'fe80::1%eth0'])
      expect(parseWithSchema(IcmpCheck, { kind: 'icmp', role: 'server', target }).ok).toBe(true);
  });
});

describe('icmp cross-field rules', () => {
  it('a burst must fit in the interval (Linux: (count−1) × (gap + timer slack) + reply wait)', () => {
    const c = check({ target: '192.0.2.1', intervalMs: 10_000, count: 80, pingIntervalMs: 100 });
    expect(burstBoundMs(c, 'linux')).toBe(79 * (100 + 10) + 1000);
    // 9690 ms fits in 10 s but not in the 90 % the agent gives a run.
    expect(validateIcmpCheck(c, 'linux')).toEqual([
      'count: a burst can take 9690 ms (80 requests 100 ms apart, +10 ms timer slack each, + 1000 ms for the last reply), more than 90 % of intervalMs (9000 of 10000 ms); lower count or pingIntervalMs, or raise intervalMs',
    ]);
    expect(validateIcmpCheck(check({ target: '192.0.2.1', intervalMs: 10_000, count: 70, pingIntervalMs: 100 }), 'linux')).toEqual([]);
    expect(validateIcmpCheck(check({ target: '192.0.2.1' }), 'linux')).toEqual([]);
  });

  it('Windows spaces requests 1 s apart whatever pingIntervalMs says', () => {
    const c = check({ target: '192.0.2.1', intervalMs: 15_000 });
    expect(burstBoundMs(c, 'win32')).toBe(20 * 1010);
    expect(validateIcmpCheck(c, 'win32')).toEqual([
      'count: a burst can take 20200 ms (20 requests at 1 s or the 1000 ms reply timeout each, +10 ms timer slack each), more than 90 % of intervalMs (13500 of 15000 ms); lower count or pingIntervalMs, or raise intervalMs',
    ]);
  });

  it("a host name adds time for ping's own lookup; an explicit timeout must cover the burst", () => {
    const c = check({ target: 'gw.practice.example', timeoutMs: 5000 });
    expect(burstBoundMs(c, 'linux')).toBe(19 * 510 + 1000 + 5000);
    expect(validateIcmpCheck(c, 'linux')).toEqual([
      'timeoutMs: 5000 ms is shorter than a burst can take (15690 ms: 20 requests 500 ms apart, +10 ms timer slack each, + 1000 ms for the last reply + 5000 ms to resolve the name)',
    ]);
  });

  it('rejects a target that is neither a name nor an address, and a mismatched ipVersion', () => {
    expect(validateIcmpCheck(check({ target: '192.0.2.1:80' }), 'linux')).toEqual(["target: '192.0.2.1:80' is neither a host name nor an IP address"]);
    expect(validateIcmpCheck(check({ target: '192.0.2.1', ipVersion: 6 }), 'linux')).toEqual(['ipVersion: 6 does not match the IPv4 target']);
  });

  it('the default timeout covers the burst; labels carry target, role and app', () => {
    const c = check({ target: '192.0.2.1', app: 'spine', labels: { site: 'Branch' } });
    expect(icmpProbe.defaultTimeoutMs(c)).toBeGreaterThan(burstBoundMs(c));
    // Static labels are the scheduler's to add (it also checks they do not clash with these).
    expect(icmpProbe.baseLabels(c)).toEqual({ target: '192.0.2.1', role: 'lan-gateway', app: 'spine' });
  });
});

describe('ping package options', () => {
  const req = { target: '192.0.2.1', count: 20, intervalMs: 500, replyTimeoutMs: 2000, packetSizeBytes: 56 };
  it('Linux: numeric, -W seconds, -c count, -s size, -i interval; never a -w deadline', () => {
    expect(pingOptions(req, 'linux')).toEqual({ numeric: true, timeout: 2, min_reply: 20, packetSize: 56, v6: false, extra: ['-i', '0.500'] });
    expect(pingOptions({ ...req, target: 'gw.example', ipVersion: 6 }, 'linux').extra).toEqual(['-i', '0.500', '-6']);
  });
  it('Linux: the command line the package builds, which the ping helper runs', () => {
    expect(pingCommand(req, 'linux')).toEqual(['ping', '-n', '-W', '2', '-c', '20', '-s', '56', '-i', '0.500', '192.0.2.1']);
    expect(pingCommand({ ...req, target: '2001:db8::1', ipVersion: 6 }, 'linux')).toEqual([
      'ping',
      '-n',
      '-W',
      '2',
      '-c',
      '20',
      '-s',
      '56',
      '-i',
      '0.500',
      '-6',
      '2001:db8::1',
    ]);
  });
  it('Windows: no interval option; IPv6 picked from the target', () => {
    expect(pingOptions(req, 'win32')).toEqual({ numeric: true, timeout: 2, min_reply: 20, packetSize: 56, v6: false, extra: [] });
    expect(pingOptions({ ...req, target: '2001:db8::1' }, 'win32').v6).toBe(true);
  });
});
