import { describe, expect, it } from 'vitest';
import { AgentActivity } from '../../../collector/src/status/activity.ts';
import { LatestProbeStatus } from '../../../collector/src/status/latest-probe.ts';
import type { WireSample } from '../../../shared/src/wire.ts';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const MIN = 60_000;

function probe(check: string, outcome: string, ts: number): WireSample {
  return { metric: 'probe_success', labels: { check, role: 'lan-gateway', target: '192.0.2.1', outcome }, ts, value: outcome === 'success' ? 1 : 0 };
}

function setup() {
  const activity = new AgentActivity();
  const status = new LatestProbeStatus({ lastSeen: (p) => activity.lastSeen(p) });
  const deliver = (practice: string, agent: string, samples: WireSample[], receivedAt: number) => {
    const batch = { practice, agent, samples, receivedAt };
    activity.onBatch(batch);
    status.onBatch(batch);
  };
  return { activity, status, deliver };
}

describe('LatestProbeStatus', () => {
  it('is unknown until an agent reports, and again 5 minutes after the last report', () => {
    const { status, deliver } = setup();
    expect(status.statusOf('A81001', T0).status).toBe('unknown');
    deliver('A81001', 'srv', [probe('icmp:gw', 'success', T0)], T0);
    expect(status.statusOf('A81001', T0 + 5 * MIN).status).toBe('ok');
    expect(status.statusOf('A81001', T0 + 5 * MIN + 1)).toEqual({
      status: 'unknown',
      openAlerts: 0,
      reasons: ['no agent has reported since 2026-11-02T09:00:00.000Z'],
    });
  });

  it('is warning while the latest probe_success of a check is 0, whatever the outcome label', () => {
    const { status, deliver } = setup();
    deliver('A81001', 'srv', [probe('icmp:gw', 'success', T0), probe('tcp:spine', 'success', T0)], T0);
    deliver('A81001', 'srv', [probe('icmp:gw', 'timeout', T0 + MIN), probe('tcp:spine', 'success', T0 + MIN)], T0 + MIN);
    expect(status.statusOf('A81001', T0 + MIN)).toEqual({
      status: 'warning',
      openAlerts: 0,
      reasons: ['check icmp:gw on agent srv failed (timeout) at 2026-11-02T09:01:00.000Z'],
    });
    // The same check succeeding again (a different series: outcome=success) clears it.
    deliver('A81001', 'srv', [probe('icmp:gw', 'success', T0 + 2 * MIN)], T0 + 2 * MIN);
    expect(status.statusOf('A81001', T0 + 2 * MIN).status).toBe('ok');
  });

  it('keeps the newest sample: a replayed older success does not clear a newer failure', () => {
    const { status, deliver } = setup();
    deliver('A81001', 'srv', [probe('icmp:gw', 'refused', T0 + 10 * MIN)], T0 + 10 * MIN);
    deliver('A81001', 'srv', [probe('icmp:gw', 'success', T0)], T0 + 11 * MIN);
    expect(status.statusOf('A81001', T0 + 11 * MIN).status).toBe('warning');
  });

  it('tells agents apart: the same check id on two agents are two checks', () => {
    const { status, deliver } = setup();
    deliver('A81001', 'srv-a', [probe('icmp:gw', 'timeout', T0)], T0);
    deliver('A81001', 'srv-b', [probe('icmp:gw', 'success', T0 + 1)], T0 + 1);
    expect(status.statusOf('A81001', T0 + 1).status).toBe('warning');
    expect(status.checksOf('A81001').map((c) => [c.agent, c.value])).toEqual([
      ['srv-a', 0],
      ['srv-b', 1],
    ]);
  });

  it('stops counting a failed check whose last sample is older than 2 hours (check removed)', () => {
    const { status, deliver } = setup();
    deliver('A81001', 'srv', [probe('old-check', 'timeout', T0)], T0);
    deliver('A81001', 'srv', [probe('icmp:gw', 'success', T0 + 121 * MIN)], T0 + 121 * MIN);
    expect(status.statusOf('A81001', T0 + 121 * MIN).status).toBe('ok');
  });

  it('keys a check without a check label by its labels other than outcome', () => {
    const { status, deliver } = setup();
    const bare = (outcome: string, ts: number): WireSample => ({
      metric: 'probe_success',
      labels: { target: '192.0.2.9', outcome },
      ts,
      value: outcome === 'success' ? 1 : 0,
    });
    deliver('B82002', 'srv', [bare('timeout', T0)], T0);
    expect(status.statusOf('B82002', T0).status).toBe('warning');
    deliver('B82002', 'srv', [bare('success', T0 + 1)], T0 + 1);
    expect(status.statusOf('B82002', T0 + 1).status).toBe('ok');
  });

  it('ignores other metrics and other practices', () => {
    const { status, deliver } = setup();
    deliver('A81001', 'srv', [{ metric: 'icmp_loss_ratio', labels: { check: 'icmp:gw' }, ts: T0, value: 0 }], T0);
    deliver('B82002', 'srv', [probe('icmp:gw', 'timeout', T0)], T0);
    expect(status.statusOf('A81001', T0).status).toBe('ok');
    expect(status.statusOf('B82002', T0).status).toBe('warning');
  });
});

describe('AgentActivity', () => {
  it('loads last-seen from meta rows and keeps the latest per agent and practice', () => {
    const a = new AgentActivity([
      { practice: 'A81001', name: 'x', createdAt: 0, lastSeen: T0 },
      { practice: 'A81001', name: 'y', createdAt: 0, lastSeen: null },
    ]);
    expect(a.lastSeen('A81001')).toBe(T0);
    expect(a.agentLastSeen('A81001', 'y')).toBeNull();
    a.seen('A81001', 'y', T0 + 5);
    a.seen('A81001', 'y', T0 + 1);
    expect(a.lastSeen('A81001')).toBe(T0 + 5);
    expect(a.lastSeen('B82002')).toBeNull();
  });
});
