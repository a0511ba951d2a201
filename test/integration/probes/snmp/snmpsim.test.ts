// The SNMP probe against snmpsimd serving Debian's recorded Cisco 3750 (48 FastEthernet ports),
// its counters made to grow at known rates with snmpsim's `numeric` variation.
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';
import { SNMPSIMD, makeTempDir, startSnmpsim, type Daemon } from '../../../lab/snmp/daemons.ts';
import { DEBIAN_CISCO, FAST_ETHERNET, ciscoInterfacesRecording, fastEthernetRates, writeDevice } from '../../../lab/snmp/devices.ts';
import { ifSample, realProbe, runOnce, sleep } from './helpers.ts';

const RATES = fastEthernetRates();
const OLD_RATE = 600_000; // octets/s on the old device's Counter32 ports (4.8 Mbit/s on 10 Mbit/s ports)

describe.skipIf(skipUnlessLab({ files: [SNMPSIMD, DEBIAN_CISCO] }))('snmp probe against snmpsimd (recorded Cisco 3750)', () => {
  let sim: Daemon;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = makeTempDir('snmpsim-data');
    const base = ciscoInterfacesRecording();
    writeDevice(dataDir, base, { name: 'cisco', ports: RATES });
    writeDevice(dataDir, base, {
      name: 'old',
      noHcCounters: true,
      ports: new Map(FAST_ETHERNET.map((i) => [i, { inOctetsPerS: OLD_RATE, outOctetsPerS: OLD_RATE / 2 }])),
    });
    sim = await startSnmpsim({ dataDir, readyCommunity: 'cisco' });
  });
  afterAll(async () => {
    await sim?.dispose();
    if (dataDir !== undefined) (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
  });

  it('measures the known rates of all 48 FastEthernet ports within 5 % (v2c, HC counters)', async () => {
    const probe = realProbe({ target: `127.0.0.1:${sim.port}`, version: '2c', community: 'cisco', interfaces: [{ name: 'Fa*' }] });
    expect((await runOnce(probe)).outcome).toBe('success');
    await sleep(4000); // a rate's error is about the request time over this gap
    const r = await runOnce(probe);
    expect(r.outcome).toBe('success');
    expect(r.samples.filter((s) => s.metric === 'snmp_if_oper_up')).toHaveLength(48);
    for (const [index, rate] of RATES) {
      const inBps = ifSample(r, 'snmp_if_in_bps', { ifIndex: index })?.value ?? NaN;
      const outBps = ifSample(r, 'snmp_if_out_bps', { ifIndex: index })?.value ?? NaN;
      expect(Math.abs(inBps / ((rate.inOctetsPerS as number) * 8) - 1), `Fa ifIndex ${index} in`).toBeLessThan(0.05);
      expect(Math.abs(outBps / ((rate.outOctetsPerS as number) * 8) - 1), `Fa ifIndex ${index} out`).toBeLessThan(0.05);
    }
  });

  it('an old device without HC counters, over SNMPv1: 32-bit rates within 5 %', async () => {
    const probe = realProbe({ target: `127.0.0.1:${sim.port}`, version: '1', community: 'old', interfaces: [{ index: 11001 }, { index: 11010 }] });
    expect((await runOnce(probe)).outcome).toBe('success');
    await sleep(4000); // a rate's error is about the request time over this gap
    const r = await runOnce(probe);
    expect(r.outcome).toBe('success');
    for (const index of [11001, 11010]) {
      expect(Math.abs((ifSample(r, 'snmp_if_in_bps', { ifIndex: index })?.value ?? NaN) / (OLD_RATE * 8) - 1)).toBeLessThan(0.05);
    }
  });

  it('one dead device does not hold up a live one polled at the same time', async () => {
    // A UDP socket that reads and never answers: a device that is gone.
    const dead: Socket = createSocket('udp4');
    dead.on('message', () => undefined);
    await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
    try {
      const finished: string[] = [];
      const deadRun = runOnce(
        realProbe({ target: `127.0.0.1:${dead.address().port}`, version: '2c', community: 'cisco', requestTimeoutMs: 1000, retries: 2 }),
      ).then((r) => (finished.push('dead'), r));
      const liveRun = runOnce(realProbe({ target: `127.0.0.1:${sim.port}`, version: '2c', community: 'cisco' })).then((r) => (finished.push('live'), r));
      const [d, l] = await Promise.all([deadRun, liveRun]);
      expect(d.outcome).toBe('timeout');
      expect(l.outcome).toBe('success');
      expect(finished).toEqual(['live', 'dead']);
    } finally {
      dead.close();
    }
  });

  it('snmpsimd restarts: agent_restarted for every interface, no rates; the next poll has rates again', async () => {
    const probe = realProbe({ target: `127.0.0.1:${sim.port}`, version: '2c', community: 'cisco', interfaces: [{ name: 'Fa3/0/1*' }] }); // Fa3/0/1 and Fa3/0/10-19
    expect((await runOnce(probe)).outcome).toBe('success');
    const { port, dir } = sim;
    await sim.stop();
    sim = await startSnmpsim({ dataDir, readyCommunity: 'cisco', port, dir });
    const across = await runOnce(probe);
    expect(across.outcome).toBe('success');
    const reasons = across.samples.filter((s) => s.metric === 'snmp_if_counter_discontinuity').map((s) => s.labels?.reason);
    expect(reasons).toEqual(Array(11).fill('agent_restarted'));
    expect(across.samples.filter((s) => s.metric.endsWith('_bps') || s.metric.endsWith('_per_s'))).toEqual([]);
    await sleep(2000);
    const after = await runOnce(probe);
    expect(Math.abs((ifSample(after, 'snmp_if_in_bps', { ifIndex: 11001 })?.value ?? NaN) / ((RATES.get(11001)?.inOctetsPerS as number) * 8) - 1)).toBeLessThan(
      0.05,
    );
  });
});
