/**
 * Two alerting stacks (two "collectors" in this process) on one state database, both engines: the
 * series are shared (one store, as InfluxDB is), batches land on either collector, each evaluates,
 * only the 'alerting' lease holder writes and notifies. An alert is raised once and notified once;
 * when the holder stops renewing (its state database unreachable, then it is gone), the other takes
 * over without raising or notifying again what the old holder had, and raises what it had muted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { createAlerting, type Alerting } from '../../../collector/src/notifications/index.ts';
import { defineChannel, type Channel, type Notification } from '../../../collector/src/notifications/channels/types.ts';
import { openHa, type Ha } from '../../../collector/src/ha/index.ts';
import { AgentRepo, BatchRepo } from '../../../collector/src/meta/agents.ts';
import { PracticeRepo } from '../../../collector/src/meta/practices.ts';
import { CORE_STATE_MIGRATIONS } from '../../../collector/src/meta/schema.ts';
import { ENROLMENT_STATE_MIGRATIONS } from '../../../collector/src/meta/enrolment.ts';
import type { Meta } from '../../../collector/src/meta/index.ts';
import type { StateDb } from '../../../collector/src/meta/state-db.ts';
import { useStateBackends } from '../../helpers/state-backends.ts';
import { waitFor } from '../../helpers/wait.ts';
import { FakeClock, MemorySource } from '../../unit/evaluation/memory-source.ts';

const backends = useStateBackends();
const M = 60_000;
const T0 = Math.floor((Date.now() - 4 * 3_600_000) / 3_600_000) * 3_600_000;
const n3 = { role: 'n3-gateway', target: '10.200.0.2', check: 'icmp:n3' };
/** Bad national-link loss: practice P1 from minute 30 to 70, P2 from 50 to 70. */
const PRACTICES = [
  { ods: 'P10001', agent: 'srv1', bad: (ts: number) => ts >= T0 + 30 * M && ts < T0 + 70 * M },
  { ods: 'P20002', agent: 'srv2', bad: (ts: number) => ts >= T0 + 50 * M && ts < T0 + 70 * M },
];
const TTL_MS = 5000;

/** Notifications each collector sent. */
const sent = new Map<string, Notification[]>();
const recorder = defineChannel({
  kind: 'recorder',
  schema: Type.Object({ kind: Type.Literal('recorder'), name: Type.String() }),
  create: (c): Channel => ({
    kind: 'recorder',
    name: c.name,
    send: async (n) => {
      sent.set(c.name, [...(sent.get(c.name) ?? []), n]);
      return { outcome: 'delivered', attempts: 1 };
    },
  }),
});

/** The same database, with every statement failing while `down` (the state database unreachable from this collector). */
function breakable(db: StateDb): StateDb & { down: boolean } {
  const fail = (): Promise<never> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  const b = {
    down: false,
    dialect: db.dialect,
    describe: db.describe,
    all: (sql: string, p?: never) => (b.down ? fail() : db.all(sql, p)),
    get: (sql: string, p?: never) => (b.down ? fail() : db.get(sql, p)),
    run: (sql: string, p?: never) => (b.down ? fail() : db.run(sql, p)),
    tx: <T>(fn: (tx: StateDb) => Promise<T>) => (b.down ? fail() : db.tx(fn)),
    migrate: (c: string, s: never) => db.migrate(c, s),
    close: () => db.close(),
  };
  return b as unknown as StateDb & { down: boolean };
}

interface Collector {
  name: string;
  state: StateDb & { down: boolean };
  meta: Meta;
  alerting: Alerting;
  ha: Ha;
}

const running: Collector[] = [];
afterAll(async () => {
  for (const c of running.splice(0)) {
    c.state.down = false;
    await c.alerting.stop();
    await c.ha.stop();
  }
});

async function collector(name: string, db: StateDb, source: MemorySource, clock: FakeClock): Promise<Collector> {
  const state = breakable(db);
  await state.migrate('core', CORE_STATE_MIGRATIONS);
  await state.migrate('enrolment', ENROLMENT_STATE_MIGRATIONS);
  const meta = { state, practices: new PracticeRepo(state), agents: new AgentRepo(state), batches: new BatchRepo(state) } as unknown as Meta;
  for (const p of PRACTICES) {
    await meta.practices.ensure(p.ods, T0);
    await meta.agents.ensure(p.ods, p.agent, T0);
  }
  const config = parseCollectorConfig({ dataDir: '/nonexistent', alerting: { tickMs: 60_000, groupWaitMs: 0, reopenWithinMs: 5 * M } }, 'test');
  const ha = await openHa({ state, log: silentLogger(), clock, mode: 'contend', ttlMs: TTL_MS, holder: name });
  const alerting = await createAlerting({
    config: { ...config, notifications: [{ kind: 'recorder', name } as { kind: string }] },
    meta,
    log: silentLogger(),
    clock,
    channels: [recorder],
    role: ha.alerting,
  });
  await alerting.start(source as never, { timer: false });
  const c: Collector = { name, state, meta, alerting, ha };
  await ha.start({ source: meta.batches, targets: [(n) => alerting.evaluator?.noteActivity(n)], pollMs: 3_600_000 });
  running.push(c);
  return c;
}

/** One minute of every practice's samples delivered to `c` (its ingest: the shared store, the batch table, its evaluator). */
async function deliver(c: Collector, source: MemorySource, clock: FakeClock, t: number): Promise<void> {
  clock.t = t + M + 5000;
  for (const p of PRACTICES) {
    const loss: { ts: number; value: number }[] = [];
    for (let ts = t; ts < t + M; ts += 30_000) loss.push({ ts, value: p.bad(ts) ? 0.3 : 0 });
    source.write(p.ods, p.agent, 'icmp_loss_ratio', n3, loss);
    source.write(
      p.ods,
      p.agent,
      'probe_success',
      { ...n3, outcome: 'success' },
      loss.map((x) => ({ ts: x.ts, value: 1 })),
    );
    const high = t + M - 30_000;
    await c.meta.batches.record({ practice: p.ods, agent: p.agent, batchId: `${p.ods}-${t}`, samples: loss.length * 2, receivedAt: clock.now(), highTs: high });
    c.alerting.observer.onBatch({
      practice: p.ods,
      agent: p.agent,
      receivedAt: clock.now(),
      samples: loss.map((x) => ({ metric: 'icmp_loss_ratio', labels: n3, ts: x.ts, value: x.value })),
    });
  }
}

/** A round on every live collector: read the other's activity, evaluate, (holder) write and notify. */
async function round(cs: readonly Collector[]): Promise<void> {
  for (const c of cs) {
    await c.ha.pollActivity();
    await c.alerting.tick();
  }
}

const notices = (name: string): string[] => (sent.get(name) ?? []).flatMap((n) => n.items.map((i) => `${n.practice.ods} ${i.status} ${i.ruleId}`));

describe.each(backends)('two collectors on $name', (backend) => {
  it('batches on either collector: every collector sees every agent and shows the alert, the holder alone raises and notifies it, once', async () => {
    const [d1, d2] = await backend.openTwo();
    const source = new MemorySource();
    const clock = new FakeClock(T0);
    const a = await collector(`a-${backend.name}`, d1, source, clock);
    const b = await collector(`b-${backend.name}`, d2, source, clock);
    expect([a.ha.holds('alerting'), b.ha.holds('alerting')]).toEqual([true, false]);
    for (let m = 0; m < 100; m++) {
      // The first hour every batch lands on a (b hears of them only from the shared batch table), then they alternate.
      await deliver(m >= 60 && m % 2 === 1 ? b : a, source, clock, T0 + m * M);
      await round([a, b]);
      if (m === 59) {
        for (const c of [a, b]) {
          expect(c.alerting.status.statusOf('P10001')).toMatchObject({ status: 'critical', openAlerts: 1 });
          expect(c.alerting.evaluator?.progress().map((p) => [p.practice, p.highWater - T0])).toEqual([
            ['P10001', 60 * M - 30_000],
            ['P20002', 60 * M - 30_000],
          ]);
        }
      }
    }
    await a.alerting.notifier.drain();
    const alerts = (await a.alerting.alerts.list({ limit: 10, offset: 0 })).items;
    expect(alerts.map((x) => [x.practice, x.ruleId, x.state, x.startedAt - T0])).toEqual([
      ['P20002', 'n3-loss-mean', 'resolved', 51 * M],
      ['P10001', 'n3-loss-mean', 'resolved', 31 * M],
    ]);
    for (const x of alerts) expect((await a.alerting.alerts.history(x.id)).map((e) => e.kind)).toEqual(['raised', 'resolved']);
    expect(notices(a.name).sort()).toEqual([
      'P10001 firing n3-loss-mean',
      'P10001 resolved n3-loss-mean',
      'P20002 firing n3-loss-mean',
      'P20002 resolved n3-loss-mean',
    ]);
    expect(notices(b.name)).toEqual([]);
  }, 60_000);

  it('the holder stops renewing: the other takes over within the lease, raises what it had muted, and raises or notifies nothing twice', async () => {
    const [d1, d2] = await backend.openTwo();
    const source = new MemorySource();
    const clock = new FakeClock(T0);
    const a = await collector(`a2-${backend.name}`, d1, source, clock);
    const b = await collector(`b2-${backend.name}`, d2, source, clock);
    let m = 0;
    for (; m < 45; m++) {
      await deliver(m % 2 === 0 ? a : b, source, clock, T0 + m * M);
      await round([a, b]);
    }
    await a.alerting.notifier.drain();
    expect(notices(a.name)).toEqual(['P10001 firing n3-loss-mean']); // P1 raised and told by the holder
    // The holder loses its state database (renew fails: it stops acting at once) and is then gone.
    a.state.down = true;
    await a.ha.keeper.tick();
    expect(a.ha.holds('alerting')).toBe(false);
    // Until the lease expires nobody writes: the survivor evaluates P2's episode (raised at 51 min) muted.
    for (; m < 60; m++) {
      await deliver(b, source, clock, T0 + m * M);
      await round([b]);
    }
    expect(b.ha.holds('alerting')).toBe(false); // (the lease is 5 s of real time: still the dead holder's)
    expect((await b.alerting.alerts.list({ limit: 10, offset: 0 })).total).toBe(1);
    await waitFor('the survivor to take the lease', async () => (b.ha.holds('alerting') ? true : undefined), { timeoutMs: 20_000, intervalMs: 50 });
    for (; m < 100; m++) {
      await deliver(b, source, clock, T0 + m * M);
      await round([b]);
    }
    await b.alerting.notifier.drain();
    const alerts = (await b.alerting.alerts.list({ limit: 10, offset: 0 })).items;
    expect(alerts.map((x) => [x.practice, x.state, x.startedAt - T0, (x.endedAt ?? 0) - T0])).toEqual([
      ['P20002', 'resolved', 51 * M, 85 * M],
      ['P10001', 'resolved', 31 * M, 85 * M],
    ]);
    for (const x of alerts) expect((await b.alerting.alerts.history(x.id)).map((e) => e.kind)).toEqual(['raised', 'resolved']);
    expect(notices(a.name)).toEqual(['P10001 firing n3-loss-mean']);
    expect(notices(b.name).sort()).toEqual(['P10001 resolved n3-loss-mean', 'P20002 firing n3-loss-mean', 'P20002 resolved n3-loss-mean']);
  }, 60_000);
});
