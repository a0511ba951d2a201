import { afterEach, describe, expect, it } from 'vitest';
import type { AlertChange } from '../../../collector/src/alerts/manager.ts';
import { ev, harness, M, T0, type Harness } from './helpers.ts';

let h: Harness | undefined;
afterEach(() => h?.close());

describe('alert lifecycle', () => {
  it('open → acknowledged (by whom, note) → resolved, with the true start and end and a history', async () => {
    const changes: AlertChange[] = [];
    h = await harness({ listeners: [{ onAlertChange: (c) => void changes.push(c) }] });
    await h.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 3 * M, { startedAt: T0 + M }));
    const [open] = (await h.alerts.list({ state: 'open', limit: 10, offset: 0 })).items;
    expect(open).toMatchObject({
      state: 'open',
      severity: 'warning',
      startedAt: T0 + M,
      raisedAt: T0 + 3 * M,
      endedAt: null,
      ruleId: 'n3-rtt-p95',
      source: 'product default (ITU-T Y.1541 class 0 / G.114 basis)',
    });
    expect(h.manager.openCount('A81001')).toBe(1);

    const acked = await h.manager.acknowledge(open!.id, 'Sam at the desk', 'BT engineer booked');
    expect(acked).toMatchObject({ state: 'acknowledged', ack: { by: 'Sam at the desk', note: 'BT engineer booked', at: h.clock.t } });

    await h.manager.apply(ev('escalate', 'n3-rtt-p95', T0 + 6 * M, { severity: 'critical', previous: 'warning', startedAt: T0 + M }));
    await h.manager.apply(ev('clear', 'n3-rtt-p95', T0 + 20 * M, { previous: 'critical', startedAt: T0 + M, endedAt: T0 + 20 * M }));
    const done = (await h.alerts.get(open!.id))!;
    expect(done).toMatchObject({
      state: 'resolved',
      severity: 'critical',
      peak: 'critical',
      startedAt: T0 + M,
      endedAt: T0 + 20 * M,
      ack: { by: 'Sam at the desk' },
    });
    expect(h.manager.openCount('A81001')).toBe(0);
    // history by time: event times for the evaluation's steps, the collector clock for the ack (later here)
    expect((await h.alerts.history(open!.id)).map((e) => [e.kind, e.at])).toEqual([
      ['raised', T0 + 3 * M],
      ['escalated', T0 + 6 * M],
      ['resolved', T0 + 20 * M],
      ['acknowledged', T0 + 60 * M],
    ]);
    expect(changes.map((c) => c.kind)).toEqual(['opened', 'acknowledged', 'escalated', 'resolved']);
  });

  it('a re-raise within the reopen window reopens the same alert (keeping its ack); later ones open a new alert', async () => {
    h = await harness({ reopenWithinMs: 10 * M });
    await h.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 3 * M, { startedAt: T0 + M }));
    const id = (await h.alerts.list({ limit: 1, offset: 0 })).items[0]!.id;
    await h.manager.acknowledge(id, 'desk', null);
    await h.manager.apply(ev('clear', 'n3-rtt-p95', T0 + 10 * M, { endedAt: T0 + 10 * M }));
    await h.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 22 * M, { startedAt: T0 + 20 * M })); // 10 min after: same alert
    expect((await h.alerts.list({ limit: 10, offset: 0 })).total).toBe(1);
    expect(await h.alerts.get(id)).toMatchObject({ state: 'acknowledged', reopened: 1, endedAt: null, startedAt: T0 + M });
    await h.manager.apply(ev('clear', 'n3-rtt-p95', T0 + 30 * M, { endedAt: T0 + 30 * M }));
    await h.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 43 * M, { startedAt: T0 + 41 * M })); // 11 min after: a new one
    const all = await h.alerts.list({ limit: 10, offset: 0 });
    expect(all.total).toBe(2);
    expect(all.items[0]).toMatchObject({ state: 'open', reopened: 0, startedAt: T0 + 41 * M, ack: null });
  });

  it('a raise while one is active for the same series changes nothing but the severity', async () => {
    h = await harness();
    await h.manager.apply(ev('raise', 'agent-silent', T0 + 5 * M, { seriesId: 'silence:A81001/main' }));
    await h.manager.apply(ev('raise', 'agent-silent', T0 + 16 * M, { seriesId: 'silence:A81001/main', severity: 'critical' }));
    expect((await h.alerts.list({ limit: 10, offset: 0 })).items.map((a) => [a.state, a.severity])).toEqual([['open', 'critical']]);
  });

  it('nothing is raised inside a maintenance window; a state still raised at its end opens then', async () => {
    h = await harness();
    await h.maintenance.create({ practice: 'A81001', startsAt: T0, endsAt: T0 + 30 * M, reason: 'router swap', createdBy: 'test' }, T0);
    await h.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 5 * M, { startedAt: T0 + 3 * M }));
    await h.manager.apply(ev('raise', 'lan-rtt-p95', T0 + 6 * M, { seriesId: 's-lan' }));
    await h.manager.apply(ev('clear', 'lan-rtt-p95', T0 + 12 * M, { seriesId: 's-lan', endedAt: T0 + 12 * M }));
    h.manager.onProgress({ practice: 'A81001', agent: 'main', evaluatedUntil: T0 + 29 * M, changed: [] });
    await h.manager.settle();
    expect((await h.alerts.list({ limit: 10, offset: 0 })).total).toBe(0);
    h.manager.onProgress({ practice: 'A81001', agent: 'main', evaluatedUntil: T0 + 31 * M, changed: [] });
    await h.manager.settle();
    const items = (await h.alerts.list({ limit: 10, offset: 0 })).items;
    expect(items.map((a) => [a.ruleId, a.startedAt, a.raisedAt])).toEqual([['n3-rtt-p95', T0 + 30 * M, T0 + 30 * M]]);
    // another practice was never in maintenance
    await h.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 5 * M, { practice: 'B82002', seriesId: 'b' }));
    expect((await h.alerts.list({ practice: 'B82002', limit: 10, offset: 0 })).total).toBe(1);
  });

  it('an alert explained by an active cause is linked to the cause alert and not counted as open', async () => {
    h = await harness();
    await h.manager.apply(ev('raise', 'n3-link-down', T0 + 2 * M, { severity: 'critical', seriesId: 'probe-n3' }));
    const cause = { ruleId: 'n3-link-down', practice: 'A81001', agent: 'main', seriesId: 'probe-n3' };
    await h.manager.apply(ev('raise', 'app-unreachable', T0 + 4 * M, { seriesId: 'probe-spine', cause }));
    const causeAlert = (await h.alerts.active('n3-link-down', 'probe-n3'))!;
    const dep = (await h.alerts.active('app-unreachable', 'probe-spine'))!;
    expect(dep.cause).toEqual({ ruleId: 'n3-link-down', seriesId: 'probe-n3', alertId: causeAlert.id });
    expect(await h.alerts.dependents(causeAlert.id)).toBe(1);
    expect(h.manager.openCount('A81001')).toBe(1);
    await h.manager.apply(ev('unsuppress', 'app-unreachable', T0 + 20 * M, { seriesId: 'probe-spine', previous: 'warning', cause }));
    expect((await h.alerts.get(dep.id))?.cause).toBeNull();
    expect(h.manager.openCount('A81001')).toBe(2);
    expect((await h.alerts.history(dep.id)).map((e) => e.kind)).toEqual(['raised', 'unsuppressed']);
  });

  it('keeps evaluation progress: cursors, and rule states only while they matter', async () => {
    h = await harness();
    const busy = { held: 'warning' as const, level: 'warning' as const, warnRun: 4, critRun: 0, calmWarnRun: 0, calmCritRun: 0, episodeStart: T0 };
    const idle = { held: 'ok' as const, level: 'ok' as const, warnRun: 0, critRun: 0, calmWarnRun: 5, calmCritRun: 5 };
    h.manager.onProgress({
      practice: 'A81001',
      agent: 'main',
      evaluatedUntil: T0 + 10 * M,
      changed: [
        { practice: 'A81001', agent: 'main', seriesId: 's1', ruleId: 'n3-rtt-p95', state: busy },
        { practice: 'A81001', agent: 'main', seriesId: 's2', ruleId: 'n3-rtt-p95', state: idle },
      ],
    });
    await h.manager.flush();
    expect(await h.manager.restore()).toEqual({
      cursors: [{ practice: 'A81001', agent: 'main', evaluatedUntil: T0 + 10 * M }],
      states: [{ practice: 'A81001', agent: 'main', seriesId: 's1', ruleId: 'n3-rtt-p95', state: busy }],
    });
    h.manager.onProgress({
      practice: 'A81001',
      agent: 'main',
      evaluatedUntil: T0 + 11 * M,
      changed: [{ practice: 'A81001', agent: 'main', seriesId: 's1', ruleId: 'n3-rtt-p95', state: idle }],
    });
    await h.manager.flush();
    expect((await h.manager.restore()).states).toEqual([]);
  });
});
