// A rate above the speed the device reports is still a rate (issue 10, point 6): net-snmp's snmpd
// reports `lo` at 10 Mbit/s; with real traffic on lo well above that and NO speed in the config,
// the probe reports lo's rate, flags the mismatch, and withholds nothing as `rate_exceeds_speed`.
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../../agent/src/probes/types.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';
import { SNMPD, startSnmpd, type Daemon } from '../../../lab/snmp/daemons.ts';
import { startLoopbackTraffic, type LoopbackTraffic } from '../../../lab/snmp/loopback-traffic.ts';
import { ifSample, realProbe, runOnce, sleep } from './helpers.ts';

const LO_REPORTED_BPS = 10e6; // snmpd's ifSpeed for lo (ifHighSpeed 10)
const TRAFFIC_BPS = 100e6; // paced: any machine's loopback carries it, 10 × what lo claims
const POLL_GAP_MS = 2000; // snmpd refreshes its interface counters every ~3 s: most gaps see a refresh

describe.skipIf(skipUnlessLab({ files: [SNMPD] }))('snmp probe: lo carries more than the 10 Mbit/s snmpd reports', () => {
  let d: Daemon | undefined;
  let traffic: LoopbackTraffic | undefined;
  afterAll(async () => {
    await traffic?.stop();
    await d?.dispose();
  });

  it("reports lo's rate above 10 Mbit/s with snmp_if_speed_mismatch_bps, no utilisation and no rate_exceeds_speed", async () => {
    d = await startSnmpd({ community: 'public' });
    const probe = realProbe({ target: `127.0.0.1:${d.port}`, version: '2c', community: 'public', interfaces: [{ name: 'lo' }] });
    const first = await runOnce(probe);
    expect(first.outcome).toBe('success');
    expect(ifSample(first, 'snmp_if_oper_up', { ifName: 'lo' })?.value).toBe(1);

    traffic = await startLoopbackTraffic({ bitsPerSecond: TRAFFIC_BPS, maxMs: 90_000 });
    const polls: ProbeResult[] = [];
    let hit: ProbeResult | undefined;
    const deadline = performance.now() + 40_000; // snmpd refreshes every ~3 s: a few polls suffice
    while (hit === undefined && performance.now() < deadline) {
      await sleep(POLL_GAP_MS);
      const r = await runOnce(probe);
      expect(r.outcome).toBe('success');
      expect(r.samples.filter((s) => s.metric === 'snmp_if_counter_discontinuity' && s.labels?.reason === 'rate_exceeds_speed')).toEqual([]);
      polls.push(r);
      const lo = (metric: string) => ifSample(r, metric, { ifName: 'lo' })?.value ?? 0;
      if (lo('snmp_if_in_bps') > LO_REPORTED_BPS && lo('snmp_if_out_bps') > LO_REPORTED_BPS) hit = r;
    }
    await traffic.stop();
    expect(
      hit,
      `no poll saw lo above 10 Mbit/s in ${polls.length} polls (${traffic.bytes()} bytes sent); discontinuities: ${JSON.stringify(polls.flatMap((p) => p.samples.filter((s) => s.metric === 'snmp_if_counter_discontinuity').map((s) => s.labels)))}`,
    ).toBeDefined();
    const r = hit as ProbeResult;

    const mismatch = r.samples.filter((s) => s.metric === 'snmp_if_speed_mismatch_bps' && s.labels?.ifName === 'lo');
    expect(mismatch.map((s) => [s.labels?.direction, s.value]).sort()).toEqual([
      ['in', LO_REPORTED_BPS],
      ['out', LO_REPORTED_BPS],
    ]);
    // rate / 10 Mbit/s would say lo is several times "full": no utilisation is sent for it.
    expect(ifSample(r, 'snmp_if_in_utilisation_ratio', { ifName: 'lo' })).toBeUndefined();
    expect(ifSample(r, 'snmp_if_out_utilisation_ratio', { ifName: 'lo' })).toBeUndefined();
  }, 90_000);
});
