/**
 * Several collectors on one state (./README.md), as the composition root wires it:
 *
 *   const ha = await openHa({ state: meta.state, log, clock });       // migrates 'ha'
 *   createAlerting({ …, role: ha.alerting }); reports.start({ lease: ha.lease('reports') });
 *   await ha.start({ source: meta.batches, targets: [evaluator.noteActivity, activity.seen] });
 *   if (ha.holds('storage-maintenance')) await store.maintain(now);
 *   await ha.stop();
 *
 * On SQLite (one collector) every role is always held, nothing is written to `leases` and the
 * activity feed does not run: the single machine behaves as before.
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { StateDb } from '../meta/state-db.ts';
import type { AgentActivityNote } from '../evaluation/evaluator.ts';
import { ActivityFeed, type ActivitySource } from './activity-feed.ts';
import { alertingRole, type AlertingRole } from './alerting-role.ts';
import { HA_STATE_MIGRATIONS, LEASE_ROLES, LeaseKeeper, type LeaseRole, type RoleLease } from './leases.ts';

export { HA_STATE_MIGRATIONS, LEASE_ROLES, type LeaseRole } from './leases.ts';

/** How often a collector reads the other collectors' agent activity (default). */
export const DEFAULT_ACTIVITY_POLL_MS = 5_000;

export interface HaOptions {
  state: StateDb;
  log: Logger;
  clock: Clock;
  /** Default: 'contend' on PostgreSQL, 'always' on SQLite (LeaseKeeper). */
  mode?: 'contend' | 'always';
  ttlMs?: number;
  holder?: string;
}

export interface Ha {
  readonly keeper: LeaseKeeper;
  /** For createAlerting({ role }). */
  readonly alerting: AlertingRole;
  lease(role: LeaseRole): RoleLease;
  holds(role: LeaseRole): boolean;
  /** Start contending for the roles, and (when contending) feeding agent activity to `targets`. */
  start(feed: { source: ActivitySource; targets: readonly ((n: AgentActivityNote) => void)[]; pollMs?: number }): Promise<void>;
  /** Read the shared batch table now (tests; the timer does it every pollMs). */
  pollActivity(): Promise<number>;
  /** Stop the feed, give up the leases held. */
  stop(): Promise<void>;
}

export async function openHa(o: HaOptions): Promise<Ha> {
  await o.state.migrate('ha', HA_STATE_MIGRATIONS);
  const keeper = new LeaseKeeper({
    db: o.state,
    roles: LEASE_ROLES,
    log: o.log,
    // Real elapsed time, never the collector's (possibly simulated) clock: the database judges expiry in real time.
    clock: { monotonic: () => performance.now() },
    ...(o.mode === undefined ? {} : { mode: o.mode }),
    ...(o.ttlMs === undefined ? {} : { ttlMs: o.ttlMs }),
    ...(o.holder === undefined ? {} : { holder: o.holder }),
  });
  // One collector: always the holder, and never a takeover to reconcile (exactly the single-machine behaviour).
  const alerting: AlertingRole = keeper.mode === 'always' ? { holds: () => true, takeGain: () => false } : alertingRole(keeper);
  let feed: ActivityFeed | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    keeper,
    alerting,
    lease: (role) => keeper.lease(role),
    holds: (role) => keeper.holds(role),
    async start(f) {
      await keeper.start();
      if (keeper.mode === 'always') return; // one collector: its own ingest tells it everything
      feed = new ActivityFeed({ source: f.source, targets: f.targets, clock: o.clock, log: o.log });
      await feed.poll();
      timer = setInterval(() => void feed?.poll(), f.pollMs ?? DEFAULT_ACTIVITY_POLL_MS);
      timer.unref();
    },
    pollActivity: () => feed?.poll() ?? Promise.resolve(0),
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await keeper.stop();
    },
  };
}
