// A pulled config that changes an SNMP check, against a real snmpd on 127.0.0.1: when the device
// (target, version, credentials) is the same, the new probe keeps the old one's counters (its first
// poll already has rates) and its discovery (no walk) — through the real scheduler's reconfigure as
// well as the kind's handOver; another device, or other credentials, start afresh; a cipher this
// Node cannot do is refused when the probe is made, not at the first poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isN3monError } from '../../../shared/src/errors.ts';
import { createLogger } from '../../../shared/src/log.ts';
import { systemClock } from '../../../shared/src/clock.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { parseChecks } from '../../../agent/src/config/load.ts';
import { desAvailable } from '../../../agent/src/probes/snmp/ciphers.ts';
import { snmpProbe } from '../../../agent/src/probes/snmp/index.ts';
import { discoveryPhase } from '../../../agent/src/probes/snmp/poll.ts';
import type { SnmpCheck } from '../../../agent/src/probes/snmp/schema.ts';
import type { Probe, ProbeEnv, ProbeResult } from '../../../agent/src/probes/types.ts';
import { createScheduler } from '../../../agent/src/scheduler/scheduler.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { waitFor } from '../../helpers/wait.ts';
import { SNMPD, startSnmpd, type Daemon } from '../../lab/snmp/daemons.ts';

interface Line {
  msg: string;
  [k: string]: unknown;
}
const lines: Line[] = [];
const log = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Line) } });
const env: ProbeEnv = { log, clock: systemClock, collector: { url: 'http://127.0.0.1:9', token: 'unused-in-snmp-tests' } };

/** Validated as a pulled check is (the agent's own parseChecks). */
function snmpCheck(raw: Record<string, unknown>): SnmpCheck {
  const r = parseChecks([{ kind: 'snmp', role: 'lan-gateway', ...raw }]);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value[0] as unknown as SnmpCheck;
}

async function poll(probe: Probe): Promise<ProbeResult & { walked: boolean }> {
  const before = lines.length;
  const r = await probe.run({ signal: AbortSignal.timeout(20_000), timeoutMs: 20_000, log, clock: systemClock });
  const walked = lines.slice(before).some((l) => l.msg === 'snmp device discovered' || l.msg === 'snmp interface tables walked');
  return { ...r, walked };
}

const rates = (r: ProbeResult): number => r.samples.filter((s) => s.metric === 'snmp_if_in_bps').length;

describe.skipIf(skipUnlessLab({ files: [SNMPD] }))('a changed SNMP check keeps its device state', () => {
  let d: Daemon;
  let base: Record<string, unknown>;
  beforeAll(async () => {
    d = await startSnmpd({ community: 'public', users: [{ name: 'shaaes', auth: 'SHA', authKey: 'authpass123', priv: 'AES', privKey: 'privpass123' }] });
    const target = `127.0.0.1:${d.port}`;
    // An id whose rediscovery phase is far from the cycle's end, so the second poll is a GET poll by rule, not by chance.
    const id = Array.from({ length: 100 }, (_, i) => `router-${i}`).find((x) => discoveryPhase(`${x}|${target}`, 10_000) < 9000) as string;
    base = { id, target, version: '2c', community: 'public', rediscoverEvery: 10_000, interfaces: [{ name: 'lo', speedBps: 100e9 }] };
  });
  afterAll(async () => {
    await d?.dispose();
  });

  it('handOver: same device → counters and discovery kept; other interfaces → counters kept, walked again; other credentials → none', async () => {
    const a = snmpCheck(base);
    const first = snmpProbe.create(a, env);
    const baseline = await poll(first);
    expect(baseline.outcome).toBe('success');
    expect(baseline.walked).toBe(true);
    expect(rates(baseline)).toBe(0); // the first poll of a device is its baseline

    // Interval, labels and timeouts changed: the same device.
    const b = snmpCheck({ ...base, intervalMs: 30_000, labels: { site: 'Main' }, requestTimeoutMs: 2000 });
    const second = snmpProbe.handOver?.({ check: a, probe: first }, b, env);
    expect(second).toBeDefined();
    const kept = await poll(second as Probe);
    expect(kept.outcome).toBe('success');
    expect(rates(kept)).toBe(1); // lo's rate at once: the counters came along
    expect(kept.walked).toBe(false); // and the discovery: counters fetched by GET

    // The interface selection changed: counters still good, the tables are walked again.
    const c = snmpCheck({ ...base, interfaces: [{ name: 'lo', speedBps: 100e9, role: 'server' }] });
    const third = snmpProbe.handOver?.({ check: b, probe: second as Probe }, c, env) as Probe;
    const rewalked = await poll(third);
    expect(rewalked.walked).toBe(true);
    expect(rates(rewalked)).toBe(1);
    expect(rewalked.samples.find((s) => s.metric === 'snmp_if_in_bps')?.labels?.ifRole).toBe('server');

    // Another community or version is another view of the device: no hand-over, the caller creates afresh.
    expect(snmpProbe.handOver?.({ check: c, probe: third }, snmpCheck({ ...base, community: 'private' }), env)).toBeUndefined();
    const { community: _v2c, ...v3base } = base;
    const v3 = snmpCheck({ ...v3base, version: '3', user: 'shaaes', authProtocol: 'sha', authKey: 'authpass123', privProtocol: 'aes', privKey: 'privpass123' });
    expect(snmpProbe.handOver?.({ check: c, probe: third }, v3, env)).toBeUndefined();
  });

  it('through Scheduler.reconfigure: the replaced check’s next poll has rates with its new labels', async () => {
    const spooled: WireSample[] = [];
    const runs: string[] = [];
    const checks = (labels: Record<string, string>) => {
      const r = parseChecks([{ kind: 'snmp', role: 'lan-gateway', ...base, intervalMs: 1000, timeoutMs: 900, labels }]);
      if (!r.ok) throw new Error(r.problems.join('\n'));
      return r.value;
    };
    const scheduler = createScheduler({
      checks: checks({ site: 'Main' }),
      probes: [snmpProbe],
      env,
      sink: (s) => spooled.push(...s),
      log,
      clock: systemClock,
      maxStartSpreadMs: 1,
      onRun: (id, record) => runs.push(`${id}:${record.outcome}`),
    });
    try {
      scheduler.start();
      await waitFor('a first poll', async () => (runs.length >= 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
      const summary = scheduler.reconfigure(checks({ site: 'Branch' }));
      expect(summary).toMatchObject({ changed: [base.id], handedOver: [base.id], added: [], removed: [] });
      const branch = await waitFor(
        'a poll of the replaced check',
        async () => {
          const s = spooled.filter((w) => w.labels.site === 'Branch' && w.metric === 'probe_success');
          return s.length > 0 ? s : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(branch[0]?.labels.outcome).toBe('success');
      // Its very first poll: a rate, no walk (a fresh probe would have had neither).
      const firstTs = branch[0]?.ts;
      expect(spooled.filter((w) => w.metric === 'snmp_if_in_bps' && w.labels.site === 'Branch' && w.ts === firstTs)).toHaveLength(1);
    } finally {
      await scheduler.stop();
    }
  });

  it.skipIf(desAvailable())('refuses privProtocol des when the probe is made, where this Node’s OpenSSL has no DES', () => {
    const des = {
      kind: 'snmp',
      id: 'des-router',
      target: `127.0.0.1:${d.port}`,
      role: 'n3-gateway',
      version: '3',
      user: 'u',
      authProtocol: 'sha',
      authKey: 'authpass123',
      privProtocol: 'des',
      privKey: 'privpass123',
      intervalMs: 60_000,
      requestTimeoutMs: 1500,
      retries: 3,
      maxRepetitions: 25,
      rediscoverEvery: 10,
    } as unknown as SnmpCheck;
    let err: unknown;
    try {
      snmpProbe.create(des, env);
    } catch (e) {
      err = e;
    }
    expect(isN3monError(err, 'N3MON_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as { problems: string[] }).problems).toEqual([expect.stringMatching(/^privProtocol: des is not available in this Node\.js/)]);
  });
});
