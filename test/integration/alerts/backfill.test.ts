/**
 * Event time, end to end through the collector's API: an hour of bad national-link samples
 * ingested minute by minute ("live") and the same hour ingested at once long afterwards (a
 * backfill, old timestamps) produce the same alert history, with the true start and end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken } from '../../../collector/src/auth/credentials.ts';
import { FakeClock } from '../../unit/evaluation/memory-source.ts';

const M = 60_000;
// Four hours ago, on the hour: old timestamps, well inside what ingest accepts.
const T0 = Math.floor((Date.now() - 4 * 3_600_000) / 3_600_000) * 3_600_000;
const n3 = { role: 'n3-gateway', target: '10.200.0.2', check: 'icmp:n3' };
const bad = (ts: number): boolean => ts >= T0 + 30 * M && ts < T0 + 90 * M;

/** What the agent measured in [from, to): a 20-ping burst every 30 s to the national link router. */
function measured(from: number, to: number): WireSample[] {
  const out: WireSample[] = [];
  for (let ts = from; ts < to; ts += 30_000) {
    out.push({ metric: 'icmp_loss_ratio', labels: n3, ts, value: bad(ts) ? 0.3 : 0 });
    out.push({ metric: 'icmp_rtt_avg_ms', labels: n3, ts, value: bad(ts) ? 180 : 22 });
    out.push({ metric: 'probe_success', labels: { ...n3, outcome: 'success' }, ts, value: 1 });
  }
  return out;
}

let dir: string;
let c: RunningCollector;
const clock = new FakeClock(T0);
const tokens: Record<string, string> = {};

async function ingest(practice: string, batchId: string, samples: WireSample[]): Promise<void> {
  const r = await c.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    payload: { batchId, samples },
    headers: { authorization: `Bearer ${tokens[practice]}` },
  });
  expect(r.statusCode, r.body).toBe(200);
}

async function history(practice: string): Promise<unknown[]> {
  const items = (await c.alerting.alerts.list({ practice, limit: 100, offset: 0 })).items.sort(
    (a, b) => a.startedAt - b.startedAt || a.ruleId.localeCompare(b.ruleId),
  );
  const out: unknown[] = [];
  for (const a of items) {
    out.push({
      rule: a.ruleId,
      state: a.state,
      severity: a.severity,
      peak: a.peak,
      startedAt: new Date(a.startedAt).toISOString(),
      raisedAt: new Date(a.raisedAt).toISOString(),
      endedAt: a.endedAt === null ? null : new Date(a.endedAt).toISOString(),
      events: (await c.alerting.alerts.history(a.id)).map((e) => `${e.kind} ${e.severity ?? ''} ${new Date(e.at).toISOString()}`),
    });
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-backfill-'));
  const config = parseCollectorConfig(
    {
      dataDir: dir,
      listen: { port: 0 },
      practices: [
        { ods: 'LIVE01', name: 'Live Surgery' },
        { ods: 'BACK01', name: 'Backfilled Surgery' },
      ],
      storage: { synchronous: 'normal' },
      alerting: { tickMs: 60_000 }, // ticks are driven by the test
    },
    'test',
  );
  c = await startCollector(config, { log: silentLogger(), clock });
  for (const p of ['LIVE01', 'BACK01']) tokens[p] = (await createAgentToken(c.meta, { practice: p, agent: 'srv1', now: T0 })).token;
});

afterAll(async () => {
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('event-time evaluation through the API', () => {
  it('a backfilled hour of bad samples produces the same alert history as live', async () => {
    // live: every minute the agent delivers what it measured, a few seconds later
    for (let t = T0; t < T0 + 150 * M; t += M) {
      clock.t = t + M + 5000;
      await ingest('LIVE01', `live-${t}`, measured(t, t + M));
      await c.alerting.tick();
    }
    // backfill: the same 150 minutes arrive in one batch, long after (old timestamps)
    clock.t = T0 + 150 * M + 5000;
    await ingest('BACK01', 'backlog-1', measured(T0, T0 + 150 * M));
    await c.alerting.tick();

    const live = await history('LIVE01');
    expect(live).toEqual([
      {
        rule: 'n3-loss-mean',
        state: 'resolved',
        severity: 'critical',
        peak: 'critical',
        startedAt: new Date(T0 + 31 * M).toISOString(),
        raisedAt: new Date(T0 + 33 * M).toISOString(),
        endedAt: new Date(T0 + 105 * M).toISOString(),
        events: [`raised critical ${new Date(T0 + 33 * M).toISOString()}`, `resolved  ${new Date(T0 + 105 * M).toISOString()}`],
      },
      {
        rule: 'n3-rtt-p95',
        state: 'resolved',
        severity: 'critical',
        peak: 'critical',
        // p95 of the 30 bursts of a 15-minute window passes 150 ms once 2 of them are slow
        startedAt: new Date(T0 + 31 * M).toISOString(),
        raisedAt: new Date(T0 + 33 * M).toISOString(),
        endedAt: new Date(T0 + 105 * M).toISOString(),
        events: [`raised critical ${new Date(T0 + 33 * M).toISOString()}`, `resolved  ${new Date(T0 + 105 * M).toISOString()}`],
      },
    ]);
    expect(await history('BACK01')).toEqual(live);
  });
});
