/**
 * Re-records the SNMP fixtures under test/fixtures/snmp/ from real agents on this machine:
 *
 *   node --import tsx test/lab/snmp/record-fixtures.ts [snmpsim] [snmpd] [snmpd-lo]
 *
 * (no argument: all three recorders; with arguments: only those named).
 * - cisco-3750.snmprec: Debian's recorded Cisco 3750, cut to system + ifTable + ifXTable.
 * - snmpd-linux.snmprec: this machine's snmpd, recorded with snmpsim's `snmprec` tool.
 * - sequences/*.json: successive polls (DeviceSnapshots, BigInts as strings, times rebased to the
 *   first poll) taken by the probe's own poller from snmpsimd devices with known counter rates,
 *   from snmpd across a restart, and from snmpd while lo carries ~100 Mbit/s of real traffic (10 ×
 *   the speed snmpd reports for it). test/unit/probes/snmp/ replays them through the counter rules.
 *
 * Not part of the test suite (it takes ~40 s and rewrites files); run it when the poller's
 * snapshot format changes, then review the diff.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../../shared/src/clock.ts';
import { openNetSnmpSession } from '../../../agent/src/probes/snmp/net-snmp-session.ts';
import { pollDevice } from '../../../agent/src/probes/snmp/poll.ts';
import { snapshotToJson, type DeviceSnapshot } from '../../../agent/src/probes/snmp/snapshot.ts';
import type { SessionParams } from '../../../agent/src/probes/snmp/session.ts';
import { makeTempDir, startSnmpd, startSnmpsim, type Daemon } from './daemons.ts';
import { startLoopbackTraffic } from './loopback-traffic.ts';
import { FAST_ETHERNET, ciscoInterfacesRecording, fastEthernetRates, formatSnmprec, writeDevice, type DevicePlan } from './devices.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/snmp/', import.meta.url));
const SEQUENCES = join(FIXTURES, 'sequences');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pollOnce(params: Omit<SessionParams, 'requestTimeoutMs'>): Promise<DeviceSnapshot> {
  const signal = new AbortController().signal;
  const opened = await openNetSnmpSession({ ...params, requestTimeoutMs: 3000 }, signal);
  if (!opened.ok) throw new Error(`open: ${opened.failure.message}`);
  try {
    const r = await pollDevice(opened.value, { version: params.version, retries: 2, signal, clock: systemClock, tuning: { maxRepetitions: 25, ceiling: 25 } });
    if (!r.ok) throw new Error(`poll ${params.host}:${params.port}: ${r.failure.message}`);
    return r.value.snapshot;
  } finally {
    opened.value.close();
  }
}

interface Sequence {
  scenario: string;
  description: string;
  source: string;
  version: '1' | '2c' | '3';
  /** Known rates per ifIndex (units per second), where the device was made to grow at one. */
  known?: Record<string, Record<string, number>>;
  polls: DeviceSnapshot[];
}

function save(seq: Sequence): void {
  const t0 = seq.polls[0]?.atMs ?? 0;
  const rebase = (ms: number) => Math.round((ms - t0) * 1000) / 1000;
  const polls = seq.polls.map((p) => {
    const j = snapshotToJson(p) as DeviceSnapshot;
    j.atMs = rebase(j.atMs);
    for (const row of j.interfaces) for (const c of Object.values(row.counters)) if (c !== undefined) c.atMs = rebase(c.atMs);
    return j;
  });
  // One poll per line: small files, readable diffs.
  const { polls: _raw, ...head } = seq;
  const headText = JSON.stringify(head, null, 1).slice(0, -2);
  writeFileSync(join(SEQUENCES, `${seq.scenario}.json`), `${headText},\n "polls": [\n${polls.map((p) => `  ${JSON.stringify(p)}`).join(',\n')}\n ]\n}\n`);
  console.log(`  ${seq.scenario}: ${polls.length} polls`);
}

function knownRates(plan: DevicePlan): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [index, r] of plan.ports) {
    const { initialOctets: _ignored, ...rates } = r;
    out[String(index)] = rates as Record<string, number>;
  }
  return out;
}

async function recordSnmpsim(): Promise<void> {
  const base = ciscoInterfacesRecording();
  writeFileSync(join(FIXTURES, 'cisco-3750.snmprec'), formatSnmprec(base));
  console.log('  cisco-3750.snmprec');

  const data = makeTempDir('snmp-rec-data');
  const steady: DevicePlan = { name: 'steady', ports: fastEthernetRates(), movingDiscontinuity: [11048] };
  // The wraps are timed from snmpsimd's start (its `numeric` clock), ~20 s out so that a slow
  // start cannot hide them; we poll until both were seen (bounded) and keep the polls around them.
  // 1,000,000 octets/s from 2^32 - 20 M: the Counter32 wraps ~20 s after snmpsimd starts.
  const wrap32: DevicePlan = {
    name: 'wrap32',
    noHcCounters: true,
    ports: new Map(FAST_ETHERNET.slice(0, 4).map((i) => [i, { inOctetsPerS: 1_000_000, outOctetsPerS: 500_000, initialOctets: 4_294_967_296 - 20_000_000 }])),
  };
  // sysUpTime 2^32 - 2,000 ticks: it passes 497.1 days ~20 s after snmpsimd starts.
  const uptime: DevicePlan = { name: 'uptime497', initialUptimeTicks: 4_294_967_295 - 2000, ports: fastEthernetRates() };
  for (const p of [steady, wrap32, uptime]) writeDevice(data, base, p);
  let sim: Daemon | undefined = await startSnmpsim({ dataDir: data, readyCommunity: 'steady' });
  try {
    const polls: Record<string, DeviceSnapshot[]> = { steady: [], wrap32: [], uptime497: [] };
    const wrappedAt = (list: DeviceSnapshot[], value: (s: DeviceSnapshot) => bigint | number | undefined): number => {
      for (let i = 1; i < list.length; i++) {
        const a = value(list[i - 1] as DeviceSnapshot);
        const b = value(list[i] as DeviceSnapshot);
        if (a !== undefined && b !== undefined && b < a) return i;
      }
      return -1;
    };
    const counterOf = (s: DeviceSnapshot) => s.interfaces.find((r) => r.index === 11001)?.counters.inOctets?.value;
    for (let i = 0; i < 30; i++) {
      for (const name of Object.keys(polls)) polls[name]?.push(await pollOnce({ host: '127.0.0.1', port: sim.port, version: '2c', community: name }));
      const w1 = wrappedAt(polls.wrap32 ?? [], counterOf);
      const w2 = wrappedAt(polls.uptime497 ?? [], (s) => s.sysUpTimeTicks);
      if (w1 > 0 && w2 > 0 && (polls.wrap32?.length ?? 0) >= Math.max(w1, w2) + 3) break;
      await sleep(2000);
    }
    const window = (list: DeviceSnapshot[], at: number): DeviceSnapshot[] => {
      if (at < 0) throw new Error('no wrap was seen: is the machine very slow? run again');
      return list.slice(Math.max(0, at - 3), at + 3);
    };
    save({
      scenario: 'snmpsim-steady-hc',
      description:
        'Cisco 3750 (snmpsimd): 48 FastEthernet ports with HC counters growing at known rates; Fa3/0/48 has an ifCounterDiscontinuityTime that moves on every read.',
      source: 'snmpsimd 0.4.5, Debian cisco_16_switch recording',
      version: '2c',
      known: knownRates(steady),
      polls: (polls.steady ?? []).slice(0, 5),
    });
    save({
      scenario: 'snmpsim-counter32-wrap',
      description: 'Old device without HC counters: Fa3/0/1-4 ifInOctets (Counter32) at 1,000,000 octets/s wraps past 2^32 during the sequence.',
      source: 'snmpsimd 0.4.5, Debian cisco_16_switch recording',
      version: '2c',
      known: knownRates(wrap32),
      polls: window(polls.wrap32 ?? [], wrappedAt(polls.wrap32 ?? [], counterOf)),
    });
    save({
      scenario: 'snmpsim-uptime-497d',
      description: 'sysUpTime passes 2^32 ticks (497.1 days) during the sequence: a wrap, not a reboot.',
      source: 'snmpsimd 0.4.5, Debian cisco_16_switch recording',
      version: '2c',
      known: knownRates(uptime),
      polls: window(
        polls.uptime497 ?? [],
        wrappedAt(polls.uptime497 ?? [], (s) => s.sysUpTimeTicks),
      ),
    });

    // Restart: counters and sysUpTime start again from their initial values.
    const restart: DeviceSnapshot[] = [];
    for (let i = 0; i < 2; i++) {
      restart.push(await pollOnce({ host: '127.0.0.1', port: sim.port, version: '2c', community: 'steady' }));
      await sleep(2000);
    }
    const { port, dir } = sim;
    await sim.stop();
    sim = await startSnmpsim({ dataDir: data, readyCommunity: 'steady', port, dir });
    for (let i = 0; i < 2; i++) {
      restart.push(await pollOnce({ host: '127.0.0.1', port: sim.port, version: '2c', community: 'steady' }));
      await sleep(2000);
    }
    save({
      scenario: 'snmpsim-restart',
      description: 'snmpsimd restarted between poll 2 and poll 3: sysUpTime and every counter went back to their initial values.',
      source: 'snmpsimd 0.4.5, Debian cisco_16_switch recording',
      version: '2c',
      known: knownRates(steady),
      polls: restart,
    });
  } finally {
    await sim?.dispose();
    rmSync(data, { recursive: true, force: true });
  }
}

async function recordSnmpd(): Promise<void> {
  const user = { name: 'rec', auth: 'SHA-256', authKey: 'authpass123', priv: 'AES', privKey: 'privpass123' };
  let d: Daemon | undefined = await startSnmpd({ users: [user] });
  try {
    const rec = spawnSync(
      'snmprec',
      [
        `--agent-udpv4-endpoint=127.0.0.1:${d.port}`,
        '--protocol-version=2c',
        '--community=public',
        '--start-object=1.3.6.1.2.1.1',
        '--stop-object=1.3.6.1.2.1.3',
        `--output-file=${join(FIXTURES, 'snmpd-linux.snmprec.tmp')}`,
      ],
      { encoding: 'utf8' },
    );
    if (rec.status !== 0) throw new Error(`snmprec failed: ${rec.stderr}`);
    // Keep system + interfaces; also the ifXTable (1.3.6.1.2.1.31.1.1) in a second pass.
    const rec2 = spawnSync(
      'snmprec',
      [
        `--agent-udpv4-endpoint=127.0.0.1:${d.port}`,
        '--protocol-version=2c',
        '--community=public',
        '--start-object=1.3.6.1.2.1.31.1.1',
        '--stop-object=1.3.6.1.2.1.31.1.2',
        `--output-file=${join(FIXTURES, 'snmpd-linux-x.snmprec.tmp')}`,
      ],
      { encoding: 'utf8' },
    );
    if (rec2.status !== 0) throw new Error(`snmprec failed: ${rec2.stderr}`);
    spawnSync('sh', [
      '-c',
      `cat ${join(FIXTURES, 'snmpd-linux.snmprec.tmp')} ${join(FIXTURES, 'snmpd-linux-x.snmprec.tmp')} > ${join(FIXTURES, 'snmpd-linux.snmprec')} && rm ${join(FIXTURES, '*.tmp')}`,
    ]);
    console.log('  snmpd-linux.snmprec');

    const v3 = {
      host: '127.0.0.1',
      version: '3' as const,
      user: { name: user.name, authProtocol: 'sha256' as const, authKey: user.authKey, privProtocol: 'aes' as const, privKey: user.privKey },
    };
    const polls: DeviceSnapshot[] = [];
    for (let i = 0; i < 2; i++) {
      polls.push(await pollOnce({ ...v3, port: d.port }));
      await sleep(3500);
    }
    const { port, dir } = d;
    await d.stop();
    d = await startSnmpd({ users: [user], port, dir });
    await sleep(1000);
    for (let i = 0; i < 2; i++) {
      polls.push(await pollOnce({ ...v3, port: d.port }));
      await sleep(3500);
    }
    save({
      scenario: 'snmpd-v3-restart',
      description:
        'net-snmp snmpd (SNMPv3 authPriv) restarted between poll 2 and poll 3: sysUpTime and snmpEngineTime started again (snmpEngineBoots stays 1: this lab snmpd does not persist it), the kernel counters did not.',
      source: 'net-snmp snmpd 5.9.3 on Debian 12 (loopback, eth0)',
      version: '3',
      polls,
    });
  } finally {
    await d?.dispose();
  }
}

/** lo reported at 10 Mbit/s (ifHighSpeed 10) while it carries ~100 Mbit/s each way. */
async function recordSnmpdLo(): Promise<void> {
  const d = await startSnmpd({ community: 'public' });
  const traffic = await startLoopbackTraffic({ bitsPerSecond: 100e6, maxMs: 60_000 });
  try {
    const polls: DeviceSnapshot[] = [];
    // 3.5 s apart: every gap holds at least one of snmpd's ~3 s counter refreshes.
    for (let i = 0; i < 5; i++) {
      polls.push(await pollOnce({ host: '127.0.0.1', port: d.port, version: '2c', community: 'public' }));
      await sleep(3500);
    }
    save({
      scenario: 'snmpd-lo-above-speed',
      description:
        'net-snmp snmpd reports lo at 10 Mbit/s (ifSpeed 10000000, ifHighSpeed 10) while a paced TCP transfer on 127.0.0.1 moves ~100 Mbit/s over it (and whatever else the machine sent on lo): a real rate 10 × the reported speed.',
      source: 'net-snmp snmpd 5.9.3 on Debian 12 (loopback)',
      version: '2c',
      known: { '1': { inOctetsPerS: 100e6 / 8, outOctetsPerS: 100e6 / 8 } },
      polls,
    });
  } finally {
    await traffic.stop();
    await d.dispose();
  }
}

const RECORDERS: Record<string, () => Promise<void>> = { snmpsim: recordSnmpsim, snmpd: recordSnmpd, 'snmpd-lo': recordSnmpdLo };
const only = process.argv.slice(2);
for (const name of only) if (!(name in RECORDERS)) throw new Error(`unknown recorder ${name}: ${Object.keys(RECORDERS).join(', ')}`);
mkdirSync(SEQUENCES, { recursive: true });
console.log(`recording into ${FIXTURES}`);
await Promise.all(
  Object.entries(RECORDERS)
    .filter(([name]) => only.length === 0 || only.includes(name))
    .map(([, record]) => record()),
);
