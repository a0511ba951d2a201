/**
 * A collector restarted in the middle of an episode resumes evaluation where it stopped (cursors
 * and rule states in meta.db): the alert opened before the restart is resolved after it — one
 * alert, the same history as without a restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
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
const T0 = Math.floor((Date.now() - 4 * 3_600_000) / 3_600_000) * 3_600_000;
const n3 = { role: 'n3-gateway', target: '10.200.0.2', check: 'icmp:n3' };
const bad = (ts: number): boolean => ts >= T0 + 30 * M && ts < T0 + 90 * M;
const dir = mkdtempSync(join(tmpdir(), 'n3mon-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function measured(from: number, to: number): WireSample[] {
  const out: WireSample[] = [];
  for (let ts = from; ts < to; ts += 30_000) {
    out.push({ metric: 'icmp_loss_ratio', labels: n3, ts, value: bad(ts) ? 0.3 : 0 });
    out.push({ metric: 'probe_success', labels: { ...n3, outcome: 'success' }, ts, value: 1 });
  }
  return out;
}

async function start(clock: FakeClock): Promise<RunningCollector> {
  const config = parseCollectorConfig(
    {
      dataDir: dir,
      listen: { port: 0 },
      practices: [{ ods: 'A81001', name: 'Example Surgery' }],
      storage: { synchronous: 'normal' },
      alerting: { tickMs: 60_000 },
    },
    'test',
  );
  return startCollector(config, { log: silentLogger(), clock });
}

describe('restart', () => {
  it('an episode that spans a restart is one alert with its true start and end', async () => {
    const clock = new FakeClock(T0);
    let c = await start(clock);
    const token = (await createAgentToken(c.meta, { practice: 'A81001', agent: 'srv1', now: T0 })).token;
    const feed = async (from: number, to: number): Promise<void> => {
      for (let t = from; t < to; t += M) {
        clock.t = t + M + 5000;
        const r = await c.app.inject({
          method: 'POST',
          url: '/api/v1/ingest',
          payload: { batchId: `b-${t}`, samples: measured(t, t + M) },
          headers: { authorization: `Bearer ${token}` },
        });
        expect(r.statusCode).toBe(200);
        await c.alerting.tick();
      }
    };
    try {
      await feed(T0, T0 + 70 * M);
      expect((await c.alerting.alerts.list({ state: 'open', limit: 10, offset: 0 })).total).toBe(1);
      const before = c.alerting.evaluator!.progress()[0]!.evaluatedUntil;
      await c.stop();
      c = await start(clock);
      // resumed: the cursor where it was, the rule state still critical (not re-learnt from ok)
      expect(c.alerting.evaluator!.progress()[0]!.evaluatedUntil).toBe(before);
      await feed(T0 + 70 * M, T0 + 71 * M);
      expect(c.alerting.status.statusOf('A81001').status).toBe('critical');
      await feed(T0 + 71 * M, T0 + 150 * M);
      const all = (await c.alerting.alerts.list({ limit: 10, offset: 0 })).items;
      expect(all.map((a) => [a.ruleId, a.state, a.startedAt - T0, (a.endedAt ?? 0) - T0])).toEqual([['n3-loss-mean', 'resolved', 31 * M, 105 * M]]);
      expect((await c.alerting.alerts.history(all[0]!.id)).map((e) => e.kind)).toEqual(['raised', 'resolved']);
    } finally {
      await c.stop();
    }
  });
});
