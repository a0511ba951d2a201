/**
 * The dns probe for real: the system resolver on /etc/hosts `localhost`, and a UDP DNS server of
 * our own on 127.0.0.1 (test/lab/dns-responder.ts) that answers one name, says NXDOMAIN for
 * another, SERVFAIL for a third and never answers a fourth.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createSocket } from 'node:dgram';
import { dnsProbe } from '../../../../agent/src/probes/dns/index.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import { systemClock } from '../../../../shared/src/clock.ts';
import type { ProbeResult } from '../../../../agent/src/probes/types.ts';
import { startDnsResponder, type DnsResponder } from '../../../lab/dns-responder.ts';

const log = silentLogger();

async function runDns(raw: Record<string, unknown>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ProbeResult> {
  const parsed = parseWithSchema(dnsProbe.schema, { kind: 'dns', role: 'server', ...raw });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  expect(dnsProbe.validate?.(parsed.value)).toEqual([]);
  const probe = dnsProbe.create(parsed.value, { log, clock: systemClock, collector: { url: 'http://127.0.0.1:1', token: 'unused' } });
  const timeoutMs = opts.timeoutMs ?? dnsProbe.defaultTimeoutMs(parsed.value);
  return probe.run({ signal: opts.signal ?? AbortSignal.timeout(timeoutMs), timeoutMs, log, clock: systemClock });
}

/** A UDP port on 127.0.0.1 with nothing listening (bound, read, released). */
async function closedUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

it('system resolver: localhost from /etc/hosts (no DNS query leaves the machine)', async () => {
  const r = await runDns({ target: 'localhost' });
  expect(r.outcome).toBe('success');
  expect(r.samples).toHaveLength(1);
  expect(r.samples[0]?.metric).toBe('dns_lookup_ms');
  expect(r.samples[0]?.value).toBeGreaterThan(0);
});

describe('a configured server (our responder on 127.0.0.1)', () => {
  let dns: DnsResponder;
  let server: string;
  beforeAll(async () => {
    dns = await startDnsResponder({
      zone: { 'spine.practice.test': { A: ['192.0.2.10'], AAAA: ['2001:db8::10'] } },
      servfail: ['broken.practice.test'],
      drop: ['silent.practice.test'],
    });
    server = `127.0.0.1:${dns.port}`;
  });
  afterAll(async () => {
    await dns.stop();
  });

  it('a name it knows: success with the lookup time; the question reached the server', async () => {
    const r = await runDns({ target: 'spine.practice.test', server });
    expect(r.outcome).toBe('success');
    expect(r.samples[0]?.metric).toBe('dns_lookup_ms');
    expect(r.samples[0]?.value).toBeGreaterThan(0);
    expect(dns.queries.at(-1)).toEqual({ name: 'spine.practice.test', type: 1 });
  });

  it('AAAA is asked as AAAA', async () => {
    expect((await runDns({ target: 'spine.practice.test', server, recordType: 'AAAA' })).outcome).toBe('success');
    expect(dns.queries.at(-1)).toEqual({ name: 'spine.practice.test', type: 28 });
  });

  it('NXDOMAIN, NODATA and SERVFAIL are dns_error with no sample', async () => {
    for (const [target, recordType, code] of [
      ['missing.practice.test', 'A', 'ENOTFOUND'],
      ['spine.practice.test', 'MX', 'ENODATA'],
      ['broken.practice.test', 'A', 'ESERVFAIL'],
    ] as const) {
      const r = await runDns({ target, server, recordType });
      expect(r.outcome, target).toBe('dns_error');
      expect(r.samples).toEqual([]);
      expect(r.message).toBe(`${recordType} ${target}: ${code}`);
    }
  });

  it('no answer within the timeout: timeout', async () => {
    const started = performance.now();
    const r = await runDns({ target: 'silent.practice.test', server }, { timeoutMs: 300 });
    expect(r.outcome).toBe('timeout');
    expect(r.samples).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('an abort cancels the question at once', async () => {
    const ac = new AbortController();
    const pending = runDns({ target: 'silent.practice.test', server }, { timeoutMs: 30_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const started = performance.now();
    const r = await pending;
    expect(r.outcome).toBe('timeout');
    expect(r.message).toMatch(/ECANCELLED$/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('nothing listening on the server port: refused', async () => {
    const r = await runDns({ target: 'spine.practice.test', server: `127.0.0.1:${await closedUdpPort()}` }, { timeoutMs: 1000 });
    expect(r.outcome).toBe('refused');
  });

  it('the responder read every question (none malformed)', () => {
    expect(dns.malformed()).toBe(0);
  });
});
