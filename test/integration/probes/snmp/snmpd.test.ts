// The SNMP probe against a real net-snmp snmpd on 127.0.0.1 (v1, v2c, every v3 level and the
// ciphers both sides support), real sockets, real traffic on loopback.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cipherProblems, desAvailable } from '../../../../agent/src/probes/snmp/ciphers.ts';
import { openNetSnmpSession } from '../../../../agent/src/probes/snmp/net-snmp-session.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';
import { SNMPD, startSnmpd, type Daemon } from '../../../lab/snmp/daemons.ts';
import { ifSample, realProbe, runOnce, sleep, snmpCheck } from './helpers.ts';

const USERS = [
  { name: 'shaaes', auth: 'SHA', authKey: 'authpass123', priv: 'AES', privKey: 'privpass123' },
  { name: 'sha512aes256b', auth: 'SHA-512', authKey: 'authpass123', priv: 'AES-256', privKey: 'privpass123' },
  { name: 'sha256aes256r', auth: 'SHA-256', authKey: 'authpass123', priv: 'AES-256-C', privKey: 'privpass123' },
  { name: 'shades', auth: 'SHA', authKey: 'authpass123', priv: 'DES', privKey: 'privpass123' },
  { name: 'authonly', auth: 'SHA-256', authKey: 'authpass123' },
  { name: 'noauth' },
];

/** Sends `bytes` through a TCP connection over loopback (both directions of lo count it). */
async function loopbackTraffic(bytes: number): Promise<void> {
  const server = createServer((sock) => sock.resume());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  try {
    await new Promise<void>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => {
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let left = bytes;
        const pump = (): void => {
          while (left > 0) {
            left -= chunk.length;
            if (!c.write(chunk)) return void c.once('drain', pump);
          }
          c.end(() => resolve());
        };
        pump();
      });
      c.once('error', reject);
    });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** lo's ifHCInOctets as snmpd serves it now (through its ~3 s counter cache); lo is ifIndex 1 on Linux. */
async function loInOctets(port: number): Promise<bigint> {
  const signal = AbortSignal.timeout(5000);
  const opened = await openNetSnmpSession({ host: '127.0.0.1', port, version: '2c', community: 'public', requestTimeoutMs: 1000 }, signal);
  if (!opened.ok) throw new Error(`snmpd: ${opened.failure.message}`);
  try {
    const r = await opened.value.get(['1.3.6.1.2.1.31.1.1.1.6.1'], signal);
    const vb = r.ok ? r.value[0] : undefined;
    if (vb?.type !== 'counter64')
      throw new Error(`lo ifHCInOctets: ${r.ok ? JSON.stringify(vb, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) : r.failure.message}`);
    return vb.value;
  } finally {
    opened.value.close();
  }
}

describe.skipIf(skipUnlessLab({ files: [SNMPD] }))('snmp probe against a real snmpd', () => {
  let d: Daemon;
  beforeAll(async () => {
    d = await startSnmpd({ users: USERS, community: 'public' });
  });
  afterAll(async () => {
    await d?.dispose();
  });
  const target = () => `127.0.0.1:${d.port}`;

  it('v2c: second poll gives lo a rate that includes the 20 MB we sent over it', async () => {
    // lo claims 10 Mbit/s; say what it can really carry, so its utilisation means something (with no speed
    // configured the rate is still sent, flagged as above the reported speed: speed-mismatch.test.ts).
    const probe = realProbe({ target: target(), version: '2c', community: 'public', interfaces: [{ name: 'lo', speedBps: 100e9 }] });
    const t0 = performance.now();
    const first = await runOnce(probe);
    expect(first.outcome).toBe('success');
    expect(ifSample(first, 'snmp_if_oper_up', { ifName: 'lo' })?.value).toBe(1);
    expect(first.samples.find((s) => s.metric === 'snmp_device_uptime_s')?.value).toBeGreaterThan(0);
    const base = await loInOctets(d.port);
    await loopbackTraffic(20e6);
    // snmpd refreshes interface counters every ~3 s: wait (bounded) until they show the 20 MB.
    const deadline = performance.now() + 20_000;
    while ((await loInOctets(d.port)) < base + 20_000_000n) {
      if (performance.now() > deadline) throw new Error('snmpd did not count the 20 MB on lo within 20 s');
      await sleep(200);
    }
    const second = await runOnce(probe);
    const seconds = (performance.now() - t0) / 1000;
    expect(second.outcome).toBe('success');
    expect(ifSample(second, 'snmp_if_in_bps', { ifName: 'lo' })?.value).toBeGreaterThanOrEqual((20e6 * 8) / seconds);
    expect(second.samples.filter((s) => s.metric === 'snmp_if_counter_discontinuity')).toEqual([]);
  });

  it('v1 (GETNEXT walk, 32-bit counters) polls the same interfaces', async () => {
    const v1 = await runOnce(realProbe({ target: target(), version: '1', community: 'public' }));
    const v2 = await runOnce(realProbe({ target: target(), version: '2c', community: 'public' }));
    expect(v1.outcome).toBe('success');
    const names = (r: typeof v1) => r.samples.filter((s) => s.metric === 'snmp_if_oper_up').map((s) => s.labels?.ifName);
    expect(names(v1)).toEqual(names(v2));
  });

  const v3: [string, Record<string, unknown>][] = [
    ['authPriv SHA / AES-128', { user: 'shaaes', authProtocol: 'sha', authKey: 'authpass123', privProtocol: 'aes', privKey: 'privpass123' }],
    [
      'authPriv SHA-512 / AES-256 Blumenthal (aes256b)',
      { user: 'sha512aes256b', authProtocol: 'sha512', authKey: 'authpass123', privProtocol: 'aes256b', privKey: 'privpass123' },
    ],
    [
      'authPriv SHA-256 / AES-256 Reeder (aes256r)',
      { user: 'sha256aes256r', authProtocol: 'sha256', authKey: 'authpass123', privProtocol: 'aes256r', privKey: 'privpass123' },
    ],
    ['authNoPriv SHA-256', { user: 'authonly', authProtocol: 'sha256', authKey: 'authpass123' }],
    ['noAuthNoPriv', { user: 'noauth' }],
  ];
  it.each(v3)('v3 %s: success, with snmpEngineBoots/Time read', async (_name, creds) => {
    const r = await runOnce(realProbe({ target: target(), version: '3', ...creds }));
    expect(r.outcome).toBe('success');
    expect(ifSample(r, 'snmp_if_oper_up', { ifName: 'lo' })?.value).toBe(1);
  });

  it('v3 with a wrong authKey: auth_error at once, not after the request timeout', async () => {
    const r = await runOnce(
      realProbe({
        target: target(),
        version: '3',
        user: 'shaaes',
        authProtocol: 'sha',
        authKey: 'wrongpass123',
        privProtocol: 'aes',
        privKey: 'privpass123',
        requestTimeoutMs: 5000,
        retries: 0,
      }),
    );
    expect(r).toMatchObject({ outcome: 'auth_error', message: expect.stringContaining('Wrong Digest') });
    expect(r.elapsedMs).toBeLessThan(5000);
  });

  it("v3 with an unknown user: auth_error, with the agent's USM report", async () => {
    const r = await runOnce(
      realProbe({ target: target(), version: '3', user: 'nobody', authProtocol: 'sha', authKey: 'authpass123', requestTimeoutMs: 5000, retries: 0 }),
    );
    expect(r).toMatchObject({ outcome: 'auth_error', message: 'system group: SNMPv3 report: Unknown User Name' });
  });

  it('v2c with a wrong community: silence, so timeout after every retry', async () => {
    const r = await runOnce(realProbe({ target: target(), version: '2c', community: 'wrong', requestTimeoutMs: 200, retries: 1 }));
    expect(r).toMatchObject({ outcome: 'timeout', message: 'system group: no answer within 200 ms' });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(400);
  });

  it('DES: a clear config error where OpenSSL refuses it; polls with --openssl-legacy-provider', async () => {
    const des = snmpCheck(
      { target: target(), version: '3', user: 'shades', authProtocol: 'sha', authKey: 'authpass123', privProtocol: 'des', privKey: 'privpass123' },
      { validate: false },
    );
    if (!desAvailable()) expect(cipherProblems(des)).toEqual([expect.stringContaining('des is not available in this Node.js')]);
    const script = [
      `import { realProbe, runOnce } from ${JSON.stringify(fileURLToPath(new URL('./helpers.ts', import.meta.url)))};`,
      `const r = await runOnce(realProbe(${JSON.stringify({ target: target(), version: '3', user: 'shades', authProtocol: 'sha', authKey: 'authpass123', privProtocol: 'des', privKey: 'privpass123' })}));`,
      'console.log(JSON.stringify({ outcome: r.outcome, message: r.message }));',
    ].join('\n');
    const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code, out).toBe(0);
    expect(JSON.parse(out.trim().split('\n').at(-1) as string)).toEqual({ outcome: 'success' });
  });
});

describe.skipIf(skipUnlessLab({ files: [SNMPD] }))('snmp probe across an snmpd restart', () => {
  let d: Daemon | undefined;
  afterAll(async () => {
    await d?.dispose();
  });

  it('records agent_restarted for every interface, gives no rates, and resumes on the next poll', async () => {
    d = await startSnmpd({ community: 'public' });
    const probe = realProbe({ target: `127.0.0.1:${d.port}`, version: '2c', community: 'public', interfaces: [{ name: 'lo', speedBps: 100e9 }] });
    // Up a few seconds first, so the restarted agent's sysUpTime is clearly below the old one.
    await sleep(2500);
    expect((await runOnce(probe)).outcome).toBe('success');
    const { port, dir } = d;
    await d.stop();
    d = await startSnmpd({ community: 'public', port, dir });
    const across = await runOnce(probe);
    expect(across.outcome).toBe('success');
    expect(ifSample(across, 'snmp_if_counter_discontinuity', { ifName: 'lo' })?.labels?.reason).toBe('agent_restarted');
    expect(ifSample(across, 'snmp_if_in_bps', { ifName: 'lo' })).toBeUndefined();
    await sleep(1000);
    const after = await runOnce(probe);
    expect(ifSample(after, 'snmp_if_in_bps', { ifName: 'lo' })?.value).toBeGreaterThanOrEqual(0);
  });
});
