/**
 * Leases: which collector acts for a role ('alerting', 'reports', 'storage-maintenance') when
 * several share one state database (./README.md). A row per role in `leases`; a holder renews it
 * every ttl/3 with ONE conditional statement (insert, or take over when it has expired, or renew
 * when it is ours), so two contenders at once cannot both win.
 *
 * Expiry is judged by the DATABASE's clock (`expires_at` is the database's now + ttl, compared with
 * the database's now): the collectors' clocks never meet, so their skew does not matter. The holder
 * counts its own deadline from just BEFORE it sent the renew (its monotonic clock), ending a
 * quarter of the ttl early, so it stops acting before any other collector can see the row expired.
 * A renew that fails (state database down) stops the holder acting at once: better nobody than two.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { ComponentMigrations, StateDb } from '../meta/state-db.ts';

export const LEASE_ROLES = ['alerting', 'reports', 'storage-maintenance'] as const;
export type LeaseRole = (typeof LEASE_ROLES)[number];

/** A dead holder is replaced within ttl + ttl/3 (the contender's next try): well within a minute. */
export const DEFAULT_LEASE_TTL_MS = 20_000;

export const HA_STATE_MIGRATIONS: ComponentMigrations = {
  sqlite: [
    `CREATE TABLE leases (
       name TEXT PRIMARY KEY,
       holder TEXT NOT NULL,
       expires_at INTEGER NOT NULL,
       acquired_at INTEGER NOT NULL
     )`,
  ],
  postgres: [
    `CREATE TABLE leases (
       name TEXT PRIMARY KEY,
       holder TEXT NOT NULL,
       expires_at BIGINT NOT NULL,
       acquired_at BIGINT NOT NULL
     )`,
  ],
};

/**
 * The database's now in epoch ms (the one clock every collector's lease is judged by); the same
 * value everywhere in one statement (PostgreSQL's statement_timestamp(), SQLite's 'now').
 */
export function dbNowMs(db: StateDb): string {
  return db.dialect === 'postgres'
    ? 'CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT)'
    : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

/** `host:pid:random`: unique per process, readable in the table and the logs. */
export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export interface LeaseRow {
  name: string;
  holder: string;
  expiresAt: number;
  acquiredAt: number;
}

/** The leases table: acquire-or-renew, release, read. */
export class LeaseStore {
  constructor(private readonly db: StateDb) {}

  /**
   * Take `name` for `holder` for `ttlMs` of database time when it is free, expired or already
   * `holder`'s (a renew keeps acquired_at). Returns the row when `holder` holds it now, undefined
   * when another does. Throws when the database cannot be reached.
   */
  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseRow | undefined> {
    const now = dbNowMs(this.db);
    const row = await this.db.get<{ holder: string; expires_at: number | string; acquired_at: number | string }>(
      `INSERT INTO leases (name, holder, expires_at, acquired_at) VALUES (@name, @holder, ${now} + @ttl, ${now})
       ON CONFLICT (name) DO UPDATE SET
         holder = excluded.holder,
         expires_at = excluded.expires_at,
         acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END
       WHERE leases.holder = excluded.holder OR leases.expires_at <= excluded.acquired_at
       RETURNING holder, expires_at, acquired_at`,
      { name, holder, ttl: Math.round(ttlMs) },
    );
    if (row === undefined || row.holder !== holder) return undefined;
    return { name, holder, expiresAt: Number(row.expires_at), acquiredAt: Number(row.acquired_at) };
  }

  /** Give the lease up (a graceful stop): another collector can take it at its next try. */
  async release(name: string, holder: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder])).changes > 0;
  }

  /** Who holds `name` and until when (database time), with the database's now; undefined when nobody ever did. */
  async read(name: string): Promise<(LeaseRow & { now: number }) | undefined> {
    const r = await this.db.get<{ holder: string; expires_at: number | string; acquired_at: number | string; now: number | string }>(
      `SELECT holder, expires_at, acquired_at, ${dbNowMs(this.db)} AS now FROM leases WHERE name = ?`,
      [name],
    );
    return r === undefined ? undefined : { name, holder: r.holder, expiresAt: Number(r.expires_at), acquiredAt: Number(r.acquired_at), now: Number(r.now) };
  }
}

export interface LeaseKeeperOptions {
  db: StateDb;
  roles: readonly LeaseRole[];
  log: Logger;
  clock: Pick<Clock, 'monotonic'>;
  /**
   * 'contend' (several collectors on one database: PostgreSQL) or 'always' (one collector: every
   * role is held and nothing is written). Default: 'contend' on PostgreSQL, 'always' on SQLite.
   */
  mode?: 'contend' | 'always';
  ttlMs?: number;
  holder?: string;
}

type Listener = (role: LeaseRole, held: boolean) => void;

export interface RoleLease {
  holds(): boolean;
  onGain(fn: () => void): void;
}

/**
 * One per process: keeps trying for every role every ttl/3 and says, synchronously, whether this
 * process holds a role now. Listeners hear every change (a gain, a loss).
 */
export class LeaseKeeper {
  readonly holder: string;
  readonly ttlMs: number;
  readonly mode: 'contend' | 'always';
  readonly #store: LeaseStore;
  readonly #o: LeaseKeeperOptions;
  readonly #log: Logger;
  /** role → monotonic time until which this process may act for it (absent: not held). */
  readonly #until = new Map<LeaseRole, number>();
  readonly #listeners: Listener[] = [];
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  constructor(o: LeaseKeeperOptions) {
    this.#o = o;
    this.#store = new LeaseStore(o.db);
    this.holder = o.holder ?? newHolderId();
    this.ttlMs = o.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.mode = o.mode ?? (o.db.dialect === 'postgres' ? 'contend' : 'always');
    this.#log = o.log.child({ component: 'leases', holder: this.holder });
  }

  /** Does this process hold `role` now? Also false once the deadline of its last renew has passed. */
  holds(role: LeaseRole): boolean {
    if (this.mode === 'always') return !this.#stopped;
    const until = this.#until.get(role);
    return until !== undefined && this.#o.clock.monotonic() < until;
  }

  /** One role as the components that act under it see it: do we hold it, and tell me when we gain it. */
  lease(role: LeaseRole): RoleLease {
    return {
      holds: () => this.holds(role),
      onGain: (fn) =>
        this.onChange((r, held) => {
          if (r === role && held) fn();
        }),
    };
  }

  /** `fn(role, held)` on every gain and loss (a listener that throws is logged). */
  onChange(fn: Listener): void {
    this.#listeners.push(fn);
  }

  /** One round: try (or renew) every role. Resolves when done; never rejects. */
  tick(): Promise<void> {
    this.#round ??= this.#tryAll().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  /** First round now, then every ttl/3. */
  async start(): Promise<void> {
    if (this.mode === 'always') {
      for (const role of this.#o.roles) this.#emit(role, true);
      return;
    }
    await this.tick();
    this.#timer = setInterval(() => void this.tick(), Math.max(1, Math.floor(this.ttlMs / 3)));
    this.#timer.unref();
  }

  /** Stop trying and give up what is held (so another collector takes over at once). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#round;
    for (const role of this.#o.roles) {
      if (this.mode === 'always') {
        this.#emit(role, false);
        continue;
      }
      if (!this.#until.has(role)) continue;
      this.#set(role, undefined);
      try {
        await this.#store.release(role, this.holder);
      } catch (err) {
        this.#log.warn({ role, err: (err as Error).message }, 'lease not released; it expires by itself');
      }
    }
  }

  async #tryAll(): Promise<void> {
    for (const role of this.#o.roles) {
      if (this.#stopped) return;
      const sent = this.#o.clock.monotonic();
      try {
        const row = await this.#store.acquire(role, this.holder, this.ttlMs);
        this.#set(role, row === undefined || this.#stopped ? undefined : sent + (this.ttlMs * 3) / 4);
      } catch (err) {
        if (this.#until.has(role)) this.#log.error({ role, err: (err as Error).message }, 'lease renew failed; no longer acting for the role');
        else this.#log.debug({ role, err: (err as Error).message }, 'lease try failed');
        this.#set(role, undefined);
      }
    }
  }

  #set(role: LeaseRole, until: number | undefined): void {
    // A deadline that passed before this renew (a stalled event loop) counts as a loss: the renew is a
    // new gain, so the components acting for the role catch up on what they skipped meanwhile.
    const was = this.holds(role);
    if (until === undefined) this.#until.delete(role);
    else this.#until.set(role, until);
    if (was === (until !== undefined)) return;
    this.#log.info({ role, held: until !== undefined }, until === undefined ? 'lease lost' : 'lease acquired');
    this.#emit(role, until !== undefined);
  }

  #emit(role: LeaseRole, held: boolean): void {
    for (const fn of this.#listeners) {
      try {
        fn(role, held);
      } catch (err) {
        this.#log.error({ role, held, err }, 'lease listener failed');
      }
    }
  }
}
