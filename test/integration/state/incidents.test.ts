/**
 * National incidents (collector/src/incidents/store.ts, correlator.ts) on both state engines: the
 * store's rows, members and queries; a notice claimed once whichever collector claims it; and a
 * correlator that starts on a database another collector wrote (it died, or lost the alerting lease)
 * carrying on from what is stored: it opens the incident of alerts nobody correlated yet, resolves
 * an open incident, and sends each notice once.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import { ALERT_STATE_MIGRATIONS } from '../../../collector/src/alerts/schema.ts';
import { AlertStore, type Alert } from '../../../collector/src/alerts/store.ts';
import { IncidentCorrelator } from '../../../collector/src/incidents/correlator.ts';
import { IncidentStore, type NewIncident } from '../../../collector/src/incidents/store.ts';
import { INCIDENT_STATE_MIGRATIONS } from '../../../collector/src/incidents/schema.ts';
import type { StateDb } from '../../../collector/src/meta/state-db.ts';
import type { Notification } from '../../../collector/src/notifications/channels/types.ts';
import { useStateBackends } from '../../helpers/state-backends.ts';

const backends = useStateBackends();

const T0 = Date.UTC(2026, 11, 7, 9);
const M = 60_000;
const RULE = 'app-http-total-p95';

const incident = (over: Partial<NewIncident> = {}): NewIncident => ({
  key: `${RULE}|app:eps`,
  ruleId: RULE,
  scope: { kind: 'app', value: 'eps' },
  title: 'National application HTTP total time (15-min p95)',
  area: 'national-apps',
  state: 'open',
  startedAt: T0,
  openedAt: T0 + 2 * M,
  endedAt: null,
  practices: 3,
  peakPractices: 3,
  monitoring: 10,
  ...over,
});

async function fresh(db: StateDb): Promise<{ incidents: IncidentStore; alerts: AlertStore }> {
  await db.migrate('alerts', ALERT_STATE_MIGRATIONS);
  const incidents = await IncidentStore.open(db);
  expect(await db.migrate('incidents', INCIDENT_STATE_MIGRATIONS)).toBe(0);
  return { incidents, alerts: new AlertStore(db) };
}

/** A practice's EPS alert as the alert manager stores it. */
const raise = (alerts: AlertStore, practice: string, startedAt: number): Promise<Alert> =>
  alerts.insert({
    practice,
    agent: 'srv1',
    ruleId: RULE,
    seriesId: `${practice}-eps`,
    metric: 'http_total_ms',
    labels: { app: 'eps', role: 'national-app', target: 'https://eps.example.invalid/' },
    area: 'national-apps',
    title: 'National application HTTP total time (15-min p95)',
    source: 'Choose and Book contract',
    unit: 'ms',
    severity: 'critical',
    peak: 'critical',
    state: 'open',
    startedAt,
    raisedAt: startedAt + 3 * M,
    value: 4200,
    cause: null,
    now: startedAt + 3 * M,
  });

/** A collector's correlator: its own clock and outbox, on its own handle of the database. */
function correlatorOn(db: StateDb, clock: Clock, sent: Notification[]): IncidentCorrelator {
  return new IncidentCorrelator({
    alerts: new AlertStore(db),
    store: new IncidentStore(db),
    config: { enabled: true, minPractices: 3, minShare: 0, windowMs: 10 * M, resolveAfterMs: 15 * M },
    clock,
    log: silentLogger(),
    organisation: 'Example ICB',
    providerOf: () => undefined,
    monitoring: () => new Map([[`${RULE}|app:eps`, new Set(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'])]]),
    deliver: (n) => sent.push(n),
  });
}

describe.each(backends)('national incidents on $name', (backend) => {
  it('stores incidents with their members and answers the queries the API, report and notifier ask', async () => {
    const db = await backend.open();
    const { incidents } = await fresh(db);
    const a = await incidents.insert(incident(), T0 + 3 * M);
    expect(a).toEqual({ ...incident(), id: a.id, notified: null, createdAt: T0 + 3 * M, updatedAt: T0 + 3 * M });
    expect(typeof a.id).toBe('number');
    const b = await incidents.insert(
      incident({ key: `${RULE}|app:gp2gp`, scope: { kind: 'app', value: 'gp2gp' }, startedAt: T0 + 60 * M, openedAt: T0 + 61 * M }),
      T0 + 62 * M,
    );
    expect(await incidents.get(a.id)).toEqual(a);
    expect(await incidents.get(999_999)).toBeUndefined();
    await incidents.setMembers(a.id, [
      { alertId: 11, practice: 'B', startedAt: T0 + M, endedAt: null },
      { alertId: 10, practice: 'A', startedAt: T0, endedAt: T0 + 30 * M },
      { alertId: 12, practice: 'C', startedAt: T0 + 2 * M, endedAt: null },
    ]);
    await incidents.setMembers(b.id, [{ alertId: 20, practice: 'A', startedAt: T0 + 60 * M, endedAt: null }]);
    // Replaced, not added to.
    await incidents.setMembers(a.id, [
      { alertId: 10, practice: 'A', startedAt: T0, endedAt: T0 + 30 * M },
      { alertId: 11, practice: 'B', startedAt: T0 + M, endedAt: T0 + 40 * M },
      { alertId: 12, practice: 'C', startedAt: T0 + 2 * M, endedAt: null },
    ]);
    expect(await incidents.members(a.id)).toEqual([
      { alertId: 10, practice: 'A', startedAt: T0, endedAt: T0 + 30 * M },
      { alertId: 11, practice: 'B', startedAt: T0 + M, endedAt: T0 + 40 * M },
      { alertId: 12, practice: 'C', startedAt: T0 + 2 * M, endedAt: null },
    ]);
    expect(await incidents.incidentOfAlert(11)).toBe(a.id);
    expect(await incidents.incidentOfAlert(99)).toBeUndefined();
    expect([...(await incidents.alertsOfPractice('A')).entries()]).toEqual([
      [10, a.id],
      [20, b.id],
    ]);
    expect((await incidents.ofPractice('B', T0, T0 + 31 * 86_400_000)).map((i) => i.id)).toEqual([a.id]);
    expect((await incidents.ofPractice('A', T0 + 50 * M, T0 + 70 * M)).map((i) => i.id)).toEqual([a.id, b.id]);
    expect(await incidents.ofPractice('A', T0 - 60 * M, T0)).toEqual([]);

    await incidents.update(
      a.id,
      { state: 'resolved', startedAt: T0, openedAt: T0 + 2 * M, endedAt: T0 + 45 * M, practices: 1, peakPractices: 3, monitoring: 12 },
      T0 + 70 * M,
    );
    const resolved = await incidents.get(a.id);
    expect([resolved?.state, resolved?.endedAt, resolved?.practices, resolved?.monitoring, resolved?.updatedAt]).toEqual([
      'resolved',
      T0 + 45 * M,
      1,
      12,
      T0 + 70 * M,
    ]);
    expect((await incidents.open()).map((i) => i.id)).toEqual([b.id]);
    expect((await incidents.ofKey(`${RULE}|app:eps`, T0 + 44 * M)).map((i) => i.id)).toEqual([a.id]);
    expect(await incidents.ofKey(`${RULE}|app:eps`, T0 + 46 * M)).toEqual([]);
    expect((await incidents.ofKey(`${RULE}|app:gp2gp`, T0 + 999 * M)).map((i) => i.id)).toEqual([b.id]);

    const all = await incidents.list({ limit: 1, offset: 0 });
    expect([all.total, all.items.map((i) => i.id)]).toEqual([2, [b.id]]);
    expect((await incidents.list({ limit: 10, offset: 1 })).items.map((i) => i.id)).toEqual([a.id]);
    expect((await incidents.list({ state: 'open', limit: 10, offset: 0 })).items.map((i) => i.id)).toEqual([b.id]);
    const ofC = await incidents.list({ practice: 'C', limit: 10, offset: 0 });
    expect([ofC.total, ofC.items.map((i) => i.id)]).toEqual([1, [a.id]]);
    expect((await incidents.list({ state: 'open', practice: 'C', limit: 10, offset: 0 })).total).toBe(0);
  });

  it('a notice is claimed once: two collectors on one database never both send it', async () => {
    const [dbA, dbB] = await backend.openTwo();
    const onA = (await fresh(dbA)).incidents;
    const onB = new IncidentStore(dbB);
    const i = await onA.insert(incident(), T0);
    expect((await onB.get(i.id))?.key).toBe(i.key);
    const firing = await Promise.all([onA.claimNotice(i.id, 'firing', T0 + 1), onB.claimNotice(i.id, 'firing', T0 + 1)]);
    expect(firing.sort()).toEqual([false, true]);
    expect(await onA.claimNotice(i.id, 'firing', T0 + 2)).toBe(false);
    expect(await onB.claimNotice(i.id, 'resolved', T0 + 3)).toBe(true);
    expect(await onA.claimNotice(i.id, 'resolved', T0 + 4)).toBe(false);
    expect((await onA.get(i.id))?.notified).toBe('resolved');
  });

  it('a collector taking over correlates from the store: opens what nobody correlated, resolves what is open, each notice once', async () => {
    const [dbA, dbB] = await backend.openTwo();
    const { alerts } = await fresh(dbA);
    // Collector A stored three practices' EPS alerts and died before its correlator's tick.
    const raised = [await raise(alerts, 'A', T0), await raise(alerts, 'B', T0 + M), await raise(alerts, 'C', T0 + 2 * M)];
    const clockB = { t: T0 + 5 * M, now: () => clockB.t, monotonic: () => clockB.t };
    const sentB: Notification[] = [];
    const b = correlatorOn(dbB, clockB, sentB);
    b.onProgress({ evaluatedUntil: T0 + 5 * M });
    await b.tick();
    const stored = new IncidentStore(dbB);
    const open = await stored.open();
    expect(open.map((i) => [i.key, i.state, i.startedAt, i.practices, i.monitoring, i.notified])).toEqual([[`${RULE}|app:eps`, 'open', T0, 3, 10, 'firing']]);
    expect((await stored.members(open[0]!.id)).map((m) => m.alertId)).toEqual(raised.map((r) => r.id));
    expect(sentB.map((n) => [n.incident?.status, n.incident?.incidentId, n.incident?.members])).toEqual([['firing', open[0]!.id, ['A', 'B', 'C']]]);

    // A comes back with a fresh correlator (a restart): the same incident, no second notice.
    const clockA = { t: T0 + 6 * M, now: () => clockA.t, monotonic: () => clockA.t };
    const sentA: Notification[] = [];
    const a = correlatorOn(dbA, clockA, sentA);
    a.onProgress({ evaluatedUntil: T0 + 6 * M });
    await a.tick();
    expect((await stored.list({ limit: 10, offset: 0 })).total).toBe(1);
    expect(sentA).toEqual([]);

    // The alerts end (written by whichever collector evaluates); B, started afresh again, resolves
    // the open incident it finds in the store once event time has passed resolveAfterMs.
    for (const [n, r] of raised.entries()) await alerts.update(r.id, { state: 'resolved', endedAt: T0 + (20 + n) * M }, T0 + 25 * M);
    const sentB2: Notification[] = [];
    clockB.t = T0 + 45 * M;
    const b2 = correlatorOn(dbB, clockB, sentB2);
    b2.onProgress({ evaluatedUntil: T0 + 40 * M });
    await b2.tick();
    const done = await stored.get(open[0]!.id);
    expect([done?.state, done?.endedAt, done?.peakPractices, done?.notified]).toEqual(['resolved', T0 + 20 * M, 3, 'resolved']);
    expect(sentB2.map((n) => n.incident?.status)).toEqual(['resolved']);
    // A's correlator, which still believed the incident open, re-derives the same end and sends nothing.
    clockA.t = T0 + 46 * M;
    a.onProgress({ evaluatedUntil: T0 + 40 * M });
    a.takeOver();
    await a.tick();
    expect(sentA).toEqual([]);
    expect((await stored.list({ limit: 10, offset: 0 })).total).toBe(1);
  });
});
