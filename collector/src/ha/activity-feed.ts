/**
 * What every collector sees of the agents, whichever collector their batches landed on: each poll
 * reads the shared batch table (meta.batches.activitySince: per agent the newest sample time and
 * arrival over the recent batches) and tells the evaluator (noteActivity) and the agents' activity
 * (last seen). The window starts `overlapMs` before the previous read began, so a batch committed
 * by another collector during that read, or stamped by a clock a little behind ours, is still seen;
 * reading a batch twice is harmless (both targets only move forward).
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { AgentActivityNote } from '../evaluation/evaluator.ts';

export interface ActivitySource {
  activitySince(receivedFrom: number): Promise<readonly AgentActivityNote[]>;
}

export interface ActivityFeedOptions {
  source: ActivitySource;
  /** Told about every agent active in the window (evaluator.noteActivity, AgentActivity.seen …). */
  targets: readonly ((n: AgentActivityNote) => void)[];
  clock: Pick<Clock, 'now'>;
  log: Logger;
  /** Re-read this much before the previous read (clock skew between collectors, commit lag). Default 60 s. */
  overlapMs?: number;
}

export const DEFAULT_ACTIVITY_OVERLAP_MS = 60_000;

export class ActivityFeed {
  readonly #o: ActivityFeedOptions;
  readonly #log: Logger;
  #lastRead: number | undefined;
  #running: Promise<number> | undefined;

  constructor(o: ActivityFeedOptions) {
    this.#o = o;
    this.#log = o.log.child({ component: 'activity-feed' });
  }

  /** One read; resolves with the number of agents seen (0 after a failure, which is logged). Never rejects. */
  poll(): Promise<number> {
    this.#running ??= this.#read().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #read(): Promise<number> {
    const started = this.#o.clock.now();
    const overlap = this.#o.overlapMs ?? DEFAULT_ACTIVITY_OVERLAP_MS;
    const from = (this.#lastRead ?? started) - overlap;
    let rows: readonly AgentActivityNote[];
    try {
      rows = await this.#o.source.activitySince(from);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'agent activity not read; trying again at the next poll');
      return 0; // the next window still starts at the last good read
    }
    this.#lastRead = started;
    for (const r of rows) {
      for (const t of this.#o.targets) {
        try {
          t(r);
        } catch (err) {
          this.#log.error({ err, practice: r.practice, agent: r.agent }, 'activity target failed');
        }
      }
    }
    return rows.length;
  }
}
