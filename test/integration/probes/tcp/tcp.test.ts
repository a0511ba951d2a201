/**
 * The tcp probe with real sockets: a local listener, a closed port, a black-holed and an
 * unowned address in a lab namespace, names through the system resolver and through a DNS
 * server of our own, and an abort. Every path leaves no socket behind.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { tcpProbe, createTcpProbe, type Lookup } from '../../../../agent/src/probes/tcp/index.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import { systemClock } from '../../../../shared/src/clock.ts';
import type { ProbeResult } from '../../../../agent/src/probes/types.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';
import { createLab, LAB_REQUIREMENTS, type Lab } from '../../../lab/lab.ts';
import { startDnsResponder, type DnsResponder } from '../../../lab/dns-responder.ts';

const log = silentLogger();

function checkOf(target: string) {
  const parsed = parseWithSchema(tcpProbe.schema, { kind: 'tcp', target, role: 'national-app', app: 'spine' });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  expect(tcpProbe.validate?.(parsed.value)).toEqual([]);
  return parsed.value;
}

async function runTcp(target: string, opts: { timeoutMs?: number; lookup?: Lookup; signal?: AbortSignal } = {}): Promise<ProbeResult> {
  const check = checkOf(target);
  const probe =
    opts.lookup === undefined
      ? tcpProbe.create(check, { log, clock: systemClock, collector: { url: 'http://127.0.0.1:1', token: 'unused' } })
      : createTcpProbe(check, { log }, { lookup: opts.lookup });
  const timeoutMs = opts.timeoutMs ?? tcpProbe.defaultTimeoutMs(check);
  return probe.run({ signal: opts.signal ?? AbortSignal.timeout(timeoutMs), timeoutMs, log, clock: systemClock });
}

const clientSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

/** A destroyed socket's handle closes on a later turn of the event loop; give it a few. */
async function socketsAfterClose(): Promise<number> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return clientSockets();
}

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => sock.destroy());
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

describe('tcp probe on loopback', () => {
  let v4: Server;
  let v6: Server;
  beforeAll(async () => {
    [v4, v6] = await Promise.all([listen('127.0.0.1'), listen('::1')]);
  });
  afterAll(async () => {
    await Promise.all([close(v4), close(v6)]);
  });

  it('a listening port: success with the handshake time', async () => {
    const r = await runTcp(`127.0.0.1:${portOf(v4)}`);
    expect(r.outcome).toBe('success');
    expect(r.samples).toHaveLength(1);
    expect(r.samples[0]?.metric).toBe('tcp_connect_ms');
    expect(r.samples[0]?.value).toBeGreaterThan(0);
  });

  it('IPv6 in brackets, and a name from /etc/hosts through the system resolver', async () => {
    expect((await runTcp(`[::1]:${portOf(v6)}`)).outcome).toBe('success');
    // localhost resolves from /etc/hosts (nsswitch "files" first): no DNS query leaves the machine.
    expect((await runTcp(`localhost:${portOf(v4)}`)).outcome).toBe('success');
  });

  it('a closed port: refused, no sample', async () => {
    const s = await listen('127.0.0.1');
    const port = portOf(s);
    await close(s);
    const r = await runTcp(`127.0.0.1:${port}`);
    expect(r.outcome).toBe('refused');
    expect(r.samples).toEqual([]);
    expect(r.message).toMatch(/^ECONNREFUSED/);
  });

  describe('names through a DNS server of our own on 127.0.0.1', () => {
    let dns: DnsResponder;
    let lookup: Lookup;
    beforeAll(async () => {
      dns = await startDnsResponder({ zone: { 'app.practice.test': { A: ['127.0.0.1'] } } });
      const resolver = new Resolver({ timeout: 1000, tries: 1 });
      resolver.setServers([`127.0.0.1:${dns.port}`]);
      lookup = async (host) => ({ address: (await resolver.resolve4(host))[0]!, family: 4 });
    });
    afterAll(async () => {
      await dns.stop();
    });

    it('a known name connects; an unknown one is dns_error', async () => {
      expect((await runTcp(`app.practice.test:${portOf(v4)}`, { lookup })).outcome).toBe('success');
      const r = await runTcp(`missing.practice.test:${portOf(v4)}`, { lookup });
      expect(r.outcome).toBe('dns_error');
      expect(r.samples).toEqual([]);
      expect(dns.queries.map((q) => q.name)).toEqual(['app.practice.test', 'missing.practice.test']);
    });
  });
});

describe.skipIf(skipUnlessLab(LAB_REQUIREMENTS))('tcp probe in the lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ name: 'tcp' });
    // SYNs to port 443 in the namespace vanish: no RST, no ICMP — a black hole.
    await lab.setLoss({ percent: 100, protocol: 'tcp', port: 443 });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('a black-holed address: timeout after timeoutMs, socket destroyed', async () => {
    const before = clientSockets();
    const started = performance.now();
    const r = await runTcp(`${lab.nsIp}:443`, { timeoutMs: 500 });
    expect(r.outcome).toBe('timeout');
    expect(r.samples).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
    expect(await socketsAfterClose()).toBe(before);
  });

  it('an abort ends the handshake at once and destroys the socket', async () => {
    const before = clientSockets();
    const ac = new AbortController();
    const pending = runTcp(`${lab.nsIp}:443`, { timeoutMs: 30_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const r = await pending;
    expect(r.outcome).toBe('timeout');
    expect(r.message).toMatch(/^ABORTED/);
    expect(await socketsAfterClose()).toBe(before);
  });

  it('an address nobody owns: unreachable once ARP gives up', async () => {
    const r = await runTcp(`${lab.unusedIp}:443`, { timeoutMs: 8000 });
    expect(r.outcome).toBe('unreachable');
    expect(r.message).toMatch(/^EHOSTUNREACH/);
  });
});
