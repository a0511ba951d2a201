// Leases on both state engines (collector/src/ha/leases.ts): acquire, renew, takeover after
// expiry, two contenders at once, and a holder whose database fails stops holding at once.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { systemClock } from '../../../shared/src/clock.ts';
import { HA_STATE_MIGRATIONS, LeaseKeeper, LeaseStore } from '../../../collector/src/ha/leases.ts';
import type { StateDb } from '../../../collector/src/meta/state-db.ts';
import { useStateBackends } from '../../helpers/state-backends.ts';
import { waitFor } from '../../helpers/wait.ts';

const backends = useStateBackends();

/** The same database, but every statement fails while `down` is set (the state database unreachable). */
function breakable(db: StateDb): { db: StateDb; down: boolean } {
  const ctl = { down: false, db: undefined as unknown as StateDb };
  const fail = (): Promise<never> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
  ctl.db = {
    dialect: db.dialect,
    describe: db.describe,
    all: (sql, p) => (ctl.down ? fail() : db.all(sql, p)),
    get: (sql, p) => (ctl.down ? fail() : db.get(sql, p)),
    run: (sql, p) => (ctl.down ? fail() : db.run(sql, p)),
    tx: (fn) => (ctl.down ? fail() : db.tx(fn)),
    migrate: (c, s) => db.migrate(c, s),
    close: () => db.close(),
  };
  return ctl;
}

describe.each(backends)('leases on $name', (backend) => {
  it('acquire, renew (acquired_at kept), refused to another holder while valid, taken over once expired', async () => {
    const db = await backend.open();
    await db.migrate('ha', HA_STATE_MIGRATIONS);
    const leases = new LeaseStore(db);
    const a = await leases.acquire('alerting', 'A', 60_000);
    expect(a?.holder).toBe('A');
    expect(a!.expiresAt - a!.acquiredAt).toBe(60_000);
    expect(await leases.acquire('alerting', 'B', 60_000)).toBeUndefined();
    const renewed = await leases.acquire('alerting', 'A', 60_000);
    expect(renewed?.acquiredAt).toBe(a!.acquiredAt);
    expect(renewed!.expiresAt).toBeGreaterThanOrEqual(a!.expiresAt);
    // Other roles are independent.
    expect((await leases.acquire('reports', 'B', 60_000))?.holder).toBe('B');
    // A short lease expires by the database's clock and the other holder takes it.
    expect(await leases.acquire('storage-maintenance', 'A', 200)).toBeDefined();
    const taken = await waitFor('B to take the expired lease', () => leases.acquire('storage-maintenance', 'B', 60_000), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    expect(taken.holder).toBe('B');
    expect((await leases.read('storage-maintenance'))?.holder).toBe('B');
    expect(await leases.acquire('storage-maintenance', 'A', 60_000)).toBeUndefined();
    // Released: free for the next.
    expect(await leases.release('storage-maintenance', 'B')).toBe(true);
    expect((await leases.acquire('storage-maintenance', 'A', 60_000))?.holder).toBe('A');
  });

  it('two contenders at once on two connections: exactly one wins each lease', async () => {
    const [d1, d2] = await backend.openTwo();
    await d1.migrate('ha', HA_STATE_MIGRATIONS);
    const s1 = new LeaseStore(d1);
    const s2 = new LeaseStore(d2);
    for (let i = 0; i < 20; i++) {
      const [x, y] = await Promise.all([s1.acquire(`race-${i}`, 'A', 60_000), s2.acquire(`race-${i}`, 'B', 60_000)]);
      expect([x, y].filter((r) => r !== undefined)).toHaveLength(1);
    }
  });

  it('keepers: one holds; the holder whose database fails stops at once; the other takes over after expiry; never both', async () => {
    const [d1, d2] = await backend.openTwo();
    await d1.migrate('ha', HA_STATE_MIGRATIONS);
    const one = breakable(d1);
    const ttlMs = 900;
    const k1 = new LeaseKeeper({ db: one.db, roles: ['alerting'], log: silentLogger(), clock: systemClock, mode: 'contend', ttlMs, holder: 'one' });
    const k2 = new LeaseKeeper({ db: d2, roles: ['alerting'], log: silentLogger(), clock: systemClock, mode: 'contend', ttlMs, holder: 'two' });
    const heard: string[] = [];
    k1.onChange((role, held) => heard.push(`one ${role} ${held}`));
    k2.onChange((role, held) => heard.push(`two ${role} ${held}`));
    let both = 0;
    const watch = setInterval(() => {
      if (k1.holds('alerting') && k2.holds('alerting')) both++;
    }, 5);
    try {
      await k1.start();
      await k2.start();
      expect([k1.holds('alerting'), k2.holds('alerting')]).toEqual([true, false]);
      one.down = true;
      await k1.tick();
      expect(k1.holds('alerting')).toBe(false); // at the failed renew, not at expiry
      await waitFor('the other keeper to take over', async () => (k2.holds('alerting') ? true : undefined), { timeoutMs: 15_000, intervalMs: 20 });
      one.down = false;
      await k1.tick();
      expect(k1.holds('alerting')).toBe(false); // the lease is the other's now
      expect(heard).toEqual(['one alerting true', 'one alerting false', 'two alerting true']);
      // A graceful stop releases: the other takes it at its next try, without waiting for expiry.
      await k2.stop();
      await k1.tick();
      expect(k1.holds('alerting')).toBe(true);
      expect(both).toBe(0);
    } finally {
      clearInterval(watch);
      await k1.stop();
      await k2.stop();
    }
  });

  it("mode 'always' (one collector on SQLite) holds every role and writes nothing", async () => {
    const db = await backend.open();
    await db.migrate('ha', HA_STATE_MIGRATIONS);
    const k = new LeaseKeeper({ db, roles: ['alerting', 'reports'], log: silentLogger(), clock: systemClock, mode: 'always' });
    const heard: string[] = [];
    k.onChange((role, held) => heard.push(`${role} ${held}`));
    await k.start();
    expect([k.holds('alerting'), k.holds('reports')]).toEqual([true, true]);
    expect(await db.all('SELECT * FROM leases')).toEqual([]);
    await k.stop();
    expect(k.holds('alerting')).toBe(false);
    expect(heard).toEqual(['alerting true', 'reports true', 'alerting false', 'reports false']);
  });
});
