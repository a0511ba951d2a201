// The probe instance over the fake device (recorded Cisco 3750 walk): what one run returns, what
// it keeps between runs, and how every failure becomes an outcome.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createSnmpProbe } from '../../../../agent/src/probes/snmp/probe.ts';
import { discoveryPhase } from '../../../../agent/src/probes/snmp/poll.ts';
import { snmpProbe } from '../../../../agent/src/probes/snmp/index.ts';
import type { SnmpCheck } from '../../../../agent/src/probes/snmp/schema.ts';
import type { SessionFactory } from '../../../../agent/src/probes/snmp/session.ts';
import type { ProbeResult, RunContext } from '../../../../agent/src/probes/types.ts';
import { METRICS } from '../../../../shared/src/metrics.ts';
import { createLogger, silentLogger } from '../../../../shared/src/log.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import type { Clock } from '../../../../shared/src/clock.ts';
import { fakeDevice, loadSnmprec, type FakeOptions } from './fake-device.ts';

const CISCO = loadSnmprec('cisco-3750.snmprec');
const HC_IN = '1.3.6.1.2.1.31.1.1.1.6';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';

function check(over: Record<string, unknown> = {}): SnmpCheck {
  const r = parseWithSchema(snmpProbe.schema, {
    kind: 'snmp',
    target: '192.0.2.10',
    role: 'lan-gateway',
    version: '2c',
    community: 'secret-community',
    ...over,
  });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value as SnmpCheck;
}

/** A clock that only moves when told: every request of a run happens at the same instant. */
function manualClock(): Clock & { advance(ms: number): void } {
  let t = 1_000;
  return { now: () => 1_700_000_000_000 + t, monotonic: () => t, advance: (ms) => void (t += ms) };
}

function ctx(clock: Clock, signal = new AbortController().signal): RunContext {
  return { signal, timeoutMs: 30_000, log: silentLogger(), clock };
}

function values(r: ProbeResult, metric: string, ifIndex: number): number[] {
  return r.samples.filter((s) => s.metric === metric && s.labels?.ifIndex === String(ifIndex)).map((s) => s.value);
}

describe('snmp probe run', () => {
  it('first run: uptime, oper status for every interface, poll time; no rates yet (a baseline)', async () => {
    const dev = fakeDevice(CISCO);
    const probe = createSnmpProbe(check(), { openSession: dev.factory });
    const r = await probe.run(ctx(manualClock()));
    expect(r.outcome).toBe('success');
    expect(r.samples.filter((s) => s.metric === 'snmp_if_oper_up')).toHaveLength(59);
    expect(r.samples.find((s) => s.metric === 'snmp_device_uptime_s')?.value).toBe(6_972_022.57);
    expect(r.samples.filter((s) => s.metric === 'snmp_poll_ms')).toHaveLength(1);
    expect(r.samples.some((s) => s.metric === 'snmp_if_in_bps')).toBe(false);
    expect(dev.closed).toBe(dev.opened);
  });

  it('second run: the rate of what the counter grew over the clock between runs', async () => {
    const dev = fakeDevice(CISCO);
    const clock = manualClock();
    const probe = createSnmpProbe(check(), { openSession: dev.factory });
    await probe.run(ctx(clock));
    clock.advance(60_000);
    dev.set({ oid: `${HC_IN}.11005`, type: 'counter64', value: 60n * 125_000n });
    dev.set({ oid: SYS_UPTIME, type: 'timeticks', value: 697_202_257n + 6_000n });
    const r = await probe.run(ctx(clock));
    expect(r.outcome).toBe('success');
    expect(values(r, 'snmp_if_in_bps', 11005)).toEqual([1_000_000]);
    expect(values(r, 'snmp_if_in_utilisation_ratio', 11005)).toEqual([0.1]); // a 10 Mbit/s port
    expect(values(r, 'snmp_if_in_bps', 11006)).toEqual([0]);
    expect(r.samples.filter((s) => s.metric === 'snmp_if_counter_discontinuity')).toEqual([]);
  });

  it('a failed run keeps the previous counters: the next rate spans both intervals, no gap', async () => {
    let lose = false;
    const dev = fakeDevice(CISCO, { lose: () => lose });
    const clock = manualClock();
    const probe = createSnmpProbe(check(), { openSession: dev.factory });
    await probe.run(ctx(clock));
    clock.advance(60_000);
    lose = true;
    const failed = await probe.run(ctx(clock));
    expect(failed).toMatchObject({ outcome: 'timeout', samples: [], message: 'system group: lost (fake)' });
    lose = false;
    clock.advance(60_000);
    dev.set({ oid: `${HC_IN}.11005`, type: 'counter64', value: 120n * 125_000n });
    dev.set({ oid: SYS_UPTIME, type: 'timeticks', value: 697_202_257n + 12_000n });
    const r = await probe.run(ctx(clock));
    expect(values(r, 'snmp_if_in_bps', 11005)).toEqual([1_000_000]);
  });

  it('keeps the backed-off max-repetitions for the next run', async () => {
    const dev = fakeDevice(CISCO, { tooBigAbove: 100 });
    const probe = createSnmpProbe(check({ rediscoverEvery: 1 }), { openSession: dev.factory });
    await probe.run(ctx(manualClock()));
    expect(probe.tuning.maxRepetitions).toBe(6);
    const before = dev.requests.length;
    await probe.run(ctx(manualClock()));
    expect(dev.requests.slice(before).filter((q) => q.op === 'getBulk')[0]?.maxRepetitions).toBe(6);
  });

  it('between walks, GETs only the oper status and counters of the selected interfaces', async () => {
    const dev = fakeDevice(CISCO);
    const probe = createSnmpProbe(check({ interfaces: [{ name: 'Gi*' }] }), { openSession: dev.factory });
    await probe.run(ctx(manualClock()));
    expect(dev.requests.some((q) => q.op === 'getBulk')).toBe(true);
    const before = dev.requests.length;
    const r = await probe.run(ctx(manualClock()));
    expect(r.outcome).toBe('success');
    const second = dev.requests.slice(before);
    expect(second.every((q) => q.op === 'get')).toBe(true);
    // 5 scalars, then per GigabitEthernet port: oper status, 2 HC octet counters, 4 error/discard
    // counters, ifCounterDiscontinuityTime — not the 32-bit octets, names or speeds.
    expect(second.map((q) => q.oids.length)).toEqual([5, 32]);
    expect(second[1]?.oids.filter((o) => o.startsWith('1.3.6.1.2.1.2.2.1.10.'))).toEqual([]);
    expect(r.samples.filter((s) => s.metric === 'snmp_if_oper_up').map((s) => s.labels?.ifName)).toEqual(['Gi3/0/1', 'Gi3/0/2', 'Gi3/0/3', 'Gi3/0/4']);
  });

  it('walks again every rediscoverEvery polls, and at once when ifNumber changes or an instance is gone', async () => {
    const dev = fakeDevice(CISCO);
    const c = check({ interfaces: [{ name: 'Gi*' }], rediscoverEvery: 3 });
    const phase = discoveryPhase(`|${c.target}`, 3);
    const probe = createSnmpProbe(c, { openSession: dev.factory });
    const walked = async (): Promise<boolean> => {
      const before = dev.requests.length;
      expect((await probe.run(ctx(manualClock()))).outcome).toBe('success');
      return dev.requests.slice(before).some((q) => q.op === 'getBulk');
    };
    // The first cycle is shortened by the device's phase (spreading a fleet), then every 3rd poll.
    const polls = [];
    for (let i = 0; i < 10 - phase; i++) polls.push(await walked());
    expect(polls).toEqual([true, ...Array(2 - phase).fill(false), true, false, false, true, false, false, true]);
    dev.set({ oid: '1.3.6.1.2.1.2.1.0', type: 'integer', value: 60n });
    expect(await walked()).toBe(true);
    expect(await walked()).toBe(false);
    dev.remove(`${HC_IN}.11104`);
    expect(await walked()).toBe(true);
  });

  it('emits only documented snmp metrics, with their documented labels, and no secret anywhere', async () => {
    const dev = fakeDevice(CISCO);
    const clock = manualClock();
    const c = check({ interfaces: [{ name: 'Fa*', role: 'lan-gateway' }] });
    const probe = createSnmpProbe(c, { openSession: dev.factory });
    await probe.run(ctx(clock));
    clock.advance(30_000);
    // Fa3/0/1 (a 10 Mbit/s port) carries 100 Mbit/s: a rate and a speed mismatch; Fa3/0/2's counter glitches.
    const fa1 = CISCO.find((v) => v.oid === `${HC_IN}.11001`) as { value: bigint };
    dev.set({ oid: `${HC_IN}.11001`, type: 'counter64', value: fa1.value + BigInt((100e6 / 8) * 30) });
    dev.set({ oid: `${HC_IN}.11002`, type: 'counter64', value: 1n << 62n });
    const r = await probe.run(ctx(clock));
    // Every kind of interface sample among them: the loop checks more than oper status.
    for (const m of [
      'snmp_if_in_bps',
      'snmp_if_out_utilisation_ratio',
      'snmp_if_counter_discontinuity',
      'snmp_if_speed_mismatch_bps',
      'snmp_if_oper_up',
      'snmp_poll_ms',
    ]) {
      expect(
        r.samples.some((s) => s.metric === m),
        m,
      ).toBe(true);
    }
    for (const s of r.samples) {
      expect(METRICS[s.metric].source).toBe('snmp');
      expect(Object.keys(s.labels ?? {}).sort()).toEqual([...METRICS[s.metric].labels].sort());
    }
    expect(JSON.stringify([r, snmpProbe.baseLabels(c)])).not.toContain('secret-community');
  });
});

describe('discoveryPhase', () => {
  it('is stable per device and spreads a fleet over the cycle', () => {
    expect(discoveryPhase('|192.0.2.1', 10)).toBe(discoveryPhase('|192.0.2.1', 10));
    const phases = Array.from({ length: 100 }, (_, i) => discoveryPhase(`|127.0.0.1:17000 dev${i}`, 10));
    const perPhase = Array.from({ length: 10 }, (_, p) => phases.filter((x) => x === p).length);
    expect(Math.min(...perPhase)).toBeGreaterThan(3);
    expect(discoveryPhase('anything', 1)).toBe(0);
  });
});

/** A real pino logger whose lines are read back as objects. */
function capturedLog(): { lines: Record<string, unknown>[]; log: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), cb()) });
  return { lines, log: createLogger({ destination: sink, level: 'debug' }) };
}

describe('snmp probe logs', () => {
  it('say what was discovered and which rates were withheld, as structured lines without secrets', async () => {
    const { lines, log } = capturedLog();
    const dev = fakeDevice(CISCO);
    const clock = manualClock();
    const probe = createSnmpProbe(check({ interfaces: [{ name: 'Fa3/0/1' }, { name: 'Fa3/0/2' }] }), { openSession: dev.factory });
    await probe.run({ ...ctx(clock), log });
    clock.advance(60_000);
    dev.set({ oid: `${HC_IN}.11002`, type: 'counter64', value: 1n << 62n }); // a spike no port can carry (far above 400 Gbit/s)
    await probe.run({ ...ctx(clock), log });
    expect(lines.find((l) => l.msg === 'snmp device discovered')).toMatchObject({ sysName: 'Profiler3750', selected: 2, interfaces: 59 });
    expect(lines.find((l) => l.msg === 'snmp counter discontinuities; no rate this interval for these')).toMatchObject({
      discontinuities: { rate_exceeds_speed: ['Fa3/0/2 (inOctets)'] },
    });
    expect(JSON.stringify(lines)).not.toContain('secret-community');
  });
});

describe('snmp probe: a port faster than it says', () => {
  it('logs a port running above its reported speed once, with what to configure, and keeps sending its rate', async () => {
    const { lines, log } = capturedLog();
    const dev = fakeDevice(CISCO);
    const clock = manualClock();
    const probe = createSnmpProbe(check({ interfaces: [{ name: 'Fa3/0/1' }] }), { openSession: dev.factory });
    let octets = (CISCO.find((v) => v.oid === `${HC_IN}.11001`) as { value: bigint }).value;
    const rates: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await probe.run({ ...ctx(clock), log });
      rates.push(...values(r, 'snmp_if_in_bps', 11001));
      clock.advance(60_000);
      octets += BigInt((40e6 / 8) * 60); // 40 Mbit/s on a port that reports 10
      dev.set({ oid: `${HC_IN}.11001`, type: 'counter64', value: octets });
    }
    expect(rates).toHaveLength(2);
    for (const rate of rates) expect(rate).toBeCloseTo(40e6, 0);
    const warned = lines.filter(
      (l) => l.msg === 'snmp interface rate above its reported speed; rate sent, no utilisation: set inBps/outBps or speedBps for it',
    );
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ interfaces: [{ ifName: 'Fa3/0/1', direction: 'in', reportedBps: 10e6, rateBps: 40e6 }] });
  });
});

describe('snmp probe outcomes', () => {
  const cases: [string, FakeOptions['failWith'], string][] = [
    ['timeout', { kind: 'timeout', message: 'no answer within 1500 ms' }, 'timeout'],
    ['auth', { kind: 'auth', message: 'SNMPv3 report usmStatsUnknownUserNames' }, 'auth_error'],
    ['protocol', { kind: 'protocol', message: 'invalid reply' }, 'protocol_error'],
    ['unreachable', { kind: 'unreachable', message: 'EHOSTUNREACH' }, 'unreachable'],
  ];
  it.each(cases)('a %s failure is the outcome %s… as data, with the reason', async (_name, failWith, outcome) => {
    const probe = createSnmpProbe(check(), { openSession: fakeDevice(CISCO, { failWith }).factory });
    const r = await probe.run(ctx(manualClock()));
    expect(r).toEqual({ outcome, samples: [], message: `system group: ${failWith?.message}` });
  });

  it('a name that does not resolve is dns_error', async () => {
    const noName: SessionFactory = async () => ({ ok: false, failure: { kind: 'dns', message: 'cannot resolve sw1.example.invalid: ENOTFOUND' } });
    const r = await createSnmpProbe(check({ target: 'sw1.example.invalid' }), { openSession: noName }).run(ctx(manualClock()));
    expect(r.outcome).toBe('dns_error');
  });

  it('a run aborted by the check timeout ends as timeout and says so', async () => {
    const ac = new AbortController();
    ac.abort();
    const dev = fakeDevice(CISCO);
    const r = await createSnmpProbe(check(), { openSession: dev.factory }).run(ctx(manualClock(), ac.signal));
    expect(r.outcome).toBe('timeout');
    expect(r.message).toMatch(/^check timeout \(30000 ms\) reached/);
    expect(dev.closed).toBe(dev.opened);
  });
});
