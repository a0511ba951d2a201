// No good sample lost for a bad one (issue 10, point 3): one misbehaving check among healthy ones,
// against a real collector (buildApp, real SQLite store) on a real loopback socket, with the real
// agent (scheduler, spool, pusher) or the real spool + pusher. Every healthy sample arrives; the
// bad ones are set aside alone, counted per check, and the count reaches the collector.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../../agent/src/agent.ts';
import { parseAgentConfig } from '../../../agent/src/config/parse.ts';
import { openSpool } from '../../../agent/src/spool/spool.ts';
import { createPusher } from '../../../agent/src/push/pusher.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { INGEST_LIMITS, type WireSample } from '../../../shared/src/wire.ts';
import { captureLog, fakeKind } from '../../unit/agent/helpers/fakes.ts';
import { startHarness, type Harness } from '../collector/harness.ts';
import { until } from './helpers/stub-collector.ts';

const DAY_MS = 86_400_000;
let h: Harness;
let url: string;
const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  h = await startHarness();
  url = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await h?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'n3mon-refused-'));
  dirs.push(d);
  return d;
}

async function untilAsync(cond: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Samples the collector stored for a practice/agent, metric and check. */
async function storedCount(agent: string, metric: string, check: string): Promise<number> {
  let n = 0;
  for (const s of await h.store.findSeries({ practice: 'A81001', agent, metric, labels: { check } }))
    n += (await h.store.raw(s.id, 0, Date.now() + 30 * DAY_MS)).length;
  return n;
}

describe('one misbehaving check among healthy ones', () => {
  it('the real agent: a check whose clock is two days ahead has its samples set aside and counted; every healthy sample arrives', async () => {
    const healthy = fakeKind('healthy', async () => ({ outcome: 'success', samples: [{ metric: 'tcp_connect_ms', value: 1.5 }] }));
    // A probe that stamps its samples from a clock two days ahead (as a device's clock could be).
    const skewed = fakeKind('skewed', async () => ({ outcome: 'success', samples: [{ metric: 'tcp_connect_ms', value: 9, ts: Date.now() + 2 * DAY_MS }] }));
    const probes = [healthy, skewed];
    const config = parseAgentConfig(
      {
        collector: { url, token: await h.token('A81001', 'real-agent') },
        spool: { dir: tmp(), maxBytes: 8 * 1024 * 1024 },
        push: { intervalMs: 200, batchSamples: 500, timeoutMs: 5000, maxBackoffMs: 1000 },
        checks: [
          { kind: 'healthy', target: '127.0.0.1:1', role: 'lan-gateway', intervalMs: 1000 },
          { kind: 'skewed', target: '127.0.0.1:2', role: 'national-app', intervalMs: 1000 },
          { kind: 'healthy', target: '127.0.0.1:3', role: 'n3-gateway', intervalMs: 1000 },
        ],
      },
      'test',
      probes,
    );
    const logs = captureLog('info');
    const agent = await startAgent(config, {
      log: logs.log,
      probes,
      tuning: { maxStartSpreadMs: 100, graceMs: 200, baseBackoffMs: 50, selfMetricsIntervalMs: 300, hostname: 'ps1' },
    });
    cleanups.push(() => agent.stop());

    await until(() => (agent.stats().spool.rejectedByCheck['skewed:127.0.0.1:2'] ?? 0) >= 2, 'two samples of the skewed check set aside');
    await until(() => agent.stats().checks.every((c) => c.runs >= 2), 'two runs of every check');
    agent.pushNow();
    await until(() => agent.stats().spool.samples === 0 && agent.stats().push.samplesAcked > 0, 'the spool to drain');
    const runs = Object.fromEntries(agent.stats().checks.map((c) => [c.id, c.runs]));
    // Every run of a healthy check delivered its probe sample; the skewed check's runs still say it ran.
    expect(await storedCount('real-agent', 'tcp_connect_ms', 'healthy:127.0.0.1:1')).toBeGreaterThanOrEqual(2);
    expect(await storedCount('real-agent', 'tcp_connect_ms', 'healthy:127.0.0.1:3')).toBeGreaterThanOrEqual(2);
    expect(await storedCount('real-agent', 'probe_success', 'skewed:127.0.0.1:2')).toBeGreaterThanOrEqual(2);
    expect(await storedCount('real-agent', 'tcp_connect_ms', 'skewed:127.0.0.1:2')).toBe(0);
    expect(runs['skewed:127.0.0.1:2']).toBeGreaterThanOrEqual(2);
    const setAside = agent.stats().checks.find((c) => c.id === 'skewed:127.0.0.1:2')?.setAside ?? 0;
    expect(setAside).toBeGreaterThanOrEqual(2);
    expect(agent.stats().push.batchesRejected).toBe(0);
    // Logged once for the check and rule, not once per sample.
    expect(
      logs
        .find('sample set aside: the collector would refuse it (logged once per check and rule; counted in agent_rejected_samples_total)')
        .map((l) => [l.check, l.rule]),
    ).toEqual([['skewed:127.0.0.1:2', 'ts_future']]);
    // The count reaches the collector as agent_rejected_samples_total{fromCheck}.
    await untilAsync(
      async () =>
        (await h.store.findSeries({ practice: 'A81001', agent: 'real-agent', metric: 'agent_rejected_samples_total' })).some(
          (s) => s.labels.fromCheck === 'skewed:127.0.0.1:2',
        ),
      'agent_rejected_samples_total{fromCheck} stored',
    );
  });

  it("spooled samples the collector refuses: the batch's healthy samples are stored, each bad one is set aside alone and counted; one slightly in the future is held and delivered", async () => {
    const spool = openSpool({ dir: tmp(), maxBytes: 64 * 1024 * 1024, log: silentLogger() });
    cleanups.push(() => spool.close());
    const now = Date.now();
    const input: WireSample[] = [];
    const healthyChecks = ['icmp:10.0.0.1', 'tcp:10.0.0.2:443', 'http:eps'];
    for (let i = 0; i < 300; i++) {
      const check = healthyChecks[i % 3] as string;
      input.push({ metric: 'tcp_connect_ms', labels: { check, role: 'national-app', target: check }, ts: now - 60_000 + i, value: i });
      // Samples spooled by an agent from before these rules, or under a clock that was off.
      if (i % 50 === 7)
        input.push({ metric: 'tcp_connect_ms', labels: { check: 'bad:labels', role: 'server', target: 'x', __site: 'A' }, ts: now - 60_000 + i, value: i });
      if (i % 50 === 9)
        input.push({ metric: 'tcp_connect_ms', labels: { check: 'bad:clock', role: 'server', target: 'y' }, ts: now + 2 * DAY_MS + i, value: i });
    }
    // A sample 1.5 s past the collector's future limit: kept and sent again once it fits.
    input.push({
      metric: 'tcp_connect_ms',
      labels: { check: 'ahead:clock', role: 'server', target: 'z' },
      ts: now + INGEST_LIMITS.maxFutureMs + 1500,
      value: 1,
    });
    spool.append(input);
    const logs = captureLog('info');
    const pusher = createPusher({
      spool,
      url,
      token: await h.token('A81001', 'spool-agent'),
      batchSamples: 100,
      intervalMs: 200,
      timeoutMs: 5000,
      maxBackoffMs: 5000,
      baseBackoffMs: 50,
      log: logs.log,
    });
    pusher.start();
    cleanups.push(() => pusher.stop());
    await until(() => spool.stats().samples === 0, 'the spool to drain', 30_000);

    for (const check of healthyChecks) expect(await storedCount('spool-agent', 'tcp_connect_ms', check)).toBe(100);
    expect(await storedCount('spool-agent', 'tcp_connect_ms', 'bad:labels')).toBe(0);
    expect(await storedCount('spool-agent', 'tcp_connect_ms', 'bad:clock')).toBe(0);
    expect(await storedCount('spool-agent', 'tcp_connect_ms', 'ahead:clock')).toBe(1);
    expect(spool.stats().rejectedByCheck).toEqual({ 'bad:labels': 6, 'bad:clock': 6 });
    const rejected = spool.rejected(100);
    expect(rejected).toHaveLength(12);
    expect(rejected.every((r) => r.samples.length === 1 && r.status === 200)).toBe(true);
    expect(rejected.filter((r) => r.reason.startsWith('label_reserved: samples[')).map((r) => r.samples[0]?.labels.check)).toEqual(Array(6).fill('bad:labels'));
    expect(rejected.filter((r) => r.reason.startsWith('ts_future: samples[')).map((r) => r.samples[0]?.labels.check)).toEqual(Array(6).fill('bad:clock'));
    const stats = pusher.stats();
    expect(stats).toMatchObject({ batchesRejected: 0, samplesRefused: 12 });
    expect(stats.samplesHeld).toBeGreaterThanOrEqual(1);
    // Logged once per check and rule, not per sample.
    expect(
      logs
        .find("collector refused samples of a check; set aside in the spool's rejected table (the rest of the batch is stored)")
        .map((l) => [l.check, l.rule])
        .sort(),
    ).toEqual([
      ['bad:clock', 'ts_future'],
      ['bad:labels', 'label_reserved'],
    ]);
  });
});
