/** The collector's admission for throughput transfers: a per-agent hourly budget, a global cap. */
import { describe, expect, it } from 'vitest';
import { BUSY_RETRY_AFTER_S, createThroughputGate, type Admission } from '../../../../collector/src/routes/throughput/gate.ts';
import type { Clock } from '../../../../shared/src/clock.ts';

function fakeClock(start = Date.parse('2026-11-23T22:00:00Z')) {
  let now = start;
  const clock: Clock = { now: () => now, monotonic: () => now };
  return { clock, advance: (ms: number) => (now += ms) };
}

const admitted = (a: Admission) => {
  if (!a.ok) throw new Error(a.message);
  return a;
};

describe('throughput gate', () => {
  it('lets an agent start perAgentPerHour transfers in any 60 minutes, then says when the oldest leaves the hour', () => {
    const t = fakeClock();
    const gate = createThroughputGate({ perAgentPerHour: 3, maxConcurrent: 10, clock: t.clock });
    for (let i = 0; i < 3; i++) {
      admitted(gate.admit('A81001/srv1')).release();
      t.advance(10 * 60_000);
    }
    // 30 minutes after the first: two more tests would be too many; the first leaves the hour in 30 minutes.
    expect(gate.admit('A81001/srv1')).toEqual({
      ok: false,
      reason: 'rate',
      retryAfterS: 1800,
      message: 'this agent started 3 throughput transfers in the last hour (throughput.perAgentPerHour: 3); retry in 1800 s',
    });
    // Another agent has its own budget.
    admitted(gate.admit('A81001/srv2')).release();
    t.advance(1800 * 1000);
    admitted(gate.admit('A81001/srv1')).release();
    expect(gate.admit('A81001/srv1').ok).toBe(false);
  });

  it('refusals are not charged', () => {
    const t = fakeClock();
    const gate = createThroughputGate({ perAgentPerHour: 1, maxConcurrent: 1, clock: t.clock });
    const holding = admitted(gate.admit('B82002/a'));
    expect(gate.admit('A81001/srv1')).toMatchObject({ ok: false, reason: 'busy' });
    holding.release();
    admitted(gate.admit('A81001/srv1')).release();
  });

  it('caps transfers in progress for all agents together; release frees a slot exactly once', () => {
    const t = fakeClock();
    const gate = createThroughputGate({ perAgentPerHour: 100, maxConcurrent: 2, clock: t.clock });
    const a = admitted(gate.admit('P1/a'));
    const b = admitted(gate.admit('P2/b'));
    expect(gate.active()).toBe(2);
    expect(gate.admit('P3/c')).toEqual({
      ok: false,
      reason: 'busy',
      retryAfterS: BUSY_RETRY_AFTER_S,
      message: '2 throughput transfers in progress (throughput.maxConcurrent: 2); retry later',
    });
    a.release();
    a.release();
    expect(gate.active()).toBe(1);
    const c = admitted(gate.admit('P3/c'));
    expect(gate.admit('P4/d').ok).toBe(false);
    b.release();
    c.release();
    expect(gate.active()).toBe(0);
  });
});
