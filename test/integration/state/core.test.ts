/**
 * The core tables (collector/src/meta/schema.ts) and their repositories on both state engines:
 * practices (and the list cache seeing another collector's writes), agents, batch ids (dedupe that
 * holds when two collectors get the same batch at once, per-agent activity for several
 * collectors), the audit log; the constraints the credentials rely on.
 */
import { describe, expect, it } from 'vitest';
import { AgentRepo, BatchRepo } from '../../../collector/src/meta/agents.ts';
import { AuditLog } from '../../../collector/src/meta/audit.ts';
import { ENROLMENT_STATE_MIGRATIONS } from '../../../collector/src/meta/enrolment.ts';
import { PracticeRepo } from '../../../collector/src/meta/practices.ts';
import { CORE_STATE_MIGRATIONS } from '../../../collector/src/meta/schema.ts';
import { isForeignKeyViolation, isUniqueViolation, type StateDb } from '../../../collector/src/meta/state-db.ts';
import { useStateBackends } from '../../helpers/state-backends.ts';

const backends = useStateBackends();

/** Core, then enrolment (it adds agents.version/platform/address, which AgentRepo reads). */
async function migrated(db: StateDb): Promise<StateDb> {
  await db.migrate('core', CORE_STATE_MIGRATIONS);
  await db.migrate('enrolment', ENROLMENT_STATE_MIGRATIONS);
  return db;
}

async function withAgent(db: StateDb, practice: string, ...agents: string[]): Promise<void> {
  await new PracticeRepo(db).ensure(practice, 0);
  for (const a of agents) await new AgentRepo(db).ensure(practice, a, 0);
}

describe.each(backends)('the core tables on $name', (backend) => {
  it('migrates once, to the newest step of the engine', async () => {
    const db = await backend.open();
    const steps = db.dialect === 'sqlite' ? CORE_STATE_MIGRATIONS.sqlite : CORE_STATE_MIGRATIONS.postgres;
    expect(await db.migrate('core', CORE_STATE_MIGRATIONS)).toBe(steps.length);
    expect(await db.migrate('core', CORE_STATE_MIGRATIONS)).toBe(0);
  });

  it('syncs practices from the config without dropping those it does not list; ensure creates once', async () => {
    const practices = new PracticeRepo(await migrated(await backend.open()));
    expect(await practices.ensure('Y12345', 1)).toBe(true);
    expect(await practices.ensure('Y12345', 5)).toBe(false);
    await practices.syncFromConfig([{ ods: 'A81001', name: 'Example Surgery', sites: [{ name: 'Main' }] }], 2);
    await practices.syncFromConfig(
      [
        { ods: 'A81001', name: 'Renamed', sites: [] },
        { ods: 'Y12345', name: 'Named now', sites: [{ name: 'Main' }, { name: 'Branch' }] },
      ],
      3,
    );
    expect((await practices.list()).map((p) => [p.ods, p.name, p.source])).toEqual([
      ['A81001', 'Renamed', 'config'],
      ['Y12345', 'Named now', 'config'],
    ]);
    expect(Object.isFrozen((await practices.list())[0])).toBe(true);
    expect(await practices.get('Y12345')).toEqual({
      ods: 'Y12345',
      name: 'Named now',
      sites: [{ name: 'Main' }, { name: 'Branch' }],
      source: 'config',
      createdAt: 1,
    });
    expect(await practices.get('Z99999')).toBeUndefined();
    expect(await practices.codes()).toEqual(['A81001', 'Y12345']);
    expect(practices.knownRow('A81001')?.name).toBe('Renamed');
  });

  it("a collector's cached practice list sees the practices another collector adds and renames", async () => {
    const [one, two] = await backend.openTwo();
    await migrated(one);
    const a = new PracticeRepo(one);
    const b = new PracticeRepo(two);
    await a.syncFromConfig([{ ods: 'A81001', name: 'Example Surgery', sites: [] }], 1);
    expect(await a.codes()).toEqual(['A81001']);
    expect(await b.ensure('Y12345', 2)).toBe(true);
    expect(await a.codes()).toEqual(['A81001', 'Y12345']);
    await b.syncFromConfig([{ ods: 'A81001', name: 'Renamed elsewhere', sites: [] }], 3);
    expect((await a.list()).map((p) => p.name)).toEqual(['Renamed elsewhere', 'Y12345']);
  });

  it('keeps agents per practice, refuses one of an unknown practice, and notes a client only when it changed', async () => {
    const db = await migrated(await backend.open());
    const agents = new AgentRepo(db);
    await withAgent(db, 'A81001');
    expect(await agents.ensure('A81001', 'srv2', 10)).toBe(true);
    expect(await agents.ensure('A81001', 'srv1', 11)).toBe(true);
    expect(await agents.ensure('A81001', 'srv1', 12)).toBe(false);
    const refused = await agents.ensure('Z99999', 'srv1', 13).catch((err: unknown) => err);
    expect(isForeignKeyViolation(refused)).toBe(true);
    expect((await agents.list('A81001')).map((a) => [a.name, a.createdAt, a.lastSeen])).toEqual([
      ['srv1', 11, null],
      ['srv2', 10, null],
    ]);
    const client = { version: '1.2.3', platform: 'linux-x64', address: '10.0.0.7' };
    expect(await agents.noteClient('A81001', 'srv1', client)).toBe(true);
    expect(await agents.noteClient('A81001', 'srv1', client)).toBe(false);
    // An unknown version keeps the known one; a new address is written.
    expect(await agents.noteClient('A81001', 'srv1', { version: null, platform: null, address: '10.0.0.7' })).toBe(false);
    expect(await agents.noteClient('A81001', 'srv1', { ...client, address: '10.0.0.8' })).toBe(true);
    expect((await agents.all()).find((a) => a.name === 'srv1')).toEqual({
      practice: 'A81001',
      name: 'srv1',
      createdAt: 11,
      lastSeen: null,
      version: '1.2.3',
      platform: 'linux-x64',
      address: '10.0.0.8',
    });
  });

  it('records a batch id once with the agent last-seen (never moved back); prunes old ids', async () => {
    const db = await migrated(await backend.open());
    await withAgent(db, 'A81001', 'srv1');
    const batches = new BatchRepo(db);
    const b = { practice: 'A81001', agent: 'srv1', batchId: 'b1', samples: 3, receivedAt: 1000, highTs: 900 };
    expect(await batches.record(b)).toBe(true);
    expect(await batches.record({ ...b, receivedAt: 1500 })).toBe(false);
    expect(await batches.record({ ...b, batchId: 'b0', receivedAt: 500 })).toBe(true);
    expect(await batches.has('A81001', 'srv1', 'b1')).toBe(true);
    expect(await batches.has('A81001', 'srv2', 'b1')).toBe(false);
    expect(await new AgentRepo(db).list('A81001')).toEqual([
      { practice: 'A81001', name: 'srv1', createdAt: 0, lastSeen: 1500, version: null, platform: null, address: null },
    ]);
    expect(await batches.prune(1001)).toBe(2);
    expect(await batches.has('A81001', 'srv1', 'b1')).toBe(false);
    expect(await batches.prune(1001)).toBe(0);
  });

  it('answers per agent the newest sample time and receipt of the batches received since a time', async () => {
    const db = await migrated(await backend.open());
    await withAgent(db, 'A81001', 'srv1', 'srv2');
    await withAgent(db, 'B82002', 'srv1');
    const batches = new BatchRepo(db);
    const rec = (practice: string, agent: string, batchId: string, receivedAt: number, highTs?: number) =>
      batches.record({ practice, agent, batchId, samples: 1, receivedAt, ...(highTs === undefined ? {} : { highTs }) });
    await rec('A81001', 'srv1', 'old', 100, 5000); // received before the span: not counted
    await rec('A81001', 'srv1', 'a', 1000, 900);
    await rec('A81001', 'srv1', 'b', 1200, 800); // a late backlog batch: newest receipt, older samples
    await rec('A81001', 'srv2', 'a', 1000); // an empty batch: no sample time
    await rec('B82002', 'srv1', 'a', 999, 990); // just before the span
    await rec('B82002', 'srv1', 'b', 1000, 950);
    expect(await batches.activitySince(1000)).toEqual([
      { practice: 'A81001', agent: 'srv1', highWater: 900, lastSeen: 1200 },
      { practice: 'A81001', agent: 'srv2', highWater: 0, lastSeen: 1000 },
      { practice: 'B82002', agent: 'srv1', highWater: 950, lastSeen: 1000 },
    ]);
    expect(await batches.activitySince(1201)).toEqual([]);
  });

  it('stores a batch that reaches two collectors at once exactly once: one record is told it inserted it', async () => {
    const [one, two] = await backend.openTwo();
    await migrated(one);
    await withAgent(one, 'A81001', 'srv1');
    const a = new BatchRepo(one);
    const b = new BatchRepo(two);
    for (let i = 0; i < 10; i++) {
      const batch = { practice: 'A81001', agent: 'srv1', batchId: `race-${i}`, samples: 5, receivedAt: 1000 + i, highTs: 900 + i };
      const results = await Promise.all([a.record(batch), b.record(batch), a.record(batch), b.record(batch)]);
      expect(results.filter((r) => r)).toHaveLength(1);
    }
    expect(await a.activitySince(0)).toEqual([{ practice: 'A81001', agent: 'srv1', highWater: 909, lastSeen: 1009 }]);
  });

  it('appends audit entries and lists them newest first, filtered and paged, with their detail; prunes by age', async () => {
    const db = await migrated(await backend.open());
    const audit = new AuditLog(db);
    const base = { from: '192.0.2.10', practice: null };
    const first = await audit.record({ ...base, actor: 'user:alice', action: 'user.create', target: 'user:bob', at: 1000, detail: { role: 'servicedesk' } });
    const second = await audit.record({ ...base, actor: 'user:alice', action: 'alert.ack', target: 'alert:5', practice: 'A81001', at: 2000 });
    const third = await audit.record({ actor: 'cli:root', from: 'cli', action: 'token.create', target: `token:${'x'.repeat(300)}`, at: 2000 });
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
    const all = await audit.list({ limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items.map((e) => e.id)).toEqual([third, second, first]);
    expect(all.items[2]).toEqual({
      id: first,
      at: 1000,
      actor: 'user:alice',
      action: 'user.create',
      target: 'user:bob',
      from: '192.0.2.10',
      practice: null,
      detail: { role: 'servicedesk' },
    });
    expect(all.items[0]?.target).toBe(`token:${'x'.repeat(194)}…`);
    expect(all.items[1]).toMatchObject({ practice: 'A81001', detail: null });
    const alice = await audit.list({ actor: 'user:alice', since: 1500, limit: 10, offset: 0 });
    expect([alice.total, alice.items.map((e) => e.action)]).toEqual([1, ['alert.ack']]);
    const page = await audit.list({ until: 2001, limit: 1, offset: 1 });
    expect([page.total, page.items.map((e) => e.id)]).toEqual([3, [second]]);
    expect((await audit.list({ action: 'user.create', limit: 10, offset: 0 })).items.map((e) => e.id)).toEqual([first]);
    expect(await audit.prune(2000)).toBe(1);
    expect((await audit.list({ limit: 10, offset: 0 })).items.map((e) => e.id)).toEqual([third, second]);
  });

  it('holds the constraints credentials rely on: a token needs its agent, a key id is unique, a practice key names a practice', async () => {
    const db = await migrated(await backend.open());
    await withAgent(db, 'A81001', 'srv1');
    const hash = new Uint8Array(32).fill(7);
    await db.run('INSERT INTO agent_tokens (id, practice, agent, hash, created_at) VALUES (?, ?, ?, ?, ?)', ['t1', 'A81001', 'srv1', hash, 1]);
    const row = await db.get<{ hash: Uint8Array }>('SELECT hash FROM agent_tokens WHERE id = ?', ['t1']);
    expect(Buffer.from(row?.hash ?? []).equals(Buffer.from(hash))).toBe(true);
    const noAgent = await db
      .run('INSERT INTO agent_tokens (id, practice, agent, hash, created_at) VALUES (?, ?, ?, ?, ?)', ['t2', 'A81001', 'srv9', hash, 1])
      .catch((err: unknown) => err);
    expect(isForeignKeyViolation(noAgent)).toBe(true);
    const key = 'INSERT INTO api_keys (id, role, practice, hash, created_at) VALUES (?, ?, ?, ?, ?)';
    await db.run(key, ['k1', 'servicedesk', null, hash, 1]);
    expect(isUniqueViolation(await db.run(key, ['k1', 'servicedesk', null, hash, 2]).catch((err: unknown) => err))).toBe(true);
    await expect(db.run(key, ['k2', 'practice', null, hash, 1])).rejects.toThrow(/check/i);
    await expect(db.run(key, ['k3', 'servicedesk', 'A81001', hash, 1])).rejects.toThrow(/check/i);
  });
});
