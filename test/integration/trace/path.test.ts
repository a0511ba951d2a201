/**
 * The path when a link degrades, for real: three routers in network namespaces (agent → r1 → r2
 * → r3, test/lab/router-chain.ts), 50 % loss on r2 (nftables) and 30 ms each way on the r1–r2
 * link (test/lab/tun-delay-wire.py). The built agent (`node dist/cli.js agent` inside the agent
 * namespace via `ip netns exec`) pings r3 as its n3-gateway, traces with mtr when the bursts
 * lose, and pushes to a collector in this namespace over the veth (10.219.N.1). The trace the
 * collector stores names r2 (hop 2) as the hop that introduced the loss; then r2 is swapped for
 * r2b, and the next trace is recorded as a path change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import { traceCulprit, type TracedHop } from '../../../collector/src/alerts/trace-culprit.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { CLI } from '../../helpers/cli.ts';
import { CHAIN_REQUIREMENTS, createRouterChain, type RouterChain } from '../../lab/router-chain.ts';

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs: number, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}\nagent:\n${output().split('\n').slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(skipUnlessLab({ ...CHAIN_REQUIREMENTS, files: [...CHAIN_REQUIREMENTS.files, '/usr/bin/ping', CLI] }))('path trace in a 3-router lab', () => {
  let chain: RouterChain | undefined;
  let collector: RunningCollector | undefined;
  let agent: ChildProcess | undefined;
  let agentOut = '';
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-trace-lab-'));

  beforeAll(async () => {
    chain = await createRouterChain({ delayMsOnR2Link: 30 });
    await chain.setLossOnR2(50);
    const config = parseCollectorConfig(
      {
        dataDir: join(dir, 'collector'),
        listen: { host: chain.hostIp, port: 0 },
        organisation: { name: 'Lab ICB' },
        practices: [{ ods: 'LAB001', name: 'Lab Surgery' }],
        storage: { synchronous: 'normal' },
        // Shortened as in test/integration/alerts/lab.test.ts: the logic is the production one.
        thresholds: { organisation: { rules: { 'n3-loss-mean': { window: '15s', sustain: 2, clearSustain: 2 } } } },
        alerting: { stepMs: 2000, graceMs: 3000, tickMs: 500, initialLookbackMs: 60_000, groupWaitMs: 500, reopenWithinMs: 4000 },
      },
      'trace lab collector',
    );
    collector = await startCollector(config, { log: silentLogger() });
    const token = (await createAgentToken(collector.meta, { practice: 'LAB001', agent: 'srv1' })).token;
    const agentFile = join(dir, 'agent.yaml');
    const check = {
      kind: 'icmp',
      id: 'hscn',
      target: chain.target,
      role: 'n3-gateway',
      intervalMs: 3000,
      count: 10,
      pingIntervalMs: 100,
      trace: { probesPerHop: 15, minIntervalMs: 60_000, baselineIntervalMs: 15_000 },
    };
    writeFileSync(
      agentFile,
      JSON.stringify({
        collector: { url: collector.url, token, allowInsecure: true },
        spool: { dir: join(dir, 'agent') },
        push: { intervalMs: 500 },
        checks: [check],
      }),
    );
    if (!existsSync(CLI)) throw new Error(`${CLI} is not built`);
    agent = spawn('ip', ['netns', 'exec', chain.agentNs, process.execPath, CLI, 'agent', '--config', agentFile, '--log-level', 'info'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout?.setEncoding('utf8').on('data', (d: string) => (agentOut = (agentOut + d).slice(-20_000)));
    agent.stderr?.setEncoding('utf8').on('data', (d: string) => (agentOut = (agentOut + d).slice(-20_000)));
  }, 60_000);

  afterAll(async () => {
    if (agent?.pid !== undefined && agent.exitCode === null) {
      const gone = new Promise((r) => agent?.once('close', r));
      process.kill(agent.pid, 'SIGTERM');
      const timer = setTimeout(() => agent?.exitCode === null && agent.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    await collector?.stop();
    await chain?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** The hops of the trace taken at `ts`, from the stored samples. */
  async function hopsAt(ts: number): Promise<TracedHop[]> {
    const store = collector!.store;
    const hops = new Map<number, TracedHop>();
    for (const s of await store.findSeries({ practice: 'LAB001', metric: ['trace_hop_loss_ratio', 'trace_hop_rtt_ms'] })) {
      const p = (await store.raw(s.id, ts, ts + 1))[0];
      if (p === undefined) continue;
      const hop = Number(s.labels['hop']);
      const h = hops.get(hop) ?? { hop, addr: s.labels['hopAddr'] ?? '', lossRatio: 0 };
      if (s.metric === 'trace_hop_loss_ratio') h.lossRatio = p.value;
      else h.rttMs = p.value;
      hops.set(hop, h);
    }
    return [...hops.values()].sort((a, b) => a.hop - b.hop);
  }

  async function traceTimes(reason?: string): Promise<number[]> {
    const store = collector!.store;
    const out: number[] = [];
    for (const s of await store.findSeries({ practice: 'LAB001', metric: 'trace_hops', ...(reason === undefined ? {} : { labels: { reason } }) })) {
      for (const p of await store.raw(s.id, 0, Date.now() + 60_000)) out.push(p.ts);
    }
    return out.sort((a, b) => a - b);
  }

  it('the burst-triggered trace names r2, the second hop, as where the loss came in', async () => {
    const ts = await until(
      'a burst trace at the collector',
      async () => (await traceTimes('burst'))[0],
      60_000,
      () => agentOut,
    );
    const hops = await hopsAt(ts);
    expect(hops[0]).toMatchObject({ hop: 1, addr: chain!.r1, lossRatio: 0 });
    expect(hops[1]).toMatchObject({ hop: 2, addr: chain!.r2 });
    expect(hops[1]!.rttMs).toBeGreaterThan(hops[0]!.rttMs! + 30);
    expect(traceCulprit(hops)).toEqual({ hop: 2, addr: chain!.r2, why: 'loss' });
  }, 90_000);

  it('the loss alert on the check carries that trace in its API answer, r2 marked', async () => {
    const key = (await createApiKey(collector!.meta, { role: 'servicedesk' })).key;
    const get = async (url: string): Promise<any> => {
      const r = await collector!.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };
    const detail = await until(
      'an alert on hscn whose answer has a trace',
      async () => {
        const list = await get('/api/v1/alerts?practice=LAB001');
        const alert = list.items.find((a: any) => a.labels.check === 'hscn');
        if (alert === undefined) return undefined;
        const d = await get(`/api/v1/alerts/${alert.id}`);
        return d.trace === null ? undefined : d;
      },
      60_000,
      () => agentOut,
    );
    expect(detail.trace.culprit).toEqual({ hop: 2, addr: chain!.r2, why: 'loss' });
    expect(detail.trace.hops.filter((h: any) => h.culprit).map((h: any) => h.addr)).toEqual([chain!.r2]);
    expect(Math.abs(Date.parse(detail.trace.at) - Date.parse(detail.startedAt))).toBeLessThan(10 * 60_000);
  }, 90_000);

  it('switching r2 for r2b is recorded as a path change', async () => {
    await chain!.setLossOnR2(0);
    await chain!.switchToR2b();
    const store = collector!.store;
    const changedAt = await until(
      'trace_path_changed = 1 on a trace through r2b',
      async () => {
        const [changed] = await store.findSeries({ practice: 'LAB001', metric: 'trace_path_changed' });
        if (changed === undefined) return undefined;
        for (const p of await store.raw(changed.id, 0, Date.now() + 60_000)) {
          if (p.value !== 1) continue;
          const hops = await hopsAt(p.ts);
          if (hops[1]?.addr === chain!.r2b) return p.ts;
        }
        return undefined;
      },
      60_000,
      () => agentOut,
    );
    const hops = await hopsAt(changedAt);
    expect(hops.map((h) => h.addr)).toEqual([chain!.r1, chain!.r2b, chain!.target]);
  }, 90_000);
});
