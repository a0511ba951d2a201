/**
 * Alerting's state (collector/src/alerts/: alerts and their history, maintenance windows, rule
 * cursors and states; the notifier's claim of a notice) on both state engines: the lifecycle the
 * unit tests check on SQLite, queries and paging, progress kept across a restart, events held in
 * order while the database is unavailable, and two collectors sharing one database — a window
 * made through one holds back the other's raises, and one notice is sent once however many
 * notifiers decide on it at the same time.
 */
import { describe, expect, it } from 'vitest';
import { N3monError } from '../../../shared/src/errors.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import type { AlertChange } from '../../../collector/src/alerts/manager.ts';
import { ALERT_STATE_MIGRATIONS } from '../../../collector/src/alerts/schema.ts';
import type { NewAlert } from '../../../collector/src/alerts/store.ts';
import { Notifier } from '../../../collector/src/notifications/notifier.ts';
import type { SqlParams, StateDb } from '../../../collector/src/meta/state-db.ts';
import { ev, harnessOn, M, Recorder, T0 } from '../../unit/alerts/helpers.ts';
import { useStateBackends } from '../../helpers/state-backends.ts';

const backends = useStateBackends();

const newAlert = (over: Partial<NewAlert> = {}): NewAlert => ({
  practice: 'A81001',
  agent: 'main',
  ruleId: 'n3-rtt-p95',
  seriesId: 's1',
  metric: 'icmp_rtt_avg_ms',
  labels: { role: 'n3-gateway', target: '10.200.0.1' },
  area: 'national-link',
  title: 'National link round trip',
  source: 'product default',
  unit: 'ms',
  severity: 'warning',
  peak: 'warning',
  state: 'open',
  startedAt: T0,
  raisedAt: T0 + 2 * M,
  value: 70.5,
  cause: null,
  now: T0 + 3 * M,
  ...over,
});

/** A state database that is "down" (every statement fails as the drivers report an unreachable server) while `down` is set. */
function flaky(db: StateDb): StateDb & { down: boolean } {
  const fail = (): Promise<never> => Promise.reject(new N3monError('N3MON_ERR_STORE', `${db.describe}: state database unavailable: test outage`));
  const wrap = (inner: StateDb): StateDb & { down: boolean } => {
    const w: StateDb & { down: boolean } = {
      down: false,
      dialect: inner.dialect,
      describe: inner.describe,
      all: <T>(sql: string, p?: SqlParams) => (outer.down ? fail() : inner.all<T>(sql, p)),
      get: <T>(sql: string, p?: SqlParams) => (outer.down ? fail() : inner.get<T>(sql, p)),
      run: (sql: string, p?: SqlParams) => (outer.down ? fail() : inner.run(sql, p)),
      tx: <T>(fn: (tx: StateDb) => Promise<T>) => (outer.down ? fail() : inner.tx((t) => fn(wrap(t)))),
      migrate: (c, s) => inner.migrate(c, s),
      close: () => inner.close(),
    };
    return w;
  };
  const outer = wrap(db);
  return outer;
}

describe.each(backends)('alerting state on $name', (backend) => {
  it('migrates once; stores, queries and pages alerts with their history in order', async () => {
    const db = await backend.open();
    expect(await db.migrate('alerts', ALERT_STATE_MIGRATIONS)).toBeGreaterThan(0);
    expect(await db.migrate('alerts', ALERT_STATE_MIGRATIONS)).toBe(0);
    const h = await harnessOn(db);
    const a = await h.alerts.insert(newAlert());
    const b = await h.alerts.insert(newAlert({ practice: 'B82002', seriesId: 's2', startedAt: T0 + M, value: null }));
    const c = await h.alerts.insert(newAlert({ ruleId: 'app-unreachable', seriesId: 's3', cause: { ruleId: 'n3-rtt-p95', seriesId: 's1', alertId: a.id } }));
    expect(typeof a.id).toBe('number');
    expect(b.id).toBeGreaterThan(a.id);
    expect(await h.alerts.get(a.id)).toEqual({
      ...newAlert(),
      now: undefined,
      id: a.id,
      endedAt: null,
      reopened: 0,
      ack: null,
      notified: null,
      createdAt: T0 + 3 * M,
      updatedAt: T0 + 3 * M,
    } as never);
    expect(await h.alerts.get(999_999)).toBeUndefined();
    expect((await h.alerts.active('n3-rtt-p95', 's1'))?.id).toBe(a.id);
    // The one active alert per (rule, series) is the database's rule.
    await expect(h.alerts.insert(newAlert())).rejects.toMatchObject({ code: expect.stringMatching(/^(SQLITE_CONSTRAINT_UNIQUE|23505)$/) });
    expect(await h.alerts.dependents(a.id)).toBe(1);
    expect(await h.alerts.activeCounts()).toEqual(
      new Map([
        ['A81001', 1],
        ['B82002', 1],
      ]),
    );

    // history: by event time, then in the order written
    await h.alerts.addEvent(a.id, { at: T0 + 2 * M, kind: 'raised', severity: 'warning', detail: { value: 70.5 } }, T0 + 3 * M);
    await h.alerts.addEvent(a.id, { at: T0 + 9 * M, kind: 'resolved' }, T0 + 10 * M);
    await h.alerts.addEvent(a.id, { at: T0 + 9 * M, kind: 'reopened', severity: 'critical' }, T0 + 10 * M);
    expect((await h.alerts.history(a.id)).map((e) => [e.kind, e.at, e.severity, e.detail])).toEqual([
      ['raised', T0 + 2 * M, 'warning', { value: 70.5 }],
      ['resolved', T0 + 9 * M, null, null],
      ['reopened', T0 + 9 * M, 'critical', null],
    ]);

    await h.alerts.update(b.id, { state: 'resolved', endedAt: T0 + 20 * M, notified: 'firing:warning' }, T0 + 21 * M);
    const acked = await h.alerts.ack(a.id, 'desk', 'engineer booked', T0 + 22 * M);
    expect(acked).toMatchObject({ state: 'acknowledged', ack: { by: 'desk', at: T0 + 22 * M, note: 'engineer booked' }, updatedAt: T0 + 22 * M });
    expect(await h.alerts.ack(999_999, 'desk', null, T0)).toBeUndefined();
    expect((await h.alerts.history(a.id)).at(-1)).toMatchObject({ kind: 'acknowledged', detail: { by: 'desk', note: 'engineer booked' } });

    const all = await h.alerts.list({ limit: 2, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items.map((x) => x.id)).toEqual([b.id, c.id]); // newest start first, then id
    expect((await h.alerts.list({ limit: 2, offset: 2 })).items.map((x) => x.id)).toEqual([a.id]);
    expect((await h.alerts.list({ state: 'active', limit: 10, offset: 0 })).items.map((x) => x.id).sort()).toEqual([a.id, c.id].sort());
    expect((await h.alerts.list({ state: 'resolved', limit: 10, offset: 0 })).items.map((x) => x.id)).toEqual([b.id]);
    expect((await h.alerts.list({ practice: ['B82002'], limit: 10, offset: 0 })).total).toBe(1);
    expect((await h.alerts.list({ practice: [], limit: 10, offset: 0 })).total).toBe(0);
    expect((await h.alerts.list({ from: T0 + 30 * M, limit: 10, offset: 0 })).total).toBe(2); // b ended before
    expect((await h.alerts.list({ to: T0 + M, limit: 10, offset: 0 })).total).toBe(2); // b started at T0 + M
    expect((await h.alerts.ofRule('n3-rtt-p95', T0 + 30 * M)).map((x) => x.id)).toEqual([a.id]);
    expect((await h.alerts.ofRule('n3-rtt-p95', T0)).map((x) => x.id)).toEqual([a.id, b.id]);
    // owed: a (never sent) and b (resolved after its firing); c is suppressed
    expect((await h.alerts.unnotified()).map((x) => x.id)).toEqual([a.id, b.id]);
    expect((await h.alerts.allActive()).map((x) => x.id)).toEqual([a.id, c.id]);
  });

  it('the lifecycle: open → acknowledged → escalated → resolved, reopened within the window, suppressed by a cause', async () => {
    const changes: AlertChange[] = [];
    const h = await harnessOn(await backend.open(), { reopenWithinMs: 10 * M, listeners: [{ onAlertChange: (c) => void changes.push(c) }] });
    await h.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 3 * M, { startedAt: T0 + M }));
    const [open] = (await h.alerts.list({ state: 'open', limit: 10, offset: 0 })).items;
    expect(open).toMatchObject({ state: 'open', severity: 'warning', startedAt: T0 + M, raisedAt: T0 + 3 * M, value: 70 });
    expect(h.manager.openCount('A81001')).toBe(1);
    await h.manager.acknowledge(open!.id, 'Sam', null);
    await h.manager.apply(ev('escalate', 'n3-rtt-p95', T0 + 6 * M, { severity: 'critical', previous: 'warning' }));
    await h.manager.apply(ev('clear', 'n3-rtt-p95', T0 + 20 * M, { previous: 'critical', endedAt: T0 + 20 * M }));
    expect(await h.alerts.get(open!.id)).toMatchObject({ state: 'resolved', severity: 'critical', peak: 'critical', endedAt: T0 + 20 * M });
    expect(h.manager.openCount('A81001')).toBe(0);
    await h.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 28 * M, { startedAt: T0 + 26 * M }));
    expect(await h.alerts.get(open!.id)).toMatchObject({ state: 'acknowledged', reopened: 1, endedAt: null });
    expect((await h.alerts.history(open!.id)).map((e) => e.kind)).toEqual(['raised', 'escalated', 'resolved', 'reopened', 'acknowledged']);

    const cause = { ruleId: 'n3-link-down', practice: 'A81001', agent: 'main', seriesId: 'probe-n3' };
    await h.manager.apply(ev('raise', 'n3-link-down', T0 + 30 * M, { severity: 'critical', seriesId: 'probe-n3' }));
    await h.manager.apply(ev('raise', 'app-unreachable', T0 + 31 * M, { seriesId: 'probe-spine', cause }));
    const causeAlert = (await h.alerts.active('n3-link-down', 'probe-n3'))!;
    expect((await h.alerts.active('app-unreachable', 'probe-spine'))?.cause).toEqual({ ruleId: 'n3-link-down', seriesId: 'probe-n3', alertId: causeAlert.id });
    expect(h.manager.openCount('A81001')).toBe(2); // the reopened one and the cause
    expect(changes.map((c) => c.kind)).toEqual(['opened', 'acknowledged', 'escalated', 'resolved', 'reopened', 'opened', 'opened']);
  });

  it('keeps evaluation progress across a restart, rule states only while they matter', async () => {
    const db = await backend.open();
    const h = await harnessOn(db);
    const busy = { held: 'warning' as const, level: 'warning' as const, warnRun: 4, critRun: 0, calmWarnRun: 0, calmCritRun: 0, episodeStart: T0 };
    const idle = { held: 'ok' as const, level: 'ok' as const, warnRun: 0, critRun: 0, calmWarnRun: 5, calmCritRun: 5 };
    const cause = { ruleId: 'n3-link-down', practice: 'A81001', agent: 'main', seriesId: 'probe-n3' };
    h.manager.onProgress({
      practice: 'A81001',
      agent: 'main',
      evaluatedUntil: T0 + 10 * M,
      changed: [
        { practice: 'A81001', agent: 'main', seriesId: 's1', ruleId: 'n3-rtt-p95', state: busy, cause },
        { practice: 'A81001', agent: 'main', seriesId: 's2', ruleId: 'n3-rtt-p95', state: idle },
      ],
    });
    h.manager.onProgress({ practice: 'A81001', agent: 'server', evaluatedUntil: T0 + 9 * M, changed: [] });
    await h.manager.flush();
    // a new manager on the same database (a restart, or the collector taking over) resumes there
    const again = await harnessOn(db);
    const restored = await again.manager.restore();
    expect(restored.cursors.sort((x, y) => x.agent.localeCompare(y.agent))).toEqual([
      { practice: 'A81001', agent: 'main', evaluatedUntil: T0 + 10 * M },
      { practice: 'A81001', agent: 'server', evaluatedUntil: T0 + 9 * M },
    ]);
    expect(restored.states).toEqual([{ practice: 'A81001', agent: 'main', seriesId: 's1', ruleId: 'n3-rtt-p95', state: busy, cause }]);
    again.manager.onProgress({
      practice: 'A81001',
      agent: 'main',
      evaluatedUntil: T0 + 11 * M,
      changed: [{ practice: 'A81001', agent: 'main', seriesId: 's1', ruleId: 'n3-rtt-p95', state: idle }],
    });
    await again.manager.flush();
    expect((await h.manager.restore()).states).toEqual([]);
    expect((await h.manager.restore()).cursors.find((c) => c.agent === 'main')?.evaluatedUntil).toBe(T0 + 11 * M);
  });

  it('while the database is unavailable, events and progress are held in order and stored at the next round', async () => {
    const db = flaky(await backend.open());
    const h = await harnessOn(db);
    db.down = true;
    h.manager.onEvent(ev('raise', 'n3-rtt-p95', T0 + 3 * M, { startedAt: T0 + M }));
    h.manager.onEvent(ev('clear', 'n3-rtt-p95', T0 + 8 * M, { endedAt: T0 + 8 * M }));
    h.manager.onProgress({ practice: 'A81001', agent: 'main', evaluatedUntil: T0 + 9 * M, changed: [] });
    await h.manager.flush(); // a round while it is down: nothing written, nothing lost, nothing rejected
    h.manager.onEvent(ev('raise', 'lan-rtt-p95', T0 + 10 * M, { seriesId: 's-lan' }));
    db.down = false;
    expect(await h.alerts.list({ limit: 10, offset: 0 })).toEqual({ total: 0, items: [] });
    expect((await h.manager.restore()).cursors).toEqual([]);
    await h.manager.flush();
    const items = (await h.alerts.list({ limit: 10, offset: 0 })).items;
    expect(items.map((a) => [a.ruleId, a.state, a.startedAt, a.endedAt])).toEqual([
      ['lan-rtt-p95', 'open', T0 + 8 * M, null],
      ['n3-rtt-p95', 'resolved', T0 + M, T0 + 8 * M],
    ]);
    expect((await h.manager.restore()).cursors).toEqual([{ practice: 'A81001', agent: 'main', evaluatedUntil: T0 + 9 * M }]);
    expect(h.manager.dropped).toBe(0);
  });

  it('events held while the database was away are dropped when the lease is lost, not applied at a later takeover', async () => {
    const db = flaky(await backend.open());
    const h = await harnessOn(db);
    db.down = true;
    h.manager.onEvent(ev('raise', 'n3-rtt-p95', T0 + 3 * M, { startedAt: T0 + M }));
    await h.manager.flush();
    expect(h.manager.discardHeld()).toBe(1); // the lease went with the database: the next holder writes
    db.down = false;
    await h.manager.flush();
    expect(await h.alerts.list({ limit: 10, offset: 0 })).toEqual({ total: 0, items: [] });
    h.manager.onEvent(ev('raise', 'lan-rtt-p95', T0 + 10 * M, { seriesId: 's-lan' }));
    await h.manager.flush(); // the line works again after the discard
    expect((await h.alerts.list({ limit: 10, offset: 0 })).items.map((a) => a.ruleId)).toEqual(['lan-rtt-p95']);
  });

  it('maintenance windows: stored, queried, changed, deleted; a window made through another collector holds back raises at once', async () => {
    const [one, two] = await backend.openTwo();
    const a = await harnessOn(one);
    const b = await harnessOn(two);
    const w = await b.maintenance.create({ practice: 'A81001', startsAt: T0, endsAt: T0 + 30 * M, reason: 'router swap', createdBy: 'desk' }, T0);
    await b.maintenance.create({ practice: 'B82002', startsAt: T0 + 60 * M, endsAt: T0 + 90 * M, reason: 'later', createdBy: 'desk' }, T0);
    expect(await a.maintenance.get(w.id)).toEqual(w);
    expect((await a.maintenance.covering('A81001', T0 + 5 * M))?.id).toBe(w.id);
    expect(await a.maintenance.covering('A81001', T0 + 30 * M)).toBeUndefined();
    expect((await a.maintenance.list({ from: T0 + 40 * M })).map((x) => x.practice)).toEqual(['B82002']);
    expect((await a.maintenance.list({ practice: 'A81001', to: T0 + 40 * M })).map((x) => x.id)).toEqual([w.id]);
    expect(await a.maintenance.pendingCount('A81001', T0 + 10 * M)).toBe(1);
    expect(await a.maintenance.pendingCount('A81001', T0 + 30 * M)).toBe(0);

    // collector one's manager decides the raise: collector two's window holds it back until it ends
    await a.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 5 * M, { startedAt: T0 + 3 * M }));
    expect((await a.alerts.list({ limit: 10, offset: 0 })).total).toBe(0);
    const longer = await b.maintenance.update(w.id, { endsAt: T0 + 40 * M, reason: 'router swap, overrunning' }, T0 + 20 * M);
    expect(longer).toMatchObject({ startsAt: T0, endsAt: T0 + 40 * M, reason: 'router swap, overrunning', createdBy: 'desk', updatedAt: T0 + 20 * M });
    a.manager.onProgress({ practice: 'A81001', agent: 'main', evaluatedUntil: T0 + 31 * M, changed: [] });
    await a.manager.settle();
    expect((await a.alerts.list({ limit: 10, offset: 0 })).total).toBe(0); // extended through the other collector: still held
    a.manager.onProgress({ practice: 'A81001', agent: 'main', evaluatedUntil: T0 + 41 * M, changed: [] });
    await a.manager.settle();
    expect((await a.alerts.list({ limit: 10, offset: 0 })).items.map((x) => [x.ruleId, x.startedAt])).toEqual([['n3-rtt-p95', T0 + 40 * M]]);

    expect(await b.maintenance.update(999_999, { reason: 'x' }, T0)).toBeUndefined();
    expect((await b.maintenance.delete(w.id))?.id).toBe(w.id);
    expect(await b.maintenance.delete(w.id)).toBeUndefined();
    expect(await a.maintenance.get(w.id)).toBeUndefined();
  });

  it('two collectors deciding on the same alerts at once send each notice once', async () => {
    const [one, two] = await backend.openTwo();
    const a = await harnessOn(one);
    const b = await harnessOn(two);
    await a.manager.apply(ev('raise', 'n3-rtt-p95', T0 + 3 * M));
    await a.manager.apply(ev('raise', 'lan-rtt-p95', T0 + 3 * M, { seriesId: 's-lan' }));
    const recorders = [new Recorder(), new Recorder()];
    const notifiers = [a, b].map(
      (h, i) =>
        new Notifier({
          alerts: h.alerts,
          channels: [recorders[i] as Recorder],
          clock: h.clock,
          log: silentLogger(),
          organisation: 'Example ICB',
          practiceName: async (ods) => (ods === 'A81001' ? 'Example Surgery' : undefined),
          options: { groupWaitMs: 0, resolveHoldMs: 10 * M },
        }),
    );
    for (let round = 0; round < 3; round++) {
      for (const [i, n] of notifiers.entries()) n.resume(await [a, b][i]!.alerts.unnotified());
      await Promise.all(notifiers.map((n) => n.tick()));
      await Promise.all(notifiers.map((n) => n.drain()));
    }
    const items = recorders.flatMap((r) => r.got.flatMap((n) => n.items.map((i) => `${n.practice.name}: ${i.status} ${i.ruleId}`)));
    expect(items.sort()).toEqual(['Example Surgery: firing lan-rtt-p95', 'Example Surgery: firing n3-rtt-p95']);
    expect((await a.alerts.list({ limit: 10, offset: 0 })).items.map((x) => x.notified)).toEqual(['firing:warning', 'firing:warning']);
    // worse later: the critical firing goes out once too
    await a.manager.apply(ev('escalate', 'n3-rtt-p95', T0 + 5 * M, { severity: 'critical' }));
    for (const [i, n] of notifiers.entries()) n.resume(await [a, b][i]!.alerts.list({ state: 'active', limit: 10, offset: 0 }).then((l) => l.items));
    await Promise.all(notifiers.map((n) => n.tick()));
    await Promise.all(notifiers.map((n) => n.drain()));
    expect(recorders.flatMap((r) => r.got.flatMap((n) => n.items.map((i) => `${i.status} ${i.ruleId} ${i.severity}`)))).toHaveLength(3);
    await Promise.all(notifiers.map((n) => n.close()));
  });
});

describe.each(backends.filter((b) => b.name === 'sqlite'))('alerting history on $name', (backend) => {
  it('a meta.db from before the alert_events id keeps its history, in the order it was written', async () => {
    const old = await backend.open();
    await old.migrate('alerts', { sqlite: ALERT_STATE_MIGRATIONS.sqlite.slice(0, 1), postgres: [] });
    const { id } = (await old.get<{ id: number }>(
      `INSERT INTO alerts (practice, agent, rule_id, series_id, metric, labels, area, title, source, unit, severity, peak, state, started_at, raised_at, created_at, updated_at)
       VALUES ('A81001', 'main', 'r', 's', 'm', '{}', 'lan', 't', 'src', 'ms', 'warning', 'warning', 'open', 1, 2, 3, 3) RETURNING id`,
    )) as { id: number };
    for (const kind of ['raised', 'suppressed', 'unsuppressed']) {
      await old.run('INSERT INTO alert_events (alert_id, at, kind, recorded_at) VALUES (?, ?, ?, ?)', [id, 5, kind, 6]);
    }
    expect(await old.migrate('alerts', ALERT_STATE_MIGRATIONS)).toBe(1);
    const moved = await harnessOn(old);
    expect((await moved.alerts.history(id)).map((e) => e.kind)).toEqual(['raised', 'suppressed', 'unsuppressed']);
    await moved.alerts.addEvent(id, { at: 5, kind: 'resolved' }, 7);
    expect((await moved.alerts.history(id)).map((e) => e.kind)).toEqual(['raised', 'suppressed', 'unsuppressed', 'resolved']);
  });
});
