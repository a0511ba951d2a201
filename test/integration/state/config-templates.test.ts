/**
 * The templated-config store (collector/src/config-templates/store.ts) on both state engines:
 * versions published in order and never rewritten, a concurrent change refused (also between two
 * collectors sharing one database), paging, the sealed-secret check, and agents' apply results.
 */
import { describe, expect, it } from 'vitest';
import { applyStates, ConfigStore, migrateConfigTemplates } from '../../../collector/src/config-templates/store.ts';
import type { Snapshot } from '../../../collector/src/config-templates/schema.ts';
import type { StateDb } from '../../../collector/src/meta/state-db.ts';
import { useStateBackends } from '../../helpers/state-backends.ts';

const backends = useStateBackends();

const T0 = Date.UTC(2026, 11, 7, 12);
const snap = (source: string): Snapshot => ({ templates: { base: { source, practices: 'all' } }, practices: {} });
const who = { actor: 'user:desk', action: 'template.put', target: 'template:base' };

async function fresh(db: StateDb): Promise<ConfigStore> {
  expect(await migrateConfigTemplates(db)).toBe(1);
  expect(await migrateConfigTemplates(db)).toBe(0);
  return new ConfigStore(db);
}

describe.each(backends)('the config-template store on $name', (backend) => {
  it('starts empty, publishes versions in order and keeps every one', async () => {
    const store = await fresh(await backend.open());
    expect(await store.current()).toEqual({ version: 0, snapshot: { templates: {}, practices: {} } });
    expect(await store.currentVersion()).toBe(0);
    expect(await store.publish(0, { ...who, at: T0, snapshot: snap('checks: []\n') })).toBe(1);
    expect(await store.publish(1, { ...who, at: T0 + 1000, target: null, snapshot: snap('checks: [a]\n') })).toBe(2);
    // A change made against version 1 after 2 was published loses and writes nothing.
    expect(await store.publish(1, { ...who, at: T0 + 2000, snapshot: snap('lost\n') })).toBeUndefined();
    expect(await store.currentVersion()).toBe(2);
    expect(await store.current()).toEqual({ version: 2, snapshot: snap('checks: [a]\n') });
    expect(await store.snapshotOf(1)).toEqual(snap('checks: []\n'));
    expect(await store.snapshotOf(3)).toBeUndefined();
    const page = await store.versions(1, 1);
    expect(page.total).toBe(2);
    expect(page.items).toEqual([{ version: 1, at: T0, actor: 'user:desk', action: 'template.put', target: 'template:base' }]);
    expect((await store.versions(10, 0)).items.map((v) => [v.version, v.target])).toEqual([
      [2, null],
      [1, 'template:base'],
    ]);
  });

  it('lets exactly one of two collectors publish the next version', async () => {
    // SQLite: two connections in one thread cannot both hold a transaction across awaits (the second
    // BEGIN IMMEDIATE blocks the thread the first needs to finish), so the race runs on one handle
    // there; two processes on one meta.db are serialised by SQLite's lock the same way.
    const [a, b] = backend.name === 'sqlite' ? await backend.open().then((db) => [db, db] as const) : await backend.openTwo();
    const one = await fresh(a);
    const two = new ConfigStore(b);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? one : two).publish(0, { ...who, at: T0 + i, snapshot: snap(`race ${i}\n`) })),
    );
    expect(results.filter((r) => r === 1)).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(5);
    expect(await two.currentVersion()).toBe(1);
    expect((await one.versions(10, 0)).total).toBe(1);
  });

  it('knows whether any version holds a sealed secret', async () => {
    const store = await fresh(await backend.open());
    expect(await store.hasSecrets()).toBe(false);
    await store.publish(0, { ...who, at: T0, snapshot: snap('plain\n') });
    expect(await store.hasSecrets()).toBe(false);
    const sealed: Snapshot = { templates: {}, practices: { A81001: { values: { community: { sealed: 'v1:a:b:c' } }, extraChecks: '' } } };
    await store.publish(1, { ...who, at: T0, snapshot: sealed });
    // Later versions without it do not forget it: the old version still holds the sealed value.
    await store.publish(2, { ...who, at: T0, snapshot: snap('plain again\n') });
    expect(await store.hasSecrets()).toBe(true);
  });

  it("keeps each agent's last apply result, per practice", async () => {
    const db = await backend.open();
    const store = await fresh(db);
    await store.recordApply('A81001', 'server-1', { version: 3, etag: 'e3', ok: false, running: 2, problem: 'checks[0]: bad', at: T0 }, T0 + 5);
    await store.recordApply('A81001', 'server-2', { version: 3, ok: true, running: 3, at: T0 + 1 }, T0 + 6);
    await store.recordApply('B82002', 'server-1', { version: 1, ok: true, running: 1, at: T0 }, T0 + 7);
    // The same agent again: replaced, not added.
    await store.recordApply('A81001', 'server-1', { version: 4, etag: 'e4', ok: true, running: 4, at: T0 + 10 }, T0 + 11);
    const a = await applyStates(db, 'A81001');
    expect([...a.keys()].sort()).toEqual(['server-1', 'server-2']);
    expect(a.get('server-1')).toEqual({ version: 4, etag: 'e4', ok: true, running: 4, at: T0 + 10, receivedAt: T0 + 11 });
    expect(a.get('server-2')).toEqual({ version: 3, ok: true, running: 3, at: T0 + 1, receivedAt: T0 + 6 });
    const failed = await applyStates(db, 'B82002');
    expect(failed.get('server-1')?.ok).toBe(true);
    expect((await applyStates(db, 'C83003')).size).toBe(0);
    await store.recordApply('B82002', 'server-1', { version: 2, ok: false, running: 1, problem: 'no', at: T0 }, T0 + 8);
    expect((await applyStates(db, 'B82002')).get('server-1')).toEqual({ version: 2, ok: false, running: 1, problem: 'no', at: T0, receivedAt: T0 + 8 });
  });
});
